/**
 * The real `node bin/hocba.mjs` as a user runs it: what it prints and the exit code of each
 * outcome (exit-codes.ts). The logic itself is tested in-process in sign.test.ts and
 * verify-signature.test.ts; here each process start (~1 s) has to earn its place.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { disclose } from "../../service/src/core/documents/disclosure";
import { runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript, withValue } from "../helpers/fixtures";

const tmp = tempDir("cli-process");
const demo = tmp.path("demo");
const document = makeTranscript({ seed: 21 });
let demoPkiRun: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  demoPkiRun = await runCli(["demo-pki", "--dir", demo]);
  tmp.write("transcript.json", JSON.stringify(document, null, 2));
  await runCli(["demo-pki", "--dir", tmp.path("other")]);
  mkdirSync(tmp.path("empty"));
}, 60_000);
afterAll(() => tmp.dispose());

/** Runs up to `width` CLI processes at a time (the machine has two cores). */
async function runAll<T>(jobs: (() => Promise<T>)[], width = 3): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += width)
    results.push(...(await Promise.all(jobs.slice(i, i + width).map((job) => job()))));
  return results;
}

describe("the hocba command", () => {
  it("creates the demo PKI, signs with DEMO01.p12 (password from the environment) and verifies", async () => {
    expect(demoPkiRun.code).toBe(0);
    expect(demoPkiRun.stdout.split("\n").filter((line) => line.startsWith("wrote "))).toHaveLength(20);

    const signedPath = tmp.path("signed.json");
    const signing = await runCli(
      ["sign", tmp.path("transcript.json"), "--p12", `${demo}/DEMO01.p12`, "--out", signedPath],
      {
        HOCBA_P12_PASSWORD: "demo",
      },
    );
    expect(signing).toEqual({ code: 0, stdout: "", stderr: "" });
    const signed = JSON.parse(readFileSync(signedPath, "utf8")) as {
      document: Record<string, unknown>;
      disclosures: string[];
    };
    expect(signed).toEqual({
      document: expect.objectContaining({ _sd_alg: "sha-256", id: document.id }) as unknown,
      disclosures: expect.any(Array) as unknown,
      signature: expect.any(String) as unknown,
    });
    expect(disclose(signed.document, signed.disclosures).view).toEqual(document);

    const verifying = await runCli(["verify-signature", signedPath, "--trust", `${demo}/trust`]);
    expect({
      code: verifying.code,
      stderr: verifying.stderr,
      last: verifying.stdout.trimEnd().split("\n").at(-1),
    }).toEqual({
      code: 0,
      stderr: "",
      last: "result: VALID (authorization not checked offline)",
    });
  });

  it("exits with a distinct code and a clear message for every bad input", async () => {
    const signed = JSON.parse(readFileSync(tmp.path("signed.json"), "utf8")) as {
      document: unknown;
      signature: string;
    };
    const file = (name: string, content: unknown) =>
      tmp.write(name, typeof content === "string" ? content : JSON.stringify(content));
    const transcript = tmp.path("transcript.json");
    const p12 = ["--p12", `${demo}/DEMO01.p12`, "--password", "demo"];
    const cases: { args: string[]; code: number; output: RegExp }[] = [
      {
        args: ["sign", file("broken.json", "{"), ...p12],
        code: exitCodeFor("JSON_MALFORMED"),
        output: /^hocba sign: JSON_MALFORMED: .*broken\.json is not valid JSON/,
      },
      {
        args: ["sign", file("bad.json", withValue(document, "/student/dateOfBirth", "2009-02-30")), ...p12],
        code: exitCodeFor("SCHEMA_INVALID"),
        output:
          /^hocba sign: SCHEMA_INVALID: .*bad\.json is not a valid document \(\d+ problems?\):\n {2}\/student\/dateOfBirth /,
      },
      {
        args: ["sign", tmp.path("missing.json"), ...p12],
        code: exitCodeFor("IO"),
        output: /^hocba sign: IO: cannot read document .*missing\.json: no such file/,
      },
      {
        args: ["sign", transcript, "--p12", `${demo}/DEMO01.p12`, "--password", "sai"],
        code: exitCodeFor("P12_PASSWORD_INVALID"),
        output: /^hocba sign: P12_PASSWORD_INVALID: .*DEMO01\.p12: the \.p12 password is wrong/,
      },
      {
        args: ["sign", transcript, "--p12", transcript, "--password", "demo"],
        code: exitCodeFor("P12_INVALID"),
        output: /^hocba sign: P12_INVALID: .*transcript\.json: not a readable PKCS#12/,
      },
      {
        args: ["sign", transcript, "--key", `${demo}/DEMOQ1.key.pem`, "--cert", `${demo}/DEMO01.cert.pem`],
        code: exitCodeFor("KEY_INVALID"),
        output: /^hocba sign: KEY_INVALID: .*DEMOQ1\.key\.pem: no certificate matches the private key/,
      },
      {
        args: ["sign", transcript],
        code: exitCodeFor("USAGE"),
        output: /^hocba sign: USAGE: no signer: give --p12 <file> or --key <pem> --cert <pem>\n/,
      },
      {
        args: [
          "verify-signature",
          file("tampered.json", {
            ...signed,
            document: withValue(signed.document, "/student/placeOfBirth", "Huế"),
          }),
          "--trust",
          `${demo}/trust`,
        ],
        code: 1,
        output:
          /^digest +INVALID +DIGEST_MISMATCH: message digest 0x[0-9a-f]{64} is not the document's SHA-256/m,
      },
      {
        args: ["verify-signature", tmp.path("signed.json"), "--trust", tmp.path("other/trust")],
        code: 1,
        output: /^chain +INVALID +CERT_UNTRUSTED: /m,
      },
      {
        args: [
          "verify-signature",
          file("not-cms.json", { ...signed, signature: Buffer.from("not a CMS").toString("base64") }),
          "--trust",
          `${demo}/trust`,
        ],
        code: 1,
        output: /^structure +INVALID +SIGNATURE_MALFORMED: /m,
      },
      {
        args: ["verify-signature", tmp.path("signed.json"), "--trust", tmp.path("empty")],
        code: exitCodeFor("CONFIG_INVALID"),
        output:
          /^hocba verify-signature: CONFIG_INVALID: the trust anchors folder .*empty holds no \.pem\/\.crt\/\.cer\/\.der file/,
      },
    ];
    const results = await runAll(cases.map((c) => () => runCli(c.args)));
    expect(results.map((result) => ({ code: result.code, output: result.stdout + result.stderr }))).toEqual(
      cases.map((c) => ({ code: c.code, output: expect.stringMatching(c.output) as unknown })),
    );
  }, 60_000);
});

describe("hocba --help", () => {
  it("lists every command with a one-line summary, and where the API commands find the service", async () => {
    const run = await runCli(["--help"]);
    const lines = run.stdout.trimEnd().split("\n");
    expect({
      code: run.code,
      head: lines.slice(0, 3),
      commands: lines.slice(3, -2).map((line) => /^ {2}(\S+) +\S/.exec(line)?.[1] ?? `? ${line}`),
      tail: lines.slice(-2),
    }).toEqual({
      code: 0,
      head: ["usage: hocba <command> [options]", "", "commands:"],
      commands: [
        "backup",
        "demo-pki",
        "deploy",
        "disclose",
        "import-graduates",
        "issuer",
        "migrate",
        "register-issuer",
        "restore",
        "serve",
        "sign",
        "sign-pending",
        "staff",
        "submit",
        "submit-pdf",
        "verify",
        "verify-signature",
        "worker",
      ],
      tail: [
        "",
        'Run "hocba <command> --help" for a command\'s options. The API commands talk to $HOCBA_API_URL, else http://127.0.0.1:$PORT (port 8080).',
      ],
    });
    expect(lines[8]).toBe(
      "  issuer            add (with a role) or remove an issuer's signing certificate (admin API)",
    );
  });
});
