import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, Wallet, encodeBytes32String } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainStatus } from "../../../service/src/adapters/chain/chain-status";
import {
  createRegistryClient,
  issuerCodeBytes32,
  REGISTRY_ABI,
} from "../../../service/src/adapters/chain/registry";
import { createPGliteDatabase, type Database } from "../../../service/src/adapters/db/database";
import { migrate } from "../../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import {
  docHash,
  leafOf,
  validateDocument,
  yearAverage,
  type Transcript,
} from "../../../service/src/core/documents";
import { HocbaError } from "../../../service/src/core/errors";
import {
  CHECK_NAMES,
  verifyCredential,
  type ChainStatusPort,
  type Check,
  type CheckName,
  type VerificationContext,
  type VerificationResult,
  type Verdict,
} from "../../../service/src/core/verification";
import type { Credential } from "../../../service/src/issuance/credential";
import { serviceKnowledge } from "../../../service/src/issuance/service-knowledge";
import { buildTestApp, disclosableItem, settle, signedItem, type TestApp } from "../../helpers/app";
import { ANCHOR_KEY, startChain, stopChain, type TestChain } from "../../helpers/chain";
import { makeTranscript, withValue, without } from "../../helpers/fixtures";
import {
  fingerprintOf,
  makeSchoolPki,
  rebuildSignedData,
  SCHOOL_CODE,
  type SchoolPki,
} from "../../helpers/pki";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-verification-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seed = 61_000;
const transcript = (overrides: Partial<Transcript> = {}): Transcript => ({
  ...makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  }),
  ...overrides,
});

interface Outcome {
  valid: boolean;
  verdict: Verdict;
  checks: string[];
}

/** Each check as "name: status", with the verdict — the shape most assertions compare whole. */
function outcome(result: VerificationResult): Outcome {
  return {
    valid: result.valid,
    verdict: result.verdict,
    checks: result.checks.map((check) => `${check.name}: ${check.status}`),
  };
}

/** Every check valid except those given, and the verdict stated. */
function expected(statuses: Record<string, string> = {}, verdict: Verdict = "valid"): Outcome {
  const checks = CHECK_NAMES.map((name) => `${name}: ${statuses[name] ?? "valid"}`);
  return { valid: verdict === "valid", verdict, checks };
}

/** The principal as the certificate parser names it. */
const PRINCIPAL = "CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN";

// Values that differ per run (signing time, serial number), as vitest matchers.
const ANY_STRING: unknown = expect.any(String);
const AUTHORIZED: unknown = expect.stringContaining(`authorized for ${SCHOOL_CODE} as principal`);

const checkOf = (result: VerificationResult, name: string) =>
  result.checks.find((check) => check.name === name);

/** The same transcript with one scored subject changed so that the document stays valid. */
function withTamperedScore(document: unknown): unknown {
  const doc = document as Transcript;
  for (const [s, subject] of doc.years[0]!.subjects.entries()) {
    if (subject.assessment !== "score") continue;
    for (const delta of [0.1, -0.1, 0.2, -0.2]) {
      const term2 = Math.round(((subject.term2 as number) + delta) * 10) / 10;
      const edited = withValue(
        withValue(doc, `/years/0/subjects/${s}/term2`, term2),
        `/years/0/subjects/${s}/year`,
        yearAverage(subject.term1 as number, term2),
      );
      if (validateDocument(edited).ok) return edited;
    }
  }
  throw new Error("no score can be changed without breaking the document");
}

