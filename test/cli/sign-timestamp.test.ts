import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoPki, issueDemoSigner } from "../../service/src/adapters/pki/demo-pki";
import { loadTrustAnchorsDir } from "../../service/src/adapters/pki/trust-dir";
import { sign } from "../../service/src/cli/commands/sign";
import { verifySignature } from "../../service/src/cli/commands/verify-signature";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { verifyDetached } from "../../service/src/core/pki";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { openssl, opensslReport, tempDir } from "../helpers/files";
import { makeTranscript } from "../helpers/fixtures";
import { deadTsaUrl, startTsa, type TestTsa } from "../helpers/tsa";

const tmp = tempDir("cli-sign-tsa");
const demo = tmp.path("demo");
const document = makeTranscript({ seed: 12 });
const TSA_SUBJECT = "CN=Dịch vụ cấp dấu thời gian thử nghiệm, O=hocba tests, C=VN";
let documentPath: string;
let tsa: TestTsa;

beforeAll(async () => {
  [tsa] = await Promise.all([startTsa(), ensureDemoPki(demo)]);
  await issueDemoSigner(demo, {
    code: "GVCN",
    subject: "C=VN, O=Trường THCS Demo, OU=DEMO01, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang",
    keyAlgorithm: "RSA-2048",
    password: "gvcn",
  });
  documentPath = tmp.write("transcript.json", JSON.stringify(document, null, 2));
});
afterAll(async () => {
  await tsa.close();
  tmp.dispose();
});

const coSigners = [
  `--p12`,
  `${demo}/DEMO01.p12`,
  "--password",
  "demo",
  "--p12",
  `${demo}/GVCN.p12`,
  "--password",
  "gvcn",
];

