import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { httpTimestampTransport } from "../../../service/src/adapters/pki/tsa-http";
import { parseDetachedSignedData } from "../../../service/src/core/pki/cms";
import {
  createTrustStore,
  requestTimestamp,
  signDetached,
  verifyDetached,
  type AuthorizationLookup,
  type SignerInput,
  type SignOptions,
  type VerifyContext,
} from "../../../service/src/core/pki";
import { openssl, tempDir } from "../../helpers/files";
import {
  expectedOutcome,
  flipByte,
  fingerprintOf,
  indexOfBytes,
  issue,
  makeSchoolPki,
  outcomeOf,
  rebuildSignedData,
  registryOf,
  SCHOOL_CODE,
  signerOf,
  type SchoolPki,
} from "../../helpers/pki";
import { startTsa, type TestTsa } from "../../helpers/tsa";

const TSA_SUBJECT = "CN=Dịch vụ cấp dấu thời gian thử nghiệm, O=hocba tests, C=VN";
const content = new TextEncoder().encode('{"a":"học bạ"}');
const HOUR = 3_600_000;
const files = tempDir("timestamp");
let pki: SchoolPki;
let tsa: TestTsa;
let tsaStore: ReturnType<typeof createTrustStore>;

beforeAll(async () => {
  [pki, tsa] = await Promise.all([makeSchoolPki("P-256"), startTsa()]);
  tsaStore = createTrustStore([tsa.rootPem]);
});
afterAll(async () => {
  await tsa.close();
  files.dispose();
});

const timestamped: SignOptions["timestamp"] = (value) =>
  requestTimestamp(value, httpTimestampTransport(tsa.url));

function sign(signers: SignerInput[], options: SignOptions = {}): Promise<Uint8Array> {
  return signDetached(content, signers, { timestamp: timestamped, ...options });
}

function context(extra: Partial<VerifyContext> = {}): VerifyContext {
  return { trustAnchors: pki.store, crypto: nodeCrypto, timestamps: { trustAnchors: tsaStore }, ...extra };
}

/** A principal certificate of the school's CA valid from 2020 until `notAfter`. */
function principalUntil(notAfter: Date) {
  return issue({
    subject: "CN=Nguyễn Văn Hùng, T=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN",
    issuer: pki.intermediate,
    keyAlgorithm: "P-256",
    notAfter,
  });
}

