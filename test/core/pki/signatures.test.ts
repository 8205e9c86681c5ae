/**
 * CMS detached signatures, end to end through the public API: what a school signs verifies with
 * every check reported, and every bad input is rejected with its exact code.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../service/src/adapters/pki/certificates";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { canonicalBytes, docHash } from "../../../service/src/core/documents/hash";
import { HocbaError } from "../../../service/src/core/errors";
import {
  assertSignatureValid,
  createTrustStore,
  OID,
  SIGNATURE_CHECKS,
  signDetached,
  verifyDetached,
  webCrypto,
  type VerifyContext,
} from "../../../service/src/core/pki";
import { makeTranscript, withValue } from "../../helpers/fixtures";
import {
  expectedOutcome,
  fingerprintOf,
  flipByte,
  issue,
  indexOfBytes,
  makeSchoolPki,
  outcomeOf,
  rebuildSignedData,
  registryOf,
  SCHOOL_CODE,
  signerOf,
  signWithAttributes,
  type AttributeName,
  type SchoolPki,
} from "../../helpers/pki";

const document = makeTranscript({ seed: 7, grades: [9] });
const content = canonicalBytes(document);
const signingTime = new Date("2026-06-05T01:00:00Z");
const at = new Date("2026-06-06T00:00:00Z");

let pki: SchoolPki;
let context: VerifyContext;

beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
  context = {
    trustAnchors: pki.store,
    at,
    authorization: {
      issuerCode: SCHOOL_CODE,
      lookup: registryOf({
        [fingerprintOf(pki.principal)]: "principal",
        [fingerprintOf(pki.homeroom)]: "homeroom",
      }),
    },
  };
});

function signByPrincipal(bytes: Uint8Array = content): Promise<Uint8Array> {
  return signDetached(bytes, [signerOf(pki.principal, pki.intermediate)], { signingTime });
}

function readSignature(cms: Uint8Array): ArrayBuffer {
  const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms.slice()).content });
  return signedData.signerInfos[0]!.signature.valueBlock.valueHexView.slice().buffer;
}

async function expectRejected(
  cms: Uint8Array,
  code: string,
  bytes: Uint8Array = content,
  ctx: VerifyContext = context,
): Promise<void> {
  await expect(assertSignatureValid(bytes, cms, ctx)).rejects.toMatchObject({ name: "HocbaError", code });
}

describe.each(["P-256", "RSA-2048"] as const)("a %s signature", (keyAlgorithm) => {
  let own: SchoolPki;
  beforeAll(async () => {
    own = await makeSchoolPki(keyAlgorithm);
  });

  it("verifies with every check valid, on WebCrypto and on node:crypto alike", async () => {
    const cms = await signDetached(content, [signerOf(own.principal, own.intermediate)], { signingTime });
    const ctx: VerifyContext = {
      trustAnchors: own.store,
      at,
      authorization: {
        issuerCode: SCHOOL_CODE,
        lookup: registryOf({ [fingerprintOf(own.principal)]: undefined }),
      },
    };
    const kind = keyAlgorithm === "P-256" ? "ECDSA P-256" : "RSA-2048";
    const subject = "CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN";
    const expected = {
      ok: true,
      checks: [
        { name: "structure", status: "valid", message: "CMS SignedData, detached, 1 signer(s)" },
        {
          name: "digest",
          status: "valid",
          message: `message digest ${docHash(document)} matches the document`,
        },
        { name: "signature", status: "valid", message: `${kind} signature by "${subject}" verifies` },
        { name: "timestamp", status: "skipped", message: "no signature timestamp" },
        {
          name: "chain",
          status: "valid",
          message: `chains to trust anchor "CN=Demo Root CA, O=Bộ GDĐT, C=VN"`,
        },
        {
          name: "validity",
          status: "valid",
          message: "all 3 certificate(s) valid at 2026-06-05T01:00:00.000Z",
        },
        { name: "certStatus", status: "skipped", message: "no certificate status evidence in the signature" },
        { name: "keyUsage", status: "valid", message: "the certificate may sign documents" },
        { name: "authorization", status: "valid", message: `authorized for ${SCHOOL_CODE} as principal` },
        { name: "roles", status: "valid", message: "required roles present: principal" },
      ],
      signers: [
        {
          fingerprint: fingerprintOf(own.principal),
          subject,
          issuer: "CN=Demo School CA, O=Sở GDĐT TP.HCM, C=VN",
          serialNumber: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
          signingTime: "2026-06-05T01:00:00.000Z",
          messageDigest: docHash(document),
          chain: [fingerprintOf(own.principal), fingerprintOf(own.intermediate), fingerprintOf(own.root)],
          authorized: true,
          role: "principal",
        },
      ],
    };
    expect(await verifyDetached(content, cms, ctx)).toEqual(expected);
    expect(await verifyDetached(content, cms, { ...ctx, crypto: nodeCrypto })).toEqual(expected);
    expect(await verifyDetached(content, cms, { ...ctx, crypto: webCrypto })).toEqual(expected);
  });

  it("rejects a corrupted signature value with SIGNATURE_INVALID on both crypto implementations", async () => {
    const cms = flipByte(
      await signDetached(content, [signerOf(own.principal, own.intermediate)], { signingTime }),
      -1,
    );
    for (const crypto of [webCrypto, nodeCrypto]) {
      const report = await verifyDetached(content, cms, { trustAnchors: own.store, at, crypto });
      expect(outcomeOf(report)).toEqual(
        expectedOutcome({ signature: "invalid SIGNATURE_INVALID" }, ["authorization", "roles"]),
      );
    }
  });
});

describe("a signer certificate whose public key is corrupt", () => {
  it("fails the signature check with SIGNATURE_INVALID, never an error, on both crypto implementations", async () => {
    const cms = await signByPrincipal();
    // The EC point is the last 65 bytes of the SubjectPublicKeyInfo: change Y so that it is no point of P-256.
    const spki = new Uint8Array(
      new x509.X509Certificate(pki.principal.certificate.slice()).publicKey.rawData,
    );
    const point = spki.subarray(spki.length - 65);
    const offset = indexOfBytes(cms, point);
    const corrupt = flipByte(cms, offset + 64);
    for (const crypto of [webCrypto, nodeCrypto]) {
      const report = await verifyDetached(content, corrupt, { trustAnchors: pki.store, at, crypto });
      expect([outcomeOf(report), report.checks.find((c) => c.name === "signature")?.message]).toEqual([
        expectedOutcome({ signature: "invalid SIGNATURE_INVALID", chain: "invalid CERT_CHAIN_INVALID" }, [
          "authorization",
          "roles",
        ]),
        'the public key of "CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN" is corrupt (it cannot be imported)',
      ]);
    }
  });
});

describe("the document and the signature", () => {
  it("rejects a tampered field with DIGEST_MISMATCH", async () => {
    const cms = await signByPrincipal();
    const tampered = withValue(document, "/student/fullName", "Nguyễn Thị Ánh Hồng");
    await expectRejected(cms, "DIGEST_MISMATCH", canonicalBytes(tampered));
    expect(outcomeOf(await verifyDetached(canonicalBytes(tampered), cms, context))).toEqual(
      expectedOutcome({ digest: "invalid DIGEST_MISMATCH" }),
    );
  });

  it("rejects a signature made over other bytes with DIGEST_MISMATCH", async () => {
    const cms = await signByPrincipal(canonicalBytes(makeTranscript({ seed: 8, grades: [9] })));
    await expectRejected(cms, "DIGEST_MISMATCH");
  });

  it("rejects a signature value taken from another signer's SignerInfo with SIGNATURE_INVALID", async () => {
    const theirs = await signDetached(content, [signerOf(pki.homeroom, pki.intermediate)], { signingTime });
    const theirSignature = readSignature(theirs);
    const swapped = rebuildSignedData(await signByPrincipal(), (signedData) => {
      signedData.signerInfos[0]!.signature = new asn1js.OctetString({ valueHex: theirSignature });
    });
    expect(outcomeOf(await verifyDetached(content, swapped, context))).toEqual(
      expectedOutcome({ signature: "invalid SIGNATURE_INVALID" }),
    );
    await expectRejected(swapped, "SIGNATURE_INVALID");
  });

  it("rejects a changed signed attribute (signing time) with SIGNATURE_INVALID", async () => {
    const cms = await signByPrincipal();
    const time = new TextEncoder().encode("260605010000Z");
    const index = indexOfBytes(cms, time);
    expect(index).toBeGreaterThan(0);
    const changed = cms.slice();
    changed[index + 5] = "4".charCodeAt(0); // 2026-06-04 instead of 2026-06-05
    await expectRejected(changed, "SIGNATURE_INVALID");
  });

  it("rejects a signing time later than the verification time with SIGNATURE_INVALID", async () => {
    const cms = await signDetached(content, [signerOf(pki.principal, pki.intermediate)], {
      signingTime: new Date("2026-06-07T00:00:00Z"),
    });
    expect(outcomeOf(await verifyDetached(content, cms, context))).toEqual(
      expectedOutcome({ validity: "invalid SIGNATURE_INVALID" }),
    );
  });

  it.each([
    ["empty bytes", new Uint8Array()],
    ["non-CMS bytes (the document itself)", content],
    ["random bytes", Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) % 256)],
  ])("rejects %s with SIGNATURE_MALFORMED", async (_label, bytes) => {
    await expectRejected(bytes, "SIGNATURE_MALFORMED");
    expect(outcomeOf(await verifyDetached(content, bytes, context))).toEqual({
      ok: false,
      checks: [
        "structure: invalid SIGNATURE_MALFORMED",
        ...SIGNATURE_CHECKS.slice(1).map((name) => `${name}: skipped`),
      ],
    });
  });

  it("rejects a truncated CMS with SIGNATURE_MALFORMED at every cut", async () => {
    const cms = await signByPrincipal();
    for (const length of [1, 2, 10, cms.length >> 1, cms.length - 1]) {
      await expectRejected(cms.subarray(0, length), "SIGNATURE_MALFORMED");
    }
  });

  it("rejects a CMS with trailing bytes with SIGNATURE_MALFORMED", async () => {
    const cms = await signByPrincipal();
    await expectRejected(Uint8Array.from([...cms, 0]), "SIGNATURE_MALFORMED");
  });

  const missingAttributes: [AttributeName[], string][] = [
    [[], "no signed attributes"],
    [["contentType", "messageDigest"], "no signing-time"],
    [["contentType", "signingTime"], "no message-digest"],
    [["messageDigest", "signingTime"], "no content-type"],
  ];
  it.each(missingAttributes)(
    "rejects a signer with signed attributes %j (%s) with SIGNATURE_MALFORMED",
    async (attributes) => {
      const cms = await signWithAttributes(content, pki.principal, attributes, signingTime);
      await expectRejected(cms, "SIGNATURE_MALFORMED");
    },
  );

  it("accepts a CMS built by the test builder with all three attributes (the builder is sound)", async () => {
    const cms = await signWithAttributes(
      content,
      pki.principal,
      ["contentType", "messageDigest", "signingTime"],
      signingTime,
    );
    // The builder includes no intermediate: the chain cannot reach the root, nothing else fails.
    expect(outcomeOf(await verifyDetached(content, cms, context))).toEqual(
      expectedOutcome({ chain: "invalid CERT_UNTRUSTED" }),
    );
  });

  it("rejects a signature that carries the content (not detached) with SIGNATURE_MALFORMED", async () => {
    const attached = rebuildSignedData(await signByPrincipal(), (signedData) => {
      signedData.encapContentInfo = new pkijs.EncapsulatedContentInfo({
        eContentType: OID.data,
        eContent: new asn1js.OctetString({ valueHex: content.slice().buffer }),
      });
    });
    await expectRejected(attached, "SIGNATURE_MALFORMED");
  });

  it("rejects a CMS that is not SignedData with SIGNATURE_MALFORMED", async () => {
    const data = new pkijs.ContentInfo({
      contentType: OID.data,
      content: new asn1js.OctetString({ valueHex: content.slice().buffer }),
    });
    await expectRejected(new Uint8Array(data.toSchema().toBER(false)), "SIGNATURE_MALFORMED");
  });

  it("rejects a signature stuffed with 33 certificates with SIGNATURE_MALFORMED", async () => {
    const stuffed = rebuildSignedData(await signByPrincipal(), (signedData) => {
      const intermediate = signedData.certificates![1]!;
      signedData.certificates = [
        signedData.certificates![0]!,
        ...Array.from({ length: 32 }, () => intermediate),
      ];
    });
    await expectRejected(stuffed, "SIGNATURE_MALFORMED");
    expect((await verifyDetached(content, stuffed, context)).checks[0]?.message).toBe(
      "the signature carries 33 certificates (at most 32)",
    );
  });

  it("rejects a signature whose signer certificate is not included with SIGNATURE_MALFORMED", async () => {
    const withoutSigner = rebuildSignedData(await signByPrincipal(), (signedData) => {
      signedData.certificates = signedData.certificates!.slice(1); // keep the intermediate only
    });
    const report = await verifyDetached(content, withoutSigner, context);
    expect(report.checks[0]).toEqual({
      name: "structure",
      status: "invalid",
      code: "SIGNATURE_MALFORMED",
      message: "signer 1: its certificate is not included in the signature",
    });
    await expectRejected(withoutSigner, "SIGNATURE_MALFORMED");
  });
});

describe("the certificate chain", () => {
  async function chainOutcome(
    signer: IssuedCertificate,
    chain: IssuedCertificate[],
    store = pki.store,
    time = signingTime,
  ) {
    const cms = await signDetached(content, [signerOf(signer, ...chain)], { signingTime: time });
    const ctx = { ...context, trustAnchors: store, authorization: undefined };
    return {
      outcome: outcomeOf(await verifyDetached(content, cms, ctx)),
      assertion: () => assertSignatureValid(content, cms, ctx),
    };
  }

  /** Signs with `signer` (+ `chain`) and expects exactly one failing check with `code`. */
  async function expectChainRejected(
    signer: IssuedCertificate,
    chain: IssuedCertificate[],
    failure: { chain?: string; validity?: string },
    store = pki.store,
  ): Promise<void> {
    const { outcome, assertion } = await chainOutcome(signer, chain, store);
    expect(outcome).toEqual(expectedOutcome(failure, ["authorization", "roles"]));
    const code = Object.values(failure)[0]!.split(" ")[1];
    await expect(assertion()).rejects.toMatchObject({ code });
  }

  it("rejects a signer whose root is not a trust anchor with CERT_UNTRUSTED", async () => {
    const other = await makeSchoolPki("P-256");
    await expectChainRejected(other.principal, [other.intermediate, other.root], {
      chain: "invalid CERT_UNTRUSTED",
    });
  });

  it("does not carry a chain verdict from one trust store to another", async () => {
    const cms = await signByPrincipal();
    const stranger = await issue({ subject: "CN=Other Root, C=VN", ca: true });
    expect((await verifyDetached(content, cms, context)).ok).toBe(true);
    await expectRejected(cms, "CERT_UNTRUSTED", content, {
      ...context,
      trustAnchors: createTrustStore([stranger.certificatePem]),
    });
  });

  it("rejects an intermediate whose signature is broken with CERT_CHAIN_INVALID", async () => {
    const broken = { ...pki.intermediate, certificate: flipByte(pki.intermediate.certificate, -1) };
    await expectChainRejected(pki.principal, [broken], { chain: "invalid CERT_CHAIN_INVALID" });
  });

  it("rejects a path longer than a CA's path-length limit with CERT_PATH_LENGTH", async () => {
    const sub = await issue({
      subject: "CN=Sub CA under a pathLength 0 CA, C=VN",
      ca: true,
      issuer: pki.intermediate,
    });
    const signer = await issue({ subject: "CN=Signer under Sub CA, C=VN", issuer: sub });
    await expectChainRejected(signer, [sub, pki.intermediate], { chain: "invalid CERT_PATH_LENGTH" });
  });

  it("rejects a path that breaks the root's path-length limit with CERT_PATH_LENGTH", async () => {
    const root = await issue({ subject: "CN=Root pathLength 0, C=VN", ca: { pathLength: 0 } });
    const ca = await issue({ subject: "CN=Intermediate, C=VN", ca: true, issuer: root });
    const signer = await issue({ subject: "CN=Signer, C=VN", issuer: ca });
    await expectChainRejected(
      signer,
      [ca],
      { chain: "invalid CERT_PATH_LENGTH" },
      createTrustStore([root.certificate]),
    );
  });

  it("accepts a path that uses exactly the allowed path length", async () => {
    const root = await issue({ subject: "CN=Root pathLength 1, C=VN", ca: { pathLength: 1 } });
    const ca = await issue({ subject: "CN=Intermediate, C=VN", ca: { pathLength: 0 }, issuer: root });
    const signer = await issue({ subject: "CN=Signer, C=VN", issuer: ca });
    const { outcome } = await chainOutcome(signer, [ca], createTrustStore([root.certificate]));
    expect(outcome).toEqual(expectedOutcome({}, ["authorization", "roles"]));
  });

  it("rejects a signer certificate issued by a non-CA certificate with CERT_ISSUER_NOT_CA", async () => {
    const signer = await issue({ subject: "CN=Issued by the principal, C=VN", issuer: pki.principal });
    await expectChainRejected(signer, [pki.principal, pki.intermediate], {
      chain: "invalid CERT_ISSUER_NOT_CA",
    });
  });

  it("rejects an issuer that is a CA but lacks keyCertSign with CERT_ISSUER_NOT_CA", async () => {
    const ca = await issue({
      subject: "CN=CA without keyCertSign, C=VN",
      ca: true,
      keyUsage: ["cRLSign"],
      issuer: pki.root,
    });
    const signer = await issue({ subject: "CN=Signer, C=VN", issuer: ca });
    await expectChainRejected(signer, [ca], { chain: "invalid CERT_ISSUER_NOT_CA" });
  });

  it("rejects a certificate with an unsupported critical extension with CERT_CHAIN_INVALID", async () => {
    // Name constraints marked critical: hocba does not process them, so RFC 5280 says reject.
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]);
    const certificate = await x509.X509CertificateGenerator.create({
      subject: "CN=Critical name constraints, C=VN",
      issuer: new x509.X509Certificate(pki.intermediate.certificate.slice()).subjectName,
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2040-01-01T00:00:00Z"),
      publicKey: keys.publicKey,
      signingKey: pki.intermediate.privateKey,
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      extensions: [new x509.Extension("2.5.29.30", true, new Uint8Array([0x30, 0x00]))],
    });
    const signer = {
      ...pki.principal,
      certificate: new Uint8Array(certificate.rawData),
      privateKey: keys.privateKey,
    };
    await expectChainRejected(signer, [pki.intermediate], { chain: "invalid CERT_CHAIN_INVALID" });
    await expect(
      chainOutcome(signer, [pki.intermediate]).then(({ assertion }) => assertion()),
    ).rejects.toThrow('"CN=Critical name constraints, C=VN" has unsupported critical extension(s) 2.5.29.30');
  });

  it("rejects a certificate expired at signing time with CERT_EXPIRED", async () => {
    const signer = await issue({
      subject: "CN=Expired signer, C=VN",
      issuer: pki.intermediate,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    });
    await expectChainRejected(signer, [pki.intermediate], { validity: "invalid CERT_EXPIRED" });
  });

  it("accepts a certificate that was valid at signing time and has expired since", async () => {
    const signer = await issue({
      subject: "CN=Signer of last year, C=VN",
      issuer: pki.intermediate,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    });
    const { outcome } = await chainOutcome(
      signer,
      [pki.intermediate],
      pki.store,
      new Date("2025-06-05T00:00:00Z"),
    );
    expect(outcome).toEqual(expectedOutcome({}, ["authorization", "roles"]));
  });

  it("rejects a certificate not yet valid at signing time with CERT_NOT_YET_VALID", async () => {
    const signer = await issue({
      subject: "CN=Future signer, C=VN",
      issuer: pki.intermediate,
      notBefore: new Date("2026-06-05T02:00:00Z"),
    });
    await expectChainRejected(signer, [pki.intermediate], { validity: "invalid CERT_NOT_YET_VALID" });
  });

  it("rejects an intermediate expired at signing time with CERT_EXPIRED", async () => {
    const ca = await issue({
      subject: "CN=Expired CA, C=VN",
      ca: true,
      issuer: pki.root,
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    });
    const signer = await issue({
      subject: "CN=Signer, C=VN",
      issuer: ca,
      notBefore: new Date("2025-01-01T00:00:00Z"),
    });
    await expectChainRejected(signer, [ca], { validity: "invalid CERT_EXPIRED" });
  });
});

