import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoPki } from "../../service/src/adapters/pki/demo-pki";
import { sign } from "../../service/src/cli/commands/sign";
import { verifySignature, type OfflineReport } from "../../service/src/cli/commands/verify-signature";
import { docHash } from "../../service/src/core/documents/hash";
import { captureIo, commandError } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript, withValue } from "../helpers/fixtures";

const tmp = tempDir("cli-verify");
const demo = tmp.path("demo");
const trust = `${demo}/trust`;
const document = makeTranscript({ seed: 12 });
let signed: { document: Record<string, unknown>; signature: string };
/** The same transcript signed in the selectively disclosable form (hocba sign's default). */
let disclosable: { document: Record<string, unknown>; disclosures: string[]; signature: string };
let fingerprint: string;

beforeAll(async () => {
  fingerprint = (await ensureDemoPki(demo)).signers[0]!.fingerprint;
  const io = captureIo({ HOCBA_P12_PASSWORD: "demo" });
  await sign([tmp.write("doc.json", JSON.stringify(document)), "--p12", `${demo}/DEMO01.p12`, "--plain"], io);
  signed = JSON.parse(io.stdoutText()) as typeof signed;
  const sdIo = captureIo({ HOCBA_P12_PASSWORD: "demo" });
  await sign([tmp.write("doc-sd.json", JSON.stringify(document)), "--p12", `${demo}/DEMO01.p12`], sdIo);
  disclosable = JSON.parse(sdIo.stdoutText()) as typeof disclosable;
});
afterAll(() => tmp.dispose());

