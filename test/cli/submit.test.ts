import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submit } from "../../service/src/cli/commands/submit";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { docHash } from "../../service/src/core/documents/hash";
import { signedItem } from "../helpers/app";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript } from "../helpers/fixtures";
import { closedPortUrl, startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { SCHOOL_CODE } from "../helpers/pki";

const tmp = tempDir("submit");
let api: ListeningApp;
let env: Record<string, string>;
let closedUrl: string;
let seed = 81_000;

beforeAll(async () => {
  api = await startListeningApp("submit-api");
  env = { HOCBA_API_URL: api.url, HOCBA_API_KEY: api.schoolKey };
  closedUrl = await closedPortUrl();
}, 60_000);
afterAll(async () => {
  await api.dispose();
  tmp.dispose();
});

/** Writes a signed transcript of `school` to a file; returns its path and docHash. */
async function signedFile(school = SCHOOL_CODE): Promise<{ path: string; hash: string; id: string }> {
  const document = makeTranscript({
    seed: seed++,
    school: { code: school, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });
  const item = await signedItem(api.pki, document);
  const path = tmp.write(`t${seed}.json`, JSON.stringify(item, null, 2));
  return { path, hash: docHash(document), id: document.id };
}

describe("hocba submit", () => {
  it("submits one file and prints its id, docHash and status; the same file again gives the same id", async () => {
    const file = await signedFile();
    const io = captureIo(env);
    expect(await submit([file.path], io)).toBe(0);
    const again = captureIo(env);
    expect(await submit([file.path], again)).toBe(0);
    expect([io.stdoutText(), again.stdoutText()]).toEqual([
      `${file.path}\t${file.id}\t${file.hash}\tpending\n`,
      `${file.path}\t${file.id}\t${file.hash}\tpending\n`,
    ]);
  });

  it("submits several files as a batch, a line each, and exits with the first refusal's code", async () => {
    const [a, foreign, b] = [await signedFile(), await signedFile("79999999"), await signedFile()];
    const io = captureIo(env);
    expect(await submit([a.path, foreign.path, b.path], io)).toBe(exitCodeFor("FORBIDDEN"));
    expect(io.out).toEqual([
      `${a.path}\t${a.id}\t${a.hash}\tpending\n`,
      `${foreign.path}\tERROR\tFORBIDDEN\tthis API key belongs to ${SCHOOL_CODE}, not to school 79999999\n`,
      `${b.path}\t${b.id}\t${b.hash}\tpending\n`,
    ]);
    expect(io.err).toEqual([
      `hocba submit: some files were refused; first: FORBIDDEN: this API key belongs to ${SCHOOL_CODE}, not to school 79999999\n`,
    ]);
  });

  it("sends more than 1,000 files in batches of at most 1,000, halved to fit the body limit, every file answered in order", async () => {
    const files = [];
    for (let i = 0; i < 1001; i++) files.push(await signedFile());
    const io = captureIo(env);
    expect(
      await submit(
        files.map((f) => f.path),
        io,
      ),
    ).toBe(0);
    expect(io.out).toEqual(files.map((f) => `${f.path}\t${f.id}\t${f.hash}\tpending\n`));
  }, 120_000);

  it("fails with the code of each problem, local or from the API", async () => {
    const good = await signedFile();
    const notJson = tmp.write("broken.json", "{");
    const notSigned = tmp.write("plain.json", JSON.stringify({ hello: 1 }));
    const foreign = await signedFile("79999999");
    const cases: [string[], Record<string, string>, string, RegExp][] = [
      [[], env, "USAGE", /^no signed document given/],
      [[good.path], { HOCBA_API_URL: api.url }, "USAGE", /^no api key: give --api-key or set HOCBA_API_KEY/],
      [[tmp.path("missing.json")], env, "IO", /^cannot read signed document .*missing\.json: no such file$/],
      [[notJson], env, "JSON_MALFORMED", /^.*broken\.json is not valid JSON/],
      [[notSigned], env, "SCHEMA_INVALID", /plain\.json is not a signed document \(\{document, signature\}/],
      [[good.path, "--api-key", "hocba_wrong"], env, "UNAUTHORIZED", /^invalid or revoked credentials$/],
      [[foreign.path], env, "FORBIDDEN", /^this API key belongs to 79000701, not to school 79999999$/],
      [
        [good.path, "--api", closedUrl],
        env,
        "API_UNAVAILABLE",
        /^cannot reach the hocba API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is `hocba serve` running\? set HOCBA_API_URL or --api\)$/,
      ],
    ];
    for (const [argv, environment, code, message] of cases) {
      const error = await commandError(submit(argv, captureIo(environment)));
      expect({ argv, ...error }).toEqual({ argv, code, message: expect.stringMatching(message) as unknown });
    }
  });

  it("runs as a real process: exit 0 with the result line, and the exit code of a refusal", async () => {
    const file = await signedFile();
    const foreign = await signedFile("79999999");
    const [ok, refused] = await Promise.all([
      runCli(["submit", file.path], env),
      runCli(["submit", foreign.path], env),
    ]);
    expect([ok, refused]).toEqual([
      { code: 0, stdout: `${file.path}\t${file.id}\t${file.hash}\tpending\n`, stderr: "" },
      {
        code: exitCodeFor("FORBIDDEN"),
        stdout: "",
        stderr: `hocba submit: FORBIDDEN: this API key belongs to ${SCHOOL_CODE}, not to school 79999999\n`,
      },
    ]);
  }, 30_000);
});