describe("the signer certificate's usage", () => {
  async function usageOutcome(options: {
    keyUsage?: ("digitalSignature" | "nonRepudiation" | "keyEncipherment")[];
    extendedKeyUsage?: string[];
  }) {
    const signer = await issue({ subject: "CN=Signer, C=VN", issuer: pki.intermediate, ...options });
    const cms = await signDetached(content, [signerOf(signer, pki.intermediate)], { signingTime });
    return outcomeOf(await verifyDetached(content, cms, { ...context, authorization: undefined }));
  }
  const skipped = ["authorization", "roles"];

  it("rejects a certificate without digitalSignature or nonRepudiation with CERT_KEY_USAGE", async () => {
    expect(await usageOutcome({ keyUsage: ["keyEncipherment"] })).toEqual(
      expectedOutcome({ keyUsage: "invalid CERT_KEY_USAGE" }, skipped),
    );
  });

  it.each([[["digitalSignature"]], [["nonRepudiation"]]] as const)(
    "accepts key usage %j",
    async (keyUsage) => {
      expect(await usageOutcome({ keyUsage: [...keyUsage] })).toEqual(expectedOutcome({}, skipped));
    },
  );

  it.each([
    ["serverAuth", "1.3.6.1.5.5.7.3.1"],
    ["clientAuth", "1.3.6.1.5.5.7.3.2"],
    ["codeSigning", "1.3.6.1.5.5.7.3.3"],
    ["timeStamping", "1.3.6.1.5.5.7.3.8"],
  ])("rejects extended key usage %s alone with CERT_EXTENDED_KEY_USAGE", async (_name, oid) => {
    expect(await usageOutcome({ extendedKeyUsage: [oid] })).toEqual(
      expectedOutcome({ keyUsage: "invalid CERT_EXTENDED_KEY_USAGE" }, skipped),
    );
  });

  it.each([
    ["anyExtendedKeyUsage", "2.5.29.37.0"],
    ["emailProtection", "1.3.6.1.5.5.7.3.4"],
    ["documentSigning", "1.3.6.1.5.5.7.3.36"],
    ["Microsoft document signing", "1.3.6.1.4.1.311.10.3.12"],
    ["Adobe authentic documents trust", "1.2.840.113583.1.1.5"],
  ])("accepts extended key usage %s", async (_name, oid) => {
    expect(await usageOutcome({ extendedKeyUsage: ["1.3.6.1.5.5.7.3.2", oid] })).toEqual(
      expectedOutcome({}, skipped),
    );
  });
});

