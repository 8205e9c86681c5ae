import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importGraduatesCommand } from "../../service/src/cli/commands/import-graduates";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { openssl, tempDir } from "../helpers/files";
import { graduateRow, registerDistrict, toCsv, type District } from "../helpers/graduates";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";

const TEMPLATE = path.join(__dirname, "..", "..", "docs", "graduates-template.csv");
const ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const tmp = tempDir("import-graduates");
let api: ListeningApp;
let district: District;
let env: Record<string, string>;
let pem: { key: string; cert: string; chain: string; p12: string };

beforeAll(async () => {
  api = await startListeningApp("import-graduates-api");
  district = await registerDistrict(api.db, api.pki);
  env = { HOCBA_API_URL: api.url, HOCBA_API_KEY: district.apiKey };
  pem = {
    key: tmp.write("district.key.pem", district.signer.privateKeyPkcs8Pem),
    cert: tmp.write("district.cert.pem", district.signer.certificatePem),
    chain: tmp.write("chain.pem", api.pki.intermediate.certificatePem),
    p12: tmp.path("district.p12"),
  };
  openssl(
    "pkcs12", "-export", "-inkey", pem.key, "-in", pem.cert, "-certfile", pem.chain,
    "-passout", "pass:demo", "-out", pem.p12,
  ); // prettier-ignore
}, 60_000);
afterAll(async () => {
  await api.dispose();
  tmp.dispose();
});

describe("hocba import-graduates", () => {
  it("signs the template file with a .p12 and imports it: a line per row; the same file again gives the same answer", async () => {
    const io = captureIo(env);
    expect(await importGraduatesCommand([TEMPLATE, "--p12", pem.p12, "--password", "demo"], io)).toBe(0);
    const line = (row: number, serial: string, outcome: string) =>
      expect.stringMatching(new RegExp(`^${row}\\t2024\\t${serial}\\t${ID}\\t${outcome}\\n$`)) as unknown;
    expect(io.out).toEqual([line(2, "A0123456", "created"), line(3, "A0123457", "created")]);
    expect(io.err.join("")).toContain(`${TEMPLATE}: 2 rows — 2 created, 0 corrected, 0 unchanged`);
    const again = captureIo(env);
    expect(
      await importGraduatesCommand(
        [TEMPLATE, "--key", pem.key, "--cert", pem.cert, "--chain", pem.chain],
        again,
      ),
    ).toBe(0);
    expect([again.out, again.err.join("")]).toEqual([
      io.out, // the same file again: the same answer, nothing new
      expect.stringMatching(
        new RegExp(
          `^hocba import-graduates: ${TEMPLATE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: already imported on \\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d \\(Vietnam time; import ${ID}, file SHA-256 [0-9a-f]{64}\\): nothing changed\\n$`,
        ),
      ) as unknown,
    ]);
  });

  it("prints every row's problems and exits with IMPORT_INVALID's code when the file is refused", async () => {
    const file = tmp.write(
      "bad.csv",
      toCsv([graduateRow(900_001, { gender: "X" }), graduateRow(900_002, { decisionDate: "" })]),
    );
    const io = captureIo(env);
    const error = await commandError(
      importGraduatesCommand([file, "--p12", pem.p12, "--password", "demo"], io),
    );
    expect(error).toEqual({
      code: "IMPORT_INVALID",
      message: `${file}: the file was not imported: 2 problems in 2 rows, first at row 2 column gender: GENDER_INVALID`,
    });
    expect(io.err).toEqual([
      expect.stringMatching(
        /^row 2\tgender\tGENDER_INVALID\t.+\nrow 3\tdecisionDate\tVALUE_MISSING\tvalue is missing\n$/,
      ) as unknown,
    ]);
  });

  it("runs as the hocba command, exit code included", async () => {
    const file = tmp.write("one.csv", toCsv([graduateRow(900_010)]));
    const ok = await runCli(["import-graduates", file, "--p12", pem.p12, "--password", "demo"], env);
    expect([ok.code, ok.stdout]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^2\\t2024\\tA1900010\\t${ID}\\tcreated\\n$`)) as unknown,
    ]);
    const refused = await runCli(["import-graduates", file, "--p12", pem.p12, "--password", "demo"], {
      ...env,
      HOCBA_API_KEY: api.schoolKey,
    });
    expect([refused.code, refused.stderr]).toEqual([
      exitCodeFor("FORBIDDEN"),
      expect.stringContaining("this route is for district offices") as unknown,
    ]);
    expect(readFileSync(file, "utf8")).toContain("A1900010");
  });
});