/** Runs verify-signature --json on `content`; returns the exit code and each check as "name: status CODE". */
async function verify(
  content: unknown,
  trustDir = trust,
): Promise<{ exit: number; checks: string[]; report: OfflineReport }> {
  const path = tmp.write(`signed-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(content));
  const io = captureIo();
  const exit = await verifySignature([path, "--trust", trustDir, "--json"], io);
  const report = JSON.parse(io.stdoutText()) as OfflineReport;
  return {
    exit,
    checks: report.checks.map(
      (check) => `${check.name}: ${check.status}${check.code ? ` ${check.code}` : ""}`,
    ),
    report,
  };
}

/**
 * Every check valid except those given; the certificate status skipped (the demo signatures carry
 * no status evidence); authorization and roles always skipped offline.
 */
function expected(failures: Record<string, string> = {}): string[] {
  return [
    "document",
    "structure",
    "digest",
    "signature",
    "timestamp",
    "chain",
    "validity",
    "certStatus",
    "keyUsage",
  ]
    .map(
      (name) =>
        `${name}: ${failures[name] ?? (name === "timestamp" || name === "certStatus" ? "skipped" : "valid")}`,
    )
    .concat(["authorization: skipped", "roles: skipped"]);
}

describe("hocba verify-signature", () => {
  it("passes a document signed with the demo school's .p12 and prints every check", async () => {
    const path = tmp.write("good.json", JSON.stringify(signed));
    const io = captureIo();
    expect(await verifySignature([path, "--trust", trust], io)).toBe(0);
    const lines = io.stdoutText().split("\n");
    expect(lines.map((line) => line.split(/\s+/).slice(0, 2).join(" ")).slice(0, 11)).toEqual([
      "document VALID",
      "structure VALID",
      "digest VALID",
      "signature VALID",
      "timestamp SKIPPED",
      "chain VALID",
      "validity VALID",
      "certStatus SKIPPED",
      "keyUsage VALID",
      "authorization SKIPPED",
      "roles SKIPPED",
    ]);
    expect(lines.slice(11)).toEqual([
      `docHash ${docHash(document)}`,
      "signer  C=VN, L=Hà Nội, O=Trường THCS Demo, OU=DEMO01, title=Hiệu trưởng, CN=Trần Thị Minh Hạnh",
      expect.stringMatching(new RegExp(`^        fingerprint ${fingerprint}, signed \\d{4}-`)),
      "result: VALID (authorization not checked offline)",
      "",
    ]);
  });

  it("reports as JSON with the docHash and the signer", async () => {
    const { exit, checks, report } = await verify(signed);
    expect({
      exit,
      checks,
      ok: report.ok,
      docHash: report.docHash,
      signers: report.signers.map((s) => s.fingerprint),
    }).toEqual({
      exit: 0,
      checks: expected(),
      ok: true,
      docHash: docHash(document),
      signers: [fingerprint],
    });
  });

  it("fails the digest check when a field of the document was changed after signing", async () => {
    const tampered = {
      ...signed,
      document: withValue(signed.document, "/years/0/daysAbsent", document.years[0]!.daysAbsent + 1),
    };
    const result = await verify(tampered);
    expect({ exit: result.exit, checks: result.checks }).toEqual({
      exit: 1,
      checks: expected({ digest: "invalid DIGEST_MISMATCH" }),
    });
  });

  it("fails the document check, and the digest, when the tampered document also breaks the rules", async () => {
    const tampered = { ...signed, document: withValue(signed.document, "/student/citizenId", "12") };
    const result = await verify(tampered);
    expect({
      exit: result.exit,
      checks: result.checks,
      paths: result.report.problems?.map((p) => p.path),
    }).toEqual({
      exit: 1,
      checks: expected({ document: "invalid SCHEMA_INVALID", digest: "invalid DIGEST_MISMATCH" }),
      paths: ["/student/citizenId"],
    });
  });

  it("passes a transcript signed in the selectively disclosable form, and says which parts a copy withholds", async () => {
    const whole = await verify(disclosable);
    const shared = await verify({ ...disclosable, disclosures: disclosable.disclosures.slice(2) });
    expect(
      [whole, shared].map(({ exit, checks, report }) => ({
        exit,
        checks,
        document: report.checks[0]?.message,
        docHash: report.docHash,
      })),
    ).toEqual([
      {
        exit: 0,
        checks: expected(),
        document: "a valid hocba.transcript/v1 document",
        docHash: docHash(disclosable.document),
      },
      {
        exit: 0,
        checks: expected(),
        document: "a valid hocba.transcript/v1 document; withheld: /student/citizenId, /student/ethnicity",
        docHash: docHash(disclosable.document),
      },
    ]);
  });

  it("fails the document check for a disclosure the signer did not sign, the digest staying valid", async () => {
    const [salt] = JSON.parse(Buffer.from(disclosable.disclosures[0]!, "base64url").toString()) as string[];
    const forged = Buffer.from(JSON.stringify([salt, "citizenId", "001099000001"])).toString("base64url");
    const result = await verify({
      ...disclosable,
      disclosures: [forged, ...disclosable.disclosures.slice(1)],
    });
    expect({ exit: result.exit, checks: result.checks, message: result.report.checks[0]?.message }).toEqual({
      exit: 1,
      checks: expected({ document: "invalid DISCLOSURE_INVALID" }),
      message:
        "disclosure 1 is not one the signer signed: it matches no digest the issuer signed (changed or foreign)",
    });
  });

  it("fails the chain check against roots that did not issue the signer", async () => {
    const other = tmp.path("other");
    await ensureDemoPki(other);
    const result = await verify(signed, `${other}/trust`);
    expect({ exit: result.exit, checks: result.checks }).toEqual({
      exit: 1,
      checks: expected({ chain: "invalid CERT_UNTRUSTED" }),
    });
  });

  it("fails the structure check for a signature that is not CMS, or not base64", async () => {
    for (const signature of [
      Buffer.from("hello, this is not CMS").toString("base64"),
      "%%% not base64 %%%",
    ]) {
      const result = await verify({ ...signed, signature });
      expect({ exit: result.exit, checks: result.checks }).toEqual({
        exit: 1,
        checks: [
          "document: valid",
          "structure: invalid SIGNATURE_MALFORMED",
          ...[
            "digest",
            "signature",
            "timestamp",
            "chain",
            "validity",
            "certStatus",
            "keyUsage",
            "authorization",
            "roles",
          ].map((name) => `${name}: skipped`),
        ],
      });
    }
  });

  it("fails the structure check for a truncated signature", async () => {
    const cms = Buffer.from(signed.signature, "base64");
    const result = await verify({
      ...signed,
      signature: cms.subarray(0, cms.length - 30).toString("base64"),
    });
    expect(result.checks.slice(0, 2)).toEqual(["document: valid", "structure: invalid SIGNATURE_MALFORMED"]);
    expect(result.exit).toBe(1);
  });

  it("refuses an empty trust folder, a missing one, and a missing --trust", async () => {
    const path = tmp.write("any.json", JSON.stringify(signed));
    mkdirSync(tmp.path("empty"));
    expect(await commandError(verifySignature([path, "--trust", tmp.path("empty")], captureIo()))).toEqual({
      code: "CONFIG_INVALID",
      message: `the trust anchors folder ${tmp.path("empty")} holds no .pem/.crt/.cer/.der file`,
    });
    expect((await commandError(verifySignature([path, "--trust", tmp.path("none")], captureIo()))).code).toBe(
      "IO",
    );
    const usage = await commandError(verifySignature([path], captureIo()));
    expect({ code: usage.code, problem: usage.message.split("\n")[0] }).toEqual({
      code: "USAGE",
      problem: "--trust <dir of PEM roots> is required",
    });
  });

  it("refuses a missing file, malformed JSON, and JSON that is not a signed document", async () => {
    expect(
      await commandError(verifySignature([tmp.path("nope.json"), "--trust", trust], captureIo())),
    ).toEqual({
      code: "IO",
      message: `cannot read signed document ${tmp.path("nope.json")}: no such file`,
    });
    const broken = tmp.write("broken.json", "{ not json");
    expect((await commandError(verifySignature([broken, "--trust", trust], captureIo()))).code).toBe(
      "JSON_MALFORMED",
    );
    const bare = tmp.write("bare.json", JSON.stringify(document));
    expect(await commandError(verifySignature([bare, "--trust", trust], captureIo()))).toEqual({
      code: "SCHEMA_INVALID",
      message: `${bare} is not a signed document: expected {"document": {…}, "signature": "<base64>"}`,
    });
  });
});