describe("signers and roles", () => {
  it("accepts a principal and a homeroom teacher signing together when both roles are required", async () => {
    const cms = await signDetached(
      content,
      [signerOf(pki.principal, pki.intermediate), signerOf(pki.homeroom, pki.intermediate)],
      { signingTime },
    );
    const report = await assertSignatureValid(content, cms, {
      ...context,
      policy: { requiredRoles: ["principal", "homeroom"] },
    });
    expect(
      report.signers.map(({ fingerprint, role, authorized }) => ({ fingerprint, role, authorized })),
    ).toEqual([
      { fingerprint: fingerprintOf(pki.principal), role: "principal", authorized: true },
      { fingerprint: fingerprintOf(pki.homeroom), role: "homeroom", authorized: true },
    ]);
  });

  it("rejects a missing required role with SIGNER_ROLE_MISSING", async () => {
    const cms = await signByPrincipal();
    const ctx = { ...context, policy: { requiredRoles: ["principal", "homeroom"] } };
    expect(outcomeOf(await verifyDetached(content, cms, ctx))).toEqual(
      expectedOutcome({ roles: "invalid SIGNER_ROLE_MISSING" }),
    );
    await expectRejected(cms, "SIGNER_ROLE_MISSING", content, ctx);
  });

  it("rejects a homeroom teacher signing alone under the default policy with SIGNER_ROLE_MISSING", async () => {
    const cms = await signDetached(content, [signerOf(pki.homeroom, pki.intermediate)], { signingTime });
    await expectRejected(cms, "SIGNER_ROLE_MISSING");
  });

  it("rejects a signer the registry does not know for the school with SIGNER_NOT_AUTHORIZED", async () => {
    const cms = await signByPrincipal();
    const ctx: VerifyContext = {
      ...context,
      authorization: { issuerCode: "01000123", lookup: context.authorization!.lookup },
    };
    expect(outcomeOf(await verifyDetached(content, cms, ctx))).toEqual(
      expectedOutcome({
        authorization: "invalid SIGNER_NOT_AUTHORIZED",
        roles: "invalid SIGNER_ROLE_MISSING",
      }),
    );
    await expectRejected(cms, "SIGNER_NOT_AUTHORIZED", content, ctx);
  });

  it("rejects a co-signer that is not authorized even when the principal is", async () => {
    const stranger = await issue({ subject: "CN=Not registered, C=VN", issuer: pki.intermediate });
    const cms = await signDetached(
      content,
      [signerOf(pki.principal, pki.intermediate), signerOf(stranger, pki.intermediate)],
      { signingTime },
    );
    await expectRejected(cms, "SIGNER_NOT_AUTHORIZED");
  });

  it("reports an unreachable registry as an error, not as invalid", async () => {
    const cms = await signByPrincipal();
    const down = () => Promise.reject(new HocbaError("CHAIN_UNAVAILABLE", "registry unreachable"));
    const ctx: VerifyContext = { ...context, authorization: { issuerCode: SCHOOL_CODE, lookup: down } };
    expect(outcomeOf(await verifyDetached(content, cms, ctx))).toEqual(
      expectedOutcome({ authorization: "error CHAIN_UNAVAILABLE", roles: "invalid SIGNER_ROLE_MISSING" }),
    );
  });
});
