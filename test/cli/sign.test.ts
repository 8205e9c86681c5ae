import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoPki, issueDemoSigner } from "../../service/src/adapters/pki/demo-pki";
import { loadTrustAnchorsDir } from "../../service/src/adapters/pki/trust-dir";
import { sign, signerSources } from "../../service/src/cli/commands/sign";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { disclose } from "../../service/src/core/documents/disclosure";
import { verifyDetached, type SignatureReport } from "../../service/src/core/pki";
import { captureIo, commandError } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript, withValue } from "../helpers/fixtures";

const tmp = tempDir("cli-sign");
const demo = tmp.path("demo");
const document = makeTranscript({ seed: 11 });
let documentPath: string;
let principalFingerprint: string;
let homeroomFingerprint: string;

beforeAll(async () => {
  const pki = await ensureDemoPki(demo);
  principalFingerprint = pki.signers[0]!.fingerprint;
  const homeroom = await issueDemoSigner(demo, {
    code: "GVCN",
    subject: "C=VN, O=Trường THCS Demo, OU=DEMO01, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang",
    keyAlgorithm: "RSA-2048",
    password: "gvcn",
  });
  homeroomFingerprint = homeroom.fingerprint;
  documentPath = tmp.write("transcript.json", JSON.stringify(document, null, 2));
});
afterAll(() => tmp.dispose());

const p12 = (code = "DEMO01") => `${demo}/${code}.p12`;

/** Runs `hocba sign`, checks it printed one signed JSON, and verifies that signature for real. */
async function signedBy(args: string[], env: Record<string, string> = {}): Promise<SignatureReport> {
  const io = captureIo(env);
  expect(await sign(args, io)).toBe(0);
  const signed = JSON.parse(io.stdoutText()) as {
    document: Record<string, unknown>;
    disclosures: string[];
    signature: string;
  };
  expect(signed).toEqual({
    document: expect.objectContaining({ _sd_alg: "sha-256", id: document.id }) as unknown,
    disclosures: expect.any(Array) as unknown,
    signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) as unknown,
  });
  // The signed form discloses exactly the transcript given.
  expect(disclose(signed.document, signed.disclosures)).toEqual({
    view: document,
    withheld: [],
    keys: ["citizenId", "ethnicity", "placeOfBirth", ...document.years.map((_, i) => `years/${i}`)],
    problems: [],
  });
  return verifyDetached(canonicalBytes(signed.document), Buffer.from(signed.signature, "base64"), {
    trustAnchors: loadTrustAnchorsDir(`${demo}/trust`),
  });
}

function summary(report: SignatureReport) {
  return { ok: report.ok, signers: report.signers.map((signer) => signer.fingerprint) };
}