describe("verifyCredential", () => {
  let db: Database;
  let chain: TestChain;
  let pki: SchoolPki;
  let t: TestApp;
  let context: VerificationContext;
  let writer: Contract;
  /** Two documents anchored in one batch. */
  let first: Credential;
  let second: Credential;

  const supersession = async (documentId: string) => {
    const { rows } = await db.query<{ superseded_by: string | null }>(
      "SELECT superseded_by FROM documents WHERE id = $1",
      [documentId],
    );
    const supersededBy = rows[0]?.superseded_by;
    return supersededBy ? { supersededBy } : null;
  };

  async function submit(document: Transcript): Promise<void> {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: await signedItem(pki, document),
    });
    expect(res.statusCode).toBe(202);
  }

  async function credentialOf(id: string): Promise<Credential> {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/v1/transcripts/${id}/credential`,
      headers: { authorization: `Bearer ${t.schoolKey}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<Credential>();
  }

  /** Signs, submits and anchors documents; their credentials in order. */
  async function issue(...documents: Transcript[]): Promise<Credential[]> {
    for (const document of documents) await submit(document);
    await settle(t.anchoring);
    return Promise.all(documents.map((document) => credentialOf(document.id)));
  }

  beforeAll(async () => {
    pki = await makeSchoolPki("P-256");
    db = await createPGliteDatabase();
    await migrate(db);
    chain = await startChain(path.join(dir, "chain.json"), undefined, undefined, { revoker: true });
    writer = new Contract(chain.registry.address, REGISTRY_ABI, new Wallet(ANCHOR_KEY, chain.provider));
    // The principal's certificate on the on-chain issuer registry, before anything is anchored.
    const added = await chain.admin
      .getFunction("addIssuerCertificate")
      .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(pki.principal));
    await added.wait();
    t = await buildTestApp({ db, chain, pki });
    context = {
      trustAnchors: pki.store,
      crypto: nodeCrypto,
      chain: createChainStatus(chain.registry, { refreshMs: 0 }),
      supersession,
    };
    const issued = await issue(transcript(), transcript());
    first = issued[0]!;
    second = issued[1]!;
  });
  afterAll(async () => {
    await t?.app.close();
    if (chain) await stopChain(chain);
    await db?.close();
  });

  /**
   * The whole result for `credential` (issued by `issue`) with every check as the service's own
   * credential passes it, except those in `changed`.
   */
  function wholeResult(
    credential: Credential,
    verdict: Verdict,
    changed: Partial<Record<CheckName, Omit<Check, "name">>> = {},
  ): unknown {
    const document = credential.document as Transcript;
    const hash = docHash(document);
    const anchor = credential.anchor;
    const checks = [
      {
        name: "format",
        status: "valid",
        message: "a hocba/1 credential holding a valid hocba.transcript/v1 document",
        data: {
          documentType: "hocba.transcript/v1",
          documentId: document.id,
          chainId: 31337,
          registry: anchor.registry,
        },
      },
      {
        name: "integrity",
        status: "valid",
        message: `the document hashes to ${hash}, the digest the signature covers, and to the anchored leaf`,
        data: { docHash: hash, leaf: leafOf(hash), messageDigests: [hash] },
      },
      {
        name: "signature",
        status: "valid",
        message: `CMS SignedData, detached, 1 signer(s); ECDSA P-256 signature by "${PRINCIPAL}" verifies`,
        data: {
          signers: [
            {
              subject: PRINCIPAL,
              fingerprint: fingerprintOf(pki.principal),
              signingTime: ANY_STRING,
            },
          ],
        },
      },
      {
        name: "signer",
        status: "valid",
        message: AUTHORIZED,
        data: {
          issuerCode: SCHOOL_CODE,
          authorizedAt: anchor.anchoredAt,
          signers: [
            {
              role: "principal",
              name: "Nguyễn Văn Hùng",
              organisation: "Trường THCS Nguyễn Du",
              subject: PRINCIPAL,
              issuer: pki.intermediate.subject,
              fingerprint: fingerprintOf(pki.principal),
              serialNumber: ANY_STRING,
              signingTime: ANY_STRING,
              chain: [fingerprintOf(pki.principal), fingerprintOf(pki.intermediate), fingerprintOf(pki.root)],
              authorized: true,
            },
          ],
        },
      },
      {
        name: "inclusion",
        status: "valid",
        message: `the Merkle proof leads from the leaf to root ${anchor.merkleRoot}`,
        data: { root: anchor.merkleRoot, leaf: anchor.leaf, proofLength: 1 },
      },
      {
        name: "anchored",
        status: "valid",
        message: `root ${anchor.merkleRoot} was anchored on chain 31337 at ${anchor.anchoredAt}`,
        data: {
          chainId: 31337,
          registry: anchor.registry,
          root: anchor.merkleRoot,
          txHash: anchor.txHash,
          blockNumber: anchor.blockNumber,
          anchoredAt: anchor.anchoredAt,
        },
      },
      {
        name: "revocation",
        status: "valid",
        message: "the document has not been revoked",
        data: { leaf: anchor.leaf },
      },
      {
        name: "supersession",
        status: "valid",
        message: "no newer document supersedes this one",
        data: { documentId: document.id },
      },
    ] as Check[];
    return {
      valid: verdict === "valid",
      verdict,
      checks: checks.map((check) => ({ ...check, ...changed[check.name] })),
    };
  }

  it("accepts a credential from the issuance service, every check valid, with what a page shows", async () => {
    const result = await verifyCredential(first, context);
    expect(result).toEqual(wholeResult(first, "valid"));
  });

  it("verifies offline without a chain or the service: chain and supersession checks skipped", async () => {
    const result = await verifyCredential(first, { trustAnchors: pki.store, crypto: nodeCrypto });
    expect(outcome(result)).toEqual(
      expected({ anchored: "skipped", revocation: "skipped", supersession: "skipped" }),
    );
  });

  /** What integrity and signature say of `signed` carrying `document` instead of the signed one. */
  function changedAfterSigning(
    signed: Credential,
    document: unknown,
  ): Partial<Record<CheckName, Omit<Check, "name">>> {
    const hash = docHash(document);
    const original = docHash(signed.document);
    const signers = [
      { subject: PRINCIPAL, fingerprint: fingerprintOf(pki.principal), signingTime: ANY_STRING },
    ];
    return {
      integrity: {
        status: "invalid",
        message: `the content was changed after it was signed: it hashes to ${hash}, the signature covers ${original}`,
        data: { docHash: hash, leaf: leafOf(hash), messageDigests: [original], code: "DIGEST_MISMATCH" },
      },
      signature: {
        status: "invalid",
        message: "the signature does not sign this content: it was made over other content (see integrity)",
        data: { signers, code: "DIGEST_MISMATCH" },
      },
    };
  }

  /** The format check of `signed` whose document breaks the rules listed. */
  function rulesBroken(signed: Credential, problems: { path: string; message: string }[]) {
    const document = signed.document as Transcript;
    const first = problems[0]!;
    return {
      format: {
        status: "invalid" as const,
        message: `a hocba/1 credential whose document breaks its rules: ${problems.length} problem${problems.length === 1 ? "" : "s"}, first at ${first.path}: ${first.message}`,
        data: {
          failed: "rules",
          documentType: "hocba.transcript/v1",
          documentId: document.id,
          chainId: 31337,
          registry: signed.anchor.registry,
          problems,
        },
      },
    };
  }

  it("says a changed score was changed after signing; the signature does not sign it; the rest still pass", async () => {
    const tampered = withTamperedScore(first.document);
    const result = await verifyCredential({ ...first, document: tampered }, context);
    expect(result).toEqual(wholeResult(first, "invalid", changedAfterSigning(first, tampered)));
  });

  it("says a changed score that also breaks a rule was changed after signing, and names the rule", async () => {
    const document = first.document as Transcript;
    const s = document.years[0]!.subjects.findIndex((subject) => subject.assessment === "score");
    const tampered = withValue(document, `/years/0/subjects/${s}/term2`, 10);
    const result = await verifyCredential({ ...first, document: tampered }, context);
    expect(result).toEqual(
      wholeResult(first, "invalid", {
        ...changedAfterSigning(first, tampered),
        ...rulesBroken(first, [
          {
            path: `/document/years/0/subjects/${s}/year`,
            message: "YEAR_AVERAGE_MISMATCH: year average (6 + 2 × 10) / 3 is 8.7, not 7.1",
          },
        ]),
      }),
    );
  });

  it("says a document with a removed field was changed after signing, and names the field", async () => {
    const tampered = without(first.document, "/student/fullName");
    const result = await verifyCredential({ ...first, document: tampered }, context);
    expect(result).toEqual(
      wholeResult(first, "invalid", {
        ...changedAfterSigning(first, tampered),
        ...rulesBroken(first, [
          { path: "/document/student/fullName", message: "MISSING_FIELD: required field is missing" },
        ]),
      }),
    );
  });

  it("says a document of an unknown type was changed after signing; no check stops at the shape", async () => {
    const tampered = { ...(first.document as Transcript), type: "hocba.diploma/v9", school: "none" };
    const result = await verifyCredential({ ...first, document: tampered }, context);
    expect([
      outcome(result),
      checkOf(result, "format")?.message,
      checkOf(result, "integrity")?.message,
    ]).toEqual([
      expected(
        { format: "invalid", integrity: "invalid", signature: "invalid", signer: "invalid" },
        "invalid",
      ),
      `a hocba/1 credential whose document breaks its rules: 1 problem, first at /document/type: DOCUMENT_TYPE_INVALID: unknown document type "hocba.diploma/v9"; expected hocba.transcript/v1 or hocba.graduation/v1`,
      `the content was changed after it was signed: it hashes to ${docHash(tampered)}, the signature covers ${docHash(first.document)}`,
    ]);
  });

  it("finds a swapped signature value by its signature check", async () => {
    const own = Uint8Array.from(Buffer.from(first.signature, "base64"));
    const other = Uint8Array.from(Buffer.from(second.signature, "base64"));
    let foreign: ArrayBuffer | undefined;
    rebuildSignedData(other, (signedData) => {
      foreign = signedData.signerInfos[0]!.signature.valueBlock.valueHexView.slice().buffer;
    });
    const swapped = rebuildSignedData(own, (signedData) => {
      signedData.signerInfos[0]!.signature.valueBlock.valueHexView = new Uint8Array(foreign!);
    });
    const result = await verifyCredential(
      { ...first, signature: Buffer.from(swapped).toString("base64") },
      context,
    );
    expect([outcome(result), checkOf(result, "signature")?.data?.code]).toEqual([
      expected({ signature: "invalid" }, "invalid"),
      "SIGNATURE_INVALID",
    ]);
  });

  it("finds a proof for another leaf by its inclusion check", async () => {
    const result = await verifyCredential(
      { ...first, anchor: { ...first.anchor, proof: [first.anchor.leaf] } },
      context,
    );
    expect(outcome(result)).toEqual(expected({ inclusion: "invalid" }, "invalid"));
  });

  it("finds a root that was never anchored by its anchored check", async () => {
    const document = transcript();
    const item = await signedItem(pki, document);
    const leaf = leafOf(docHash(document));
    const forged = { ...first, ...item, anchor: { ...first.anchor, merkleRoot: leaf, leaf, proof: [] } };
    const result = await verifyCredential(forged, context);
    expect([outcome(result), checkOf(result, "anchored")?.message]).toEqual([
      expected({ anchored: "invalid" }, "invalid"),
      `root ${leaf} is not anchored on the registry`,
    ]);
  });

  it("rejects an anchoring time the registry does not confirm (authorization is asked at that time)", async () => {
    const claimed = "2021-01-01T00:00:00.000Z";
    const result = await verifyCredential(
      { ...first, anchor: { ...first.anchor, anchoredAt: claimed } },
      context,
    );
    expect([outcome(result), checkOf(result, "anchored")?.message]).toEqual([
      expected({ signer: "invalid", anchored: "invalid" }, "invalid"),
      `the credential says anchored at ${claimed}, the registry says ${first.anchor.anchoredAt}`,
    ]);
  });

  it("rejects a credential that names another chain id or registry", async () => {
    const otherChain = await verifyCredential({ ...first, anchor: { ...first.anchor, chainId: 1 } }, context);
    const otherRegistry = await verifyCredential(
      { ...first, anchor: { ...first.anchor, registry: "0x000000000000000000000000000000000000dEaD" } },
      context,
    );
    const wrong = expected({ anchored: "invalid", revocation: "skipped" }, "invalid");
    expect([outcome(otherChain), outcome(otherRegistry), checkOf(otherChain, "anchored")?.message]).toEqual([
      wrong,
      wrong,
      `the credential names registry ${first.anchor.registry} on chain 1; this verifier trusts registry ${chain.registry.address} on chain 31337`,
    ]);
  });

  it("finds a revoked leaf by its revocation check, after a cached 'not revoked'", async () => {
    const [credential] = await issue(transcript());
    const before = await verifyCredential(credential, context);
    const receipt = await (
      await writer.getFunction("revoke").send(credential!.anchor.leaf, encodeBytes32String("revoked"))
    ).wait();
    const block = await chain.provider.getBlock(receipt!.blockNumber);
    const revokedAt = new Date(block!.timestamp * 1000).toISOString();
    const after = await verifyCredential(credential, context);
    expect([outcome(before), outcome(after), checkOf(after, "revocation")]).toEqual([
      expected(),
      expected({ revocation: "invalid" }, "revoked"),
      {
        name: "revocation",
        status: "invalid",
        message: `the document was revoked at ${revokedAt}`,
        data: { leaf: credential!.anchor.leaf, revokedAt },
      },
    ]);
  });

  it("reports a revocation the service knows before the chain does, also when the chain cannot be read", async () => {
    const [credential] = await issue(transcript());
    const id = (credential!.document as Transcript).id;
    const revoke = await t.app.inject({
      method: "POST",
      url: `/api/v1/transcripts/${id}/revoke`,
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: { reason: "cấp nhầm" },
    });
    const { rows } = await db.query<{ revoked_at: Date }>("SELECT revoked_at FROM documents WHERE id = $1", [
      id,
    ]);
    const revokedAt = new Date(rows[0]!.revoked_at).toISOString();
    const withService = { ...context, ...serviceKnowledge(db) };
    const down = createRegistryClient({
      rpcUrl: "http://127.0.0.1:9",
      chainId: 31337,
      address: chain.registry.address,
    });
    try {
      const [pending, chainDown, onChainOnly] = await Promise.all([
        verifyCredential(credential, withService),
        verifyCredential(credential, { ...withService, chain: createChainStatus(down) }),
        verifyCredential(credential, context),
      ]);
      const pendingCheck = {
        name: "revocation",
        status: "invalid",
        message: `the document was revoked by its issuer at ${revokedAt}; the on-chain write is pending`,
        data: { leaf: credential!.anchor.leaf, revokedAt, onChain: false },
      };
      expect([
        revoke.statusCode,
        outcome(pending),
        checkOf(pending, "revocation"),
        outcome(chainDown),
        checkOf(chainDown, "revocation"),
        outcome(onChainOnly),
      ]).toEqual([
        202,
        expected({ revocation: "invalid" }, "revoked"),
        pendingCheck,
        expected({ signer: "error", anchored: "error", revocation: "invalid" }, "revoked"),
        pendingCheck,
        expected(),
      ]);
    } finally {
      down.close();
    }
  });

  it("reports the revocation check as error when the service's revocations cannot be read", async () => {
    const result = await verifyCredential(first, {
      ...context,
      revocations: () => Promise.reject(new HocbaError("INTERNAL", "database closed")),
    });
    expect([outcome(result), checkOf(result, "revocation")]).toEqual([
      expected({ revocation: "error" }, "error"),
      {
        name: "revocation",
        status: "error",
        message: "the revocation check could not be made: database closed",
        data: { code: "INTERNAL" },
      },
    ]);
  });

  it("finds a superseded document by its supersession check", async () => {
    const [old] = await issue(transcript());
    const correction = transcript({ supersedes: (old!.document as Transcript).id });
    await submit(correction);
    const result = await verifyCredential(old, context);
    expect([outcome(result), checkOf(result, "supersession")]).toEqual([
      expected({ supersession: "invalid" }, "invalid"),
      {
        name: "supersession",
        status: "invalid",
        message: `this document was corrected: document ${correction.id} supersedes it`,
        data: { documentId: (old!.document as Transcript).id, supersededBy: correction.id },
      },
    ]);
  });

  it("reports an unreachable chain as error, not invalid, and the credential as not valid", async () => {
    const down = createRegistryClient({
      rpcUrl: "http://127.0.0.1:9",
      chainId: 31337,
      address: chain.registry.address,
    });
    try {
      const result = await verifyCredential(first, { ...context, chain: createChainStatus(down) });
      expect([
        outcome(result),
        checkOf(result, "anchored")?.data,
        checkOf(result, "revocation")?.data,
      ]).toEqual([
        expected({ signer: "error", anchored: "error", revocation: "error" }, "error"),
        { code: "CHAIN_UNAVAILABLE" },
        { code: "CHAIN_UNAVAILABLE" },
      ]);
    } finally {
      down.close();
    }
  });

  it("turns an exception inside a check into an error check instead of throwing", async () => {
    const broken: ChainStatusPort = {
      ...(context.chain as ChainStatusPort),
      chainId: 31337,
      registry: chain.registry.address,
      anchoredAt: () => Promise.reject(new TypeError("cannot read properties of undefined")),
      revokedAt: () => Promise.reject(new HocbaError("CHAIN_UNAVAILABLE", "node timed out")),
      isIssuerCertificate: () => Promise.resolve(true),
    };
    const result = await verifyCredential(first, {
      ...context,
      chain: broken,
      supersession: () => {
        throw new Error("database closed");
      },
    });
    expect([outcome(result), result.checks.slice(5)]).toEqual([
      expected({ anchored: "error", revocation: "error", supersession: "error" }, "error"),
      [
        {
          name: "anchored",
          status: "error",
          message: "the anchored check could not be made: cannot read properties of undefined",
          data: { code: "INTERNAL" },
        },
        {
          name: "revocation",
          status: "error",
          message: "the revocation check could not be made: node timed out",
          data: { code: "CHAIN_UNAVAILABLE" },
        },
        {
          name: "supersession",
          status: "error",
          message: "the supersession check could not be made: database closed",
          data: { code: "INTERNAL" },
        },
      ],
    ]);
  });

  it("reports every problem of a malformed credential in its format check and skips the rest", async () => {
    const malformed = {
      format: "hocba/9",
      document: without(first.document, "/student/fullName"),
      signature: "not base64!",
      anchor: { ...first.anchor, merkleRoot: "0x12", proof: ["0x34"], anchoredAt: "yesterday" },
    };
    const result = await verifyCredential(malformed, context);
    expect(result).toEqual({
      valid: false,
      verdict: "not-hocba",
      checks: [
        {
          name: "format",
          status: "invalid",
          message:
            'not a hocba/1 credential: 6 problems, first at /format: format must be "hocba/1" or "hocba/2", not "hocba/9"',
          data: {
            failed: "structure",
            problems: [
              { path: "/format", message: 'format must be "hocba/1" or "hocba/2", not "hocba/9"' },
              { path: "/document/student/fullName", message: "MISSING_FIELD: required field is missing" },
              { path: "/signature", message: "signature must be the base64 of a DER CMS SignedData" },
              { path: "/anchor/merkleRoot", message: "merkleRoot must be a 0x bytes32 hex value" },
              { path: "/anchor/proof/0", message: "proof/0 must be a 0x bytes32 hex value" },
              { path: "/anchor/anchoredAt", message: "anchoredAt must be an ISO-8601 date-time" },
            ],
          },
        },
        ...CHECK_NAMES.slice(1).map((name) => ({
          name,
          status: "skipped",
          message: "not checked: the file is not a hocba/1 credential",
        })),
      ],
    });
  });

  it("tells a file that is not a hocba credential at all from a forgery, whatever it is", async () => {
    const { signature: _signature, ...unsigned } = first;
    const inputs: unknown[] = [
      null,
      "text",
      42,
      [first],
      {},
      { name: "hocba", version: "0.1.0", dependencies: {} },
      { ...first, format: "vc/1" },
      { ...first, document: "a transcript" },
      unsigned,
      { ...first, anchor: null },
      { ...first, signature: "not base64!" },
    ];
    const results = await Promise.all(inputs.map((value) => verifyCredential(value, context)));
    const notHocba = {
      valid: false,
      verdict: "not-hocba",
      checks: CHECK_NAMES.map((name) => `${name}: ${name === "format" ? "invalid" : "skipped"}`),
    };
    expect(results.map((result) => [outcome(result), checkOf(result, "format")?.message])).toEqual([
      ...Array.from({ length: 4 }, () => [
        notHocba,
        "not a hocba/1 credential: 1 problem, first at /: a credential is a JSON object",
      ]),
      [
        notHocba,
        'not a hocba/1 credential: 4 problems, first at /format: format must be "hocba/1" or "hocba/2", not missing',
      ],
      [
        notHocba,
        'not a hocba/1 credential: 4 problems, first at /format: format must be "hocba/1" or "hocba/2", not missing',
      ],
      [
        notHocba,
        'not a hocba/1 credential: 1 problem, first at /format: format must be "hocba/1" or "hocba/2", not "vc/1"',
      ],
      [notHocba, "not a hocba/1 credential: 1 problem, first at /document: document must be a JSON object"],
      [
        notHocba,
        "not a hocba/1 credential: 1 problem, first at /signature: signature must be the base64 of a DER CMS SignedData",
      ],
      [notHocba, "not a hocba/1 credential: 1 problem, first at /anchor: anchor must be an object"],
      [
        notHocba,
        "not a hocba/1 credential: 1 problem, first at /signature: signature must be the base64 of a DER CMS SignedData",
      ],
    ]);
  });

  describe("a hocba/2 credential (selective disclosure)", () => {
    let full: Credential;
    let document: Transcript;

    beforeAll(async () => {
      document = transcript();
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: { authorization: `Bearer ${t.schoolKey}` },
        payload: await disclosableItem(pki, document),
      });
      expect(res.statusCode).toBe(202);
      await settle(t.anchoring);
      full = await credentialOf(document.id);
    });

    const withheldOf = (result: VerificationResult) => checkOf(result, "format")?.data?.withheld;

    it("is handed out as hocba/2 with every disclosure and verifies valid with nothing withheld", async () => {
      expect({ format: full.format, disclosures: full.disclosures?.length }).toEqual({
        format: "hocba/2",
        disclosures: 3 + document.years.length,
      });
      const result = await verifyCredential(full, context);
      expect([outcome(result), withheldOf(result), checkOf(result, "format")?.message]).toEqual([
        expected(),
        [],
        "a hocba/2 credential holding a valid hocba.transcript/v1 document",
      ]);
    });

    it("verifies valid with the citizen ID, the ethnicity and a school year withheld, and names them", async () => {
      const res = await t.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${document.id}/credential?withhold=citizenId,ethnicity,years/1`,
        headers: { authorization: `Bearer ${t.schoolKey}` },
      });
      expect(res.statusCode).toBe(200);
      const shared = res.json<Credential>();
      expect(shared.disclosures).toHaveLength(full.disclosures!.length - 3);
      const result = await verifyCredential(shared, context);
      expect([outcome(result), withheldOf(result), checkOf(result, "format")?.message]).toEqual([
        expected(),
        ["/student/citizenId", "/student/ethnicity", "/years/1"],
        "a hocba/2 credential holding a valid hocba.transcript/v1 document, with student.citizenId, student.ethnicity, school year 2 withheld by the holder",
      ]);
      expect(JSON.stringify(shared)).not.toContain(document.student.citizenId);
    });

    it("is invalid in integrity when a disclosure was changed, and when one from another transcript is added", async () => {
      const salt = (JSON.parse(Buffer.from(full.disclosures![1]!, "base64url").toString()) as string[])[0];
      const changed = Buffer.from(JSON.stringify([salt, "ethnicity", "Tày"])).toString("base64url");
      const foreign = (await disclosableItem(pki, transcript())).disclosures[0]!;
      const results = await Promise.all([
        verifyCredential(
          { ...full, disclosures: full.disclosures!.map((d, i) => (i === 1 ? changed : d)) },
          context,
        ),
        verifyCredential({ ...full, disclosures: [...full.disclosures!, foreign] }, context),
      ]);
      expect(results.map((result) => [outcome(result), checkOf(result, "integrity")?.message])).toEqual([
        [
          expected({ integrity: "invalid" }, "invalid"),
          "disclosure 2 is not one the issuer signed: it matches no digest the issuer signed (changed or foreign)",
        ],
        [
          expected({ integrity: "invalid" }, "invalid"),
          `disclosure ${full.disclosures!.length + 1} is not one the issuer signed: it matches no digest the issuer signed (changed or foreign)`,
        ],
      ]);
    });

    it("is not a hocba file when a hocba/2 has no disclosures array or its document lacks _sd_alg, nor a hocba/1 carrying the disclosable form", async () => {
      const notHocba = expected(
        {
          format: "invalid",
          ...(Object.fromEntries(CHECK_NAMES.slice(1).map((name) => [name, "skipped"])) as Record<
            string,
            string
          >),
        },
        "not-hocba",
      );
      const results = await Promise.all([
        verifyCredential({ ...full, disclosures: "all" }, context),
        verifyCredential({ ...first, format: "hocba/2", disclosures: [] }, context),
        verifyCredential({ ...full, format: "hocba/1", disclosures: undefined }, context),
      ]);
      expect(results.map((result) => [outcome(result), checkOf(result, "format")?.message])).toEqual([
        [
          notHocba,
          "not a hocba/2 credential: 1 problem, first at /disclosures: disclosures must be an array of at most 64 strings",
        ],
        [
          notHocba,
          'not a hocba/2 credential: 1 problem, first at /document/_sd_alg: a hocba/2 document carries _sd_alg "sha-256"',
        ],
        [
          notHocba,
          'not a hocba/1 credential: 1 problem, first at /format: a document with _sd_alg travels in a "hocba/2" credential',
        ],
      ]);
    });

    it("is refused at submission without every disclosure, with a foreign one, or with disclosures beside a plain document", async () => {
      const item = await disclosableItem(pki, transcript());
      const plain = await signedItem(pki, transcript());
      const answers = await Promise.all(
        [
          { ...item, disclosures: item.disclosures.slice(1) },
          { ...item, disclosures: [...item.disclosures, full.disclosures![0]!] },
          { ...item, disclosures: undefined },
          { ...plain, disclosures: [] },
        ].map(async (payload) => {
          const res = await t.app.inject({
            method: "POST",
            url: "/api/v1/transcripts",
            headers: { authorization: `Bearer ${t.schoolKey}` },
            payload,
          });
          const { code, message } = res.json<{ error: { code: string; message: string } }>().error;
          return [res.statusCode, code, message];
        }),
      );
      expect(answers).toEqual([
        [400, "DISCLOSURE_INVALID", "every disclosure is submitted; missing: /student/citizenId"],
        [
          400,
          "DISCLOSURE_INVALID",
          `disclosure ${item.disclosures.length + 1}: it matches no digest the issuer signed (changed or foreign)`,
        ],
        [
          400,
          "DISCLOSURE_INVALID",
          "a document with _sd_alg is submitted with every disclosure: disclosures must be an array of strings",
        ],
        [400, "SCHEMA_INVALID", "disclosures come only with a document that carries _sd_alg"],
      ]);
    });
  });
});