describe("hocba sign --tsa", () => {
  it("timestamps every co-signer; the tokens verify with openssl ts -verify and hocba reports the TSA's time", async () => {
    const io = captureIo();
    expect(await sign([documentPath, ...coSigners, "--tsa", tsa.url], io)).toBe(0);
    const signed = JSON.parse(io.stdoutText()) as { document: unknown; signature: string };
    const cms = Buffer.from(signed.signature, "base64");
    const signers = parseDetachedSignedData(cms).signers;
    const root = tmp.write("tsa-root.pem", tsa.rootPem);
    const verdicts = signers.map((signer, index) => {
      const data = tmp.write(`signature-${index}.bin`, signer.signature);
      const token = tmp.write(`token-${index}.der`, signer.timestampTokens[0]!);
      return openssl("ts", "-verify", "-data", data, "-in", token, "-token_in", "-CAfile", root).trim();
    });
    expect(verdicts).toEqual(["Verification: OK", "Verification: OK"]);
    const report = await verifyDetached(canonicalBytes(signed.document), cms, {
      trustAnchors: loadTrustAnchorsDir(`${demo}/trust`),
      timestamps: { trustAnchors: loadTrustAnchorsDir(tsa.trustDir), required: true },
    });
    expect({
      ok: report.ok,
      timestamp: report.checks.find((check) => check.name === "timestamp")?.status,
      tsas: report.signers.map((signer) => signer.timestamp?.tsa),
    }).toEqual({ ok: true, timestamp: "valid", tsas: [TSA_SUBJECT, TSA_SUBJECT] });
    // The CMS as a whole still verifies with OpenSSL: unsigned attributes are outside the signatures.
    const cmsFile = tmp.write("signature.der", cms);
    const content = tmp.write("content.bin", canonicalBytes(signed.document));
    expect(
      opensslReport(
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        cmsFile,
        "-content",
        content,
        "-CAfile",
        `${demo}/trust/root.pem`,
        "-purpose",
        "any",
        "-out",
        "/dev/null",
      ).trim(),
    ).toBe("CMS Verification successful");
  });

  it("refuses a TSA URL that is not http(s) before signing: USAGE", async () => {
    expect(
      await commandError(sign([documentPath, ...coSigners, "--tsa", "ftp://tsa.example/"], captureIo())),
    ).toEqual({
      code: "USAGE",
      message: "--tsa ftp://tsa.example/: the TSA URL must be http:// or https://",
    });
  });

  it("fails with a coded error naming the TSA when it is down, answers HTTP 500, garbage or refuses", async () => {
    const dead = await deadTsaUrl();
    const outcome = async (url: string, mode: TestTsa["mode"] = "ok") => {
      tsa.mode = mode;
      try {
        return await commandError(sign([documentPath, ...coSigners, "--tsa", url], captureIo()));
      } finally {
        tsa.mode = "ok";
      }
    };
    expect([
      await outcome(dead),
      await outcome(tsa.url, "http-500"),
      await outcome(tsa.url, "garbage"),
      await outcome(tsa.url, "rejected"),
    ]).toEqual([
      {
        code: "TSA_UNAVAILABLE",
        message: expect.stringMatching(new RegExp(`^the TSA ${dead} cannot be reached: `)) as unknown,
      },
      { code: "TSA_UNAVAILABLE", message: `the TSA ${tsa.url} answered HTTP 500 Internal Server Error` },
      {
        code: "TSA_RESPONSE_INVALID",
        message: `${tsa.url}: the TSA's answer is not an RFC 3161 TimeStampResp`,
      },
      {
        code: "TSA_REJECTED",
        message: expect.stringMatching(
          /^http:\/\/127\.0\.0\.1:\d+\/tsr: the TSA refused the timestamp request \(PKIStatus 2/,
        ) as unknown,
      },
    ]);
  });

  it("exits with the TSA error's own exit code and prints the message, writing nothing to stdout", async () => {
    const dead = await deadTsaUrl();
    tsa.mode = "garbage";
    try {
      const [down, garbage] = await Promise.all([
        runCli(["sign", documentPath, ...coSigners, "--tsa", dead]),
        runCli(["sign", documentPath, ...coSigners, "--tsa", tsa.url]),
      ]);
      expect([
        {
          code: down.code,
          stdout: down.stdout,
          unavailable: down.stderr.includes(`the TSA ${dead} cannot be reached`),
        },
        {
          code: garbage.code,
          stdout: garbage.stdout,
          invalid: garbage.stderr.includes("is not an RFC 3161 TimeStampResp"),
        },
      ]).toEqual([
        { code: exitCodeFor("TSA_UNAVAILABLE"), stdout: "", unavailable: true },
        { code: exitCodeFor("TSA_RESPONSE_INVALID"), stdout: "", invalid: true },
      ]);
    } finally {
      tsa.mode = "ok";
    }
  });
});

describe("hocba verify-signature --tsa-trust", () => {
  it("checks each signer's timestamp offline and prints the TSA's time; without the TSA's root the time is not used", async () => {
    const io = captureIo();
    expect(await sign([documentPath, ...coSigners, "--tsa", tsa.url], io)).toBe(0);
    const file = tmp.write("signed-tsa.json", io.stdoutText());
    const run = async (extra: string[]) => {
      const out = captureIo();
      const exit = await verifySignature([file, "--trust", `${demo}/trust`, ...extra], out);
      return { exit, text: out.stdoutText() };
    };
    const trusted = await run(["--tsa-trust", tsa.trustDir]);
    const untrusted = await run([]);
    const lineOf = (text: string, name: string) =>
      text
        .split("\n")
        .find((line) => line.startsWith(name))
        ?.split(/\s+/)
        .slice(0, 2)
        .join(" ");
    expect({
      exit: trusted.exit,
      check: lineOf(trusted.text, "timestamp"),
      stamps: trusted.text.match(/^ {8}timestamp \d{4}-\d\d-\d\dT[\d:.]+Z by .+$/gm)?.length,
    }).toEqual({ exit: 0, check: "timestamp VALID", stamps: 2 });
    expect({ exit: untrusted.exit, check: lineOf(untrusted.text, "timestamp") }).toEqual({
      exit: 0,
      check: "timestamp SKIPPED",
    });
    expect(trusted.text).toContain(`by ${TSA_SUBJECT}`);
  });
});