describe("hocba sign", () => {
  it("signs with the demo school's .p12 and its password", async () => {
    expect(summary(await signedBy([documentPath, "--p12", p12(), "--password", "demo"]))).toEqual({
      ok: true,
      signers: [principalFingerprint],
    });
  });

  it("takes the .p12 password from HOCBA_P12_PASSWORD", async () => {
    expect(summary(await signedBy([documentPath, "--p12", p12()], { HOCBA_P12_PASSWORD: "demo" }))).toEqual({
      ok: true,
      signers: [principalFingerprint],
    });
  });

  it("signs with a PEM key, certificate and chain", async () => {
    const args = [documentPath, "--key", `${demo}/DEMO01.key.pem`, "--cert", `${demo}/DEMO01.cert.pem`];
    expect(summary(await signedBy([...args, "--chain", `${demo}/ca/intermediate.cert.pem`]))).toEqual({
      ok: true,
      signers: [principalFingerprint],
    });
  });

  it("co-signs: principal and homeroom teacher, each .p12 with its own password", async () => {
    const args = [
      documentPath,
      "--p12",
      p12(),
      "--password",
      "demo",
      "--p12",
      p12("GVCN"),
      "--password",
      "gvcn",
    ];
    expect(summary(await signedBy(args))).toEqual({
      ok: true,
      signers: [principalFingerprint, homeroomFingerprint],
    });
  });

  it("co-signs with a .p12 and a PEM signer", async () => {
    const args = [
      documentPath,
      "--key",
      `${demo}/GVCN.key.pem`,
      "--cert",
      `${demo}/GVCN.chain.pem`,
      "--p12",
      p12(),
      "--password",
      "demo",
    ];
    expect(summary(await signedBy(args))).toEqual({
      ok: true,
      signers: [homeroomFingerprint, principalFingerprint],
    });
  });

  it("writes to --out instead of stdout", async () => {
    const out = tmp.path("signed.json");
    const io = captureIo();
    expect(await sign([documentPath, "--p12", p12(), "--password", "demo", "--out", out], io)).toBe(0);
    expect(io.out).toEqual([]);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({
      document: expect.objectContaining({ _sd_alg: "sha-256" }) as unknown,
      disclosures: expect.any(Array) as unknown,
      signature: expect.any(String) as unknown,
    });
  });

  it("signs the plain form with --plain, as hocba/1 school software does", async () => {
    const io = captureIo();
    expect(await sign([documentPath, "--p12", p12(), "--password", "demo", "--plain"], io)).toBe(0);
    const signed = JSON.parse(io.stdoutText()) as { document: unknown; signature: string };
    expect(signed).toEqual({ document, signature: expect.any(String) as unknown });
    const report = await verifyDetached(
      canonicalBytes(signed.document),
      Buffer.from(signed.signature, "base64"),
      {
        trustAnchors: loadTrustAnchorsDir(`${demo}/trust`),
      },
    );
    expect(summary(report)).toEqual({ ok: true, signers: [principalFingerprint] });
  });

  it("rejects malformed JSON", async () => {
    const path = tmp.write("broken.json", '{"type": "hocba.transcript/v1",');
    expect(await commandError(sign([path, "--p12", p12(), "--password", "demo"], captureIo()))).toEqual({
      code: "JSON_MALFORMED",
      message: expect.stringMatching(new RegExp(`^${path} is not valid JSON: `)) as unknown,
    });
  });

  it("rejects a document that breaks the schema, listing every problem with its path", async () => {
    const bad = withValue(withValue(document, "/years/0/subjects/0/term1", 11), "/student/citizenId", "123");
    const path = tmp.write("bad.json", JSON.stringify(bad));
    const failure = await commandError(sign([path, "--p12", p12(), "--password", "demo"], captureIo()));
    expect(failure.code).toBe("SCHEMA_INVALID");
    const lines = failure.message.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${path} is not a valid document \\(\\d+ problems\\):$`));
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual(
      expect.arrayContaining(["/student/citizenId", "/years/0/subjects/0/term1"]),
    );
  });

  it("says what a file already signed is instead of listing schema problems: a signed file, a credential", async () => {
    const signed = tmp.write("signed-already.json", JSON.stringify({ document, signature: "MAA=" }));
    const credential = tmp.write(
      "cred.hocba.json",
      JSON.stringify({ format: "hocba/1", document, signature: "MAA=", anchor: {} }),
    );
    const run = (path: string) =>
      commandError(sign([path, "--p12", p12(), "--password", "demo"], captureIo()));
    expect([await run(signed), await run(credential)]).toEqual([
      {
        code: "SCHEMA_INVALID",
        message: `${signed} is already signed ({document, signature}), not a document to sign: submit it with \`hocba submit ${signed}\`; to co-sign, sign the unsigned document once with every signer (repeat --p12 or --key/--cert, e.g. principal then homeroom teacher), or sign its "document" field alone again`,
      },
      {
        code: "SCHEMA_INVALID",
        message: `${credential} is a hocba/1 credential (a document already signed and anchored), not a document to sign: check it with \`hocba verify ${credential}\``,
      },
    ]);
  });

  it("rejects a missing document file and a missing .p12 file", async () => {
    expect(await commandError(sign([tmp.path("nope.json"), "--p12", p12()], captureIo()))).toEqual({
      code: "IO",
      message: `cannot read document ${tmp.path("nope.json")}: no such file`,
    });
    expect(await commandError(sign([documentPath, "--p12", tmp.path("nope.p12")], captureIo()))).toEqual({
      code: "IO",
      message: `cannot read .p12 file ${tmp.path("nope.p12")}: no such file`,
    });
  });

  it("rejects a wrong .p12 password, and says so when none was given", async () => {
    expect(
      await commandError(sign([documentPath, "--p12", p12(), "--password", "sai"], captureIo())),
    ).toEqual({
      code: "P12_PASSWORD_INVALID",
      message: `${p12()}: the .p12 password is wrong`,
    });
    expect(await commandError(sign([documentPath, "--p12", p12()], captureIo()))).toEqual({
      code: "P12_PASSWORD_INVALID",
      message: `${p12()}: the .p12 password is wrong (no password given: use --password or HOCBA_P12_PASSWORD)`,
    });
  });

  it("names the co-signer whose .p12 fails", async () => {
    const args = [
      documentPath,
      "--p12",
      p12(),
      "--password",
      "demo",
      "--p12",
      p12("GVCN"),
      "--password",
      "demo",
    ];
    expect(await commandError(sign(args, captureIo()))).toEqual({
      code: "P12_PASSWORD_INVALID",
      message: `signer 2: ${p12("GVCN")}: the .p12 password is wrong`,
    });
  });

  it("rejects a file that is not a .p12", async () => {
    expect(
      await commandError(sign([documentPath, "--p12", documentPath, "--password", "demo"], captureIo())),
    ).toEqual({
      code: "P12_INVALID",
      message: expect.stringMatching(
        new RegExp(`^${documentPath}: not a readable PKCS#12 \\(\\.p12\\) file: `),
      ) as unknown,
    });
  });

  it("rejects a key and a certificate that do not belong together", async () => {
    const args = [documentPath, "--key", `${demo}/DEMOQ1.key.pem`, "--cert", `${demo}/DEMO01.cert.pem`];
    expect(await commandError(sign(args, captureIo()))).toEqual({
      code: "KEY_INVALID",
      message: `${demo}/DEMOQ1.key.pem: no certificate matches the private key (certificates: C=VN, L=Hà Nội, O=Trường THCS Demo, OU=DEMO01, title=Hiệu trưởng, CN=Trần Thị Minh Hạnh)`,
    });
  });

  it("rejects command lines without a document, without a signer, or with an incomplete signer", async () => {
    const usage = async (args: string[]) => {
      const failure = await commandError(sign(args, captureIo()));
      return { code: failure.code, problem: failure.message.split("\n")[0] };
    };
    expect(await usage(["--p12", p12()])).toEqual({ code: "USAGE", problem: "the document file is missing" });
    expect(await usage([documentPath])).toEqual({
      code: "USAGE",
      problem: "no signer: give --p12 <file> or --key <pem> --cert <pem>",
    });
    expect(await usage([documentPath, "--p12", p12(), "--key", `${demo}/DEMO01.key.pem`])).toEqual({
      code: "USAGE",
      problem:
        "signer 2: --key without --cert (a PEM signer needs both; do not mix --p12 and --key for one signer)",
    });
    expect(await usage([documentPath, "--p12"])).toEqual({
      code: "USAGE",
      problem: "Option '--p12 <value>' argument missing",
    });
  });

  it("prints its help", async () => {
    const io = captureIo();
    expect(await sign(["--help"], io)).toBe(0);
    expect(io.stdoutText()).toMatch(/^usage: hocba sign <document.json>/);
  });
});