describe("signature timestamps (RFC 3161, CAdES-T)", () => {
  it("adds a token from the TSA to every signer and reports its time and TSA per signer", async () => {
    const before = Date.now() - 2000;
    const asked = tsa.requests;
    const cms = await sign([
      signerOf(pki.principal, pki.intermediate),
      signerOf(pki.homeroom, pki.intermediate),
    ]);
    const after = Date.now() + 2000;
    const report = await verifyDetached(content, cms, context());
    expect(outcomeOf(report)).toEqual(expectedOutcome({ timestamp: "valid" }, ["authorization", "roles"]));
    expect(tsa.requests - asked).toBe(2);
    expect(parseDetachedSignedData(cms).signers.map((signer) => signer.timestampTokens.length)).toEqual([
      1, 1,
    ]);
    const stamps = report.signers.map((signer) => signer.timestamp);
    expect(stamps).toEqual([
      { time: expect.any(String) as unknown, tsa: TSA_SUBJECT },
      { time: expect.any(String) as unknown, tsa: TSA_SUBJECT },
    ]);
    for (const stamp of stamps) {
      const time = Date.parse(stamp!.time);
      expect(time >= before && time <= after).toBe(true);
    }
    expect(report.checks.find((check) => check.name === "validity")?.message).toMatch(/\(timestamp\)/);
  });

  it("makes tokens that openssl ts -verify accepts over each signer's signature value", async () => {
    const cms = await sign([
      signerOf(pki.principal, pki.intermediate),
      signerOf(pki.homeroom, pki.intermediate),
    ]);
    const root = files.write("tsa-root.pem", tsa.rootPem);
    const verdicts = parseDetachedSignedData(cms).signers.map((signer, index) => {
      const data = files.write(`signature-${index}.bin`, signer.signature);
      const token = files.write(`token-${index}.der`, signer.timestampTokens[0]!);
      return openssl("ts", "-verify", "-data", data, "-in", token, "-token_in", "-CAfile", root).trim();
    });
    expect(verdicts).toEqual(["Verification: OK", "Verification: OK"]);
  });

  it("judges validity at the timestamp's time: a certificate that expired before the claimed signing-time but after the timestamp is valid", async () => {
    const principal = await principalUntil(new Date(Date.now() + HOUR));
    // The signer claims a signing-time after the expiry; the TSA says the signature existed now.
    const cms = await sign([signerOf(principal, pki.intermediate)], {
      signingTime: new Date(Date.now() + 2 * HOUR),
    });
    const at = new Date(Date.now() + 24 * HOUR);
    expect(outcomeOf(await verifyDetached(content, cms, context({ at })))).toEqual(
      expectedOutcome({ timestamp: "valid" }, ["authorization", "roles"]),
    );
    // Without trusted TSAs the claim is all there is, and it lies after the expiry.
    expect(outcomeOf(await verifyDetached(content, cms, context({ at, timestamps: undefined })))).toEqual(
      expectedOutcome({ validity: "invalid CERT_EXPIRED" }, ["authorization", "roles"]),
    );
  });

  it("judges validity at the timestamp's time: a signing-time inside the validity does not save a signature timestamped after the expiry", async () => {
    const principal = await principalUntil(new Date(Date.now() - 24 * HOUR));
    const cms = await sign([signerOf(principal, pki.intermediate)], {
      signingTime: new Date(Date.now() - 48 * HOUR),
    });
    const report = await verifyDetached(content, cms, context());
    expect(outcomeOf(report)).toEqual(
      expectedOutcome({ timestamp: "valid", validity: "invalid CERT_EXPIRED" }, ["authorization", "roles"]),
    );
    expect(report.checks.find((check) => check.name === "validity")?.message).toMatch(/, timestamped 20/);
    expect(outcomeOf(await verifyDetached(content, cms, context({ timestamps: undefined })))).toEqual(
      expectedOutcome({}, ["authorization", "roles"]),
    );
  });

  it("asks the issuer registry about the signer at the timestamp's time, not at the claimed signing-time", async () => {
    const times: Date[] = [];
    const registry = registryOf({ [fingerprintOf(pki.principal)]: "principal" });
    const lookup: AuthorizationLookup = (code, fingerprint, at) => {
      times.push(at);
      return registry(code, fingerprint, at);
    };
    const claimed = new Date("2024-06-01T08:00:00Z");
    const cms = await sign([signerOf(pki.principal, pki.intermediate)], { signingTime: claimed });
    const report = await verifyDetached(
      content,
      cms,
      context({ authorization: { issuerCode: SCHOOL_CODE, lookup } }),
    );
    expect(outcomeOf(report)).toEqual(expectedOutcome({ timestamp: "valid" }));
    expect(times).toEqual([new Date(report.signers[0]!.timestamp!.time)]);
    expect(report.signers[0]!.signingTime).toBe(claimed.toISOString());
  });

  it("rejects a token whose signature was tampered with: TIMESTAMP_INVALID", async () => {
    const cms = await sign([signerOf(pki.principal, pki.intermediate)]);
    const token = parseDetachedSignedData(cms).signers[0]!.timestampTokens[0]!;
    // The token ends with the TSA's ECDSA signature: flip its last byte inside the credential's CMS.
    const tampered = flipByte(cms, indexOfBytes(cms, token) + token.length - 1);
    const report = await verifyDetached(content, tampered, context());
    expect(outcomeOf(report)).toEqual(
      expectedOutcome({ timestamp: "invalid TIMESTAMP_INVALID" }, ["authorization", "roles"]),
    );
    expect(report.checks.find((check) => check.name === "timestamp")?.message).toMatch(
      /the signature timestamp's signature is invalid/,
    );
  });

  it("rejects a token that timestamps another signature (moved from another signer): TIMESTAMP_INVALID", async () => {
    const cms = await sign([
      signerOf(pki.principal, pki.intermediate),
      signerOf(pki.homeroom, pki.intermediate),
    ]);
    const swapped = rebuildSignedData(cms, (signedData) => {
      const [first, second] = signedData.signerInfos;
      [first!.unsignedAttrs, second!.unsignedAttrs] = [second!.unsignedAttrs, first!.unsignedAttrs];
    });
    for (const timestamps of [{ trustAnchors: tsaStore }, {}]) {
      const report = await verifyDetached(content, swapped, context({ timestamps }));
      expect(outcomeOf(report)).toEqual(
        expectedOutcome({ timestamp: "invalid TIMESTAMP_INVALID" }, ["authorization", "roles"]),
      );
      expect(report.checks.find((check) => check.name === "timestamp")?.message).toMatch(
        /message imprint mismatch/,
      );
    }
  });

  it("rejects a token from a TSA that does not chain to a trusted TSA root: TIMESTAMP_UNTRUSTED", async () => {
    const cms = await sign([signerOf(pki.principal, pki.intermediate)]);
    const report = await verifyDetached(content, cms, context({ timestamps: { trustAnchors: pki.store } }));
    expect(outcomeOf(report)).toEqual(
      expectedOutcome({ timestamp: "invalid TIMESTAMP_UNTRUSTED" }, ["authorization", "roles"]),
    );
    expect(report.signers[0]!.timestamp).toBeUndefined();
  });

  it("checks a token but does not use its time when no TSA is trusted, and then judges by the signing-time", async () => {
    const cms = await sign([signerOf(pki.principal, pki.intermediate)]);
    const report = await verifyDetached(content, cms, context({ timestamps: {} }));
    expect(outcomeOf(report)).toEqual(expectedOutcome({}, ["authorization", "roles"]));
    expect([
      report.checks.find((check) => check.name === "timestamp")?.message,
      report.signers[0]!.timestamp,
    ]).toEqual([
      expect.stringMatching(/not used: no TSA trust anchors are configured \(TSA_TRUST_DIR\)$/) as unknown,
      undefined,
    ]);
  });

  it("skips the check for a signer without a token, and fails it with TIMESTAMP_MISSING when one is required", async () => {
    const cms = await signDetached(content, [signerOf(pki.principal, pki.intermediate)]);
    expect(outcomeOf(await verifyDetached(content, cms, context()))).toEqual(
      expectedOutcome({}, ["authorization", "roles"]),
    );
    expect(
      outcomeOf(
        await verifyDetached(
          content,
          cms,
          context({ timestamps: { trustAnchors: tsaStore, required: true } }),
        ),
      ),
    ).toEqual(expectedOutcome({ timestamp: "invalid TIMESTAMP_MISSING" }, ["authorization", "roles"]));
  });

  it("requires a timestamp of every signer: one co-signer without a token fails TIMESTAMP_MISSING", async () => {
    const cms = await sign([
      signerOf(pki.principal, pki.intermediate),
      signerOf(pki.homeroom, pki.intermediate),
    ]);
    const partly = rebuildSignedData(cms, (signedData) => {
      signedData.signerInfos[1]!.unsignedAttrs = undefined;
    });
    const report = await verifyDetached(
      content,
      partly,
      context({ timestamps: { trustAnchors: tsaStore, required: true } }),
    );
    expect(outcomeOf(report)).toEqual(
      expectedOutcome({ timestamp: "invalid TIMESTAMP_MISSING" }, ["authorization", "roles"]),
    );
    expect(report.signers.map((signer) => signer.timestamp?.tsa)).toEqual([TSA_SUBJECT, undefined]);
  });

  it("refuses a token whose time is after the verification time", async () => {
    const cms = await sign([signerOf(pki.principal, pki.intermediate)], {
      signingTime: new Date(Date.now() - 48 * HOUR),
    });
    const report = await verifyDetached(content, cms, context({ at: new Date(Date.now() - 24 * HOUR) }));
    expect(outcomeOf(report)).toEqual(
      expectedOutcome({ timestamp: "invalid TIMESTAMP_INVALID" }, ["authorization", "roles"]),
    );
  });
});

describe("asking a TSA (hocba sign --tsa)", () => {
  it("refuses a TSA that cannot be reached, answers HTTP 500, garbage, a rejection or a replayed answer, each with its code", async () => {
    const ask = () => requestTimestamp(new Uint8Array([1, 2, 3]), httpTimestampTransport(tsa.url));
    const failure = async (mode: TestTsa["mode"]): Promise<string> => {
      tsa.mode = mode;
      try {
        await ask();
        return "no error";
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      } finally {
        tsa.mode = "ok";
      }
    };
    await ask(); // an answer to replay
    expect([
      await failure("http-500"),
      await failure("garbage"),
      await failure("rejected"),
      await failure("replay"),
    ]).toEqual([
      `TSA_UNAVAILABLE: the TSA ${tsa.url} answered HTTP 500 Internal Server Error`,
      "TSA_RESPONSE_INVALID: the TSA's answer is not an RFC 3161 TimeStampResp",
      expect.stringMatching(
        /^TSA_REJECTED: the TSA refused the timestamp request \(PKIStatus 2: .+\)$/,
      ) as unknown,
      "TSA_RESPONSE_INVALID: the TSA's answer does not carry the request's nonce (a replayed or foreign answer)",
    ]);
  });
});