describe("signerSources", () => {
  const option = (name: string, value: string) => ({ name, value });

  it("groups options into signers in command-line order, a password binding to the signer before it", () => {
    expect(
      signerSources([
        option("password", "first"),
        option("p12", "a.p12"),
        option("p12", "b.p12"),
        option("password", "b"),
        option("key", "c.key"),
        option("cert", "c.crt"),
        option("chain", "c.chain"),
        option("cert", "d.crt"),
        option("key", "d.key"),
      ]),
    ).toEqual([
      { kind: "p12", p12: "a.p12", password: "first" },
      { kind: "p12", p12: "b.p12", password: "b" },
      { kind: "pem", key: "c.key", cert: "c.crt", chain: "c.chain" },
      { kind: "pem", cert: "d.crt", key: "d.key" },
    ]);
  });

  it("rejects two passwords for one signer and a password without a signer", () => {
    const problem = (options: { name: string; value: string }[]) => {
      try {
        signerSources(options);
      } catch (error) {
        return (error as Error).message.split("\n")[0];
      }
      return "no error";
    };
    expect(problem([option("p12", "a"), option("password", "x"), option("password", "y")])).toBe(
      "two --password options for one signer",
    );
    expect(problem([option("password", "x")])).toBe("--password without a --p12 or --key");
    expect(problem([option("cert", "c.crt")])).toBe(
      "--cert/--chain without --key (a PEM signer needs both; do not mix --p12 and --key for one signer)",
    );
  });
});
