/**
 * Accepting signed documents (docs/formats.md, signed submission): schema, school ownership,
 * signature, chain, validity and signer authorization, then storage — idempotent by docHash (the same document again gives
 * the same id), all-or-nothing per item. A batch verifies every item first and stores the accepted
 * ones in one transaction. A document with `supersedes` marks the one it corrects.
 *
 * Roles: the authorized signers must cover together the roles the school requires (its own,
 * set by the admin, else REQUIRED_SIGNER_ROLES — issuers.ts `issuerRoles`); a missing one is named.
 *
 * Authorization policy: the signer must be registered to the document's school *at submission
 * time*. Schools sign transcripts before hocba knows them, so the signing time would refuse
 * legitimate older transcripts; a certificate removed after a key compromise stops new
 * submissions at once. Verification later asks the registry at the anchoring time.
 */
import { decodeBase64 } from "../core/encoding";
import type { Database, Queryable } from "./ports";
import { assertValidDocument, canonicalBytes, leafOf, type HocbaDocument } from "../core/documents";
import { disclose, isSelectivelyDisclosable, SD_ALG } from "../core/documents/disclosure";
import { HocbaError, toHocbaError, type ErrorCode } from "../core/errors";
import {
  assertSignatureValid,
  type Authorization,
  type AuthorizationLookup,
  type PkiCrypto,
  type SignerTimestampPolicy,
  type TrustStore,
} from "../core/pki";
import type { ValidationOptions } from "../core/documents";
import type { DocumentStatus } from "../core/documents/views";
import { withCertificateStatus, type CertificateStatusChecker } from "./certificate-status";
import type { FetchMany } from "./coalesce";
import {
  certificateRoleAt,
  certificateRolesAt,
  requiredRolesOfIssuers,
  type CertificateKey,
} from "./stores/issuers";
import { compiledSchemaCheck } from "./schema-check";
import { DOCUMENTS_WITH_BATCH, insertDocuments, STATUS_SQL, type NewDocument } from "./stores/documents";

export type { DocumentStatus };

export interface SubmissionDeps {
  db: Database;
  trustAnchors: TrustStore;
  crypto: PkiCrypto;
  /** REQUIRED_SIGNER_ROLES: what a school that has no roles of its own requires. */
  requiredRoles: readonly string[];
  /** Trusted TSAs (TSA_TRUST_DIR) and whether every signer must carry a timestamp (REQUIRE_TIMESTAMP). */
  timestamps?: SignerTimestampPolicy;
  validation?: ValidationOptions;
  /** Certificate status (OCSP/CRL) of the signers' paths; absent = not checked (CERT_STATUS=off). */
  certStatus?: CertificateStatusChecker;
  now?: () => Date;
}

/**
 * Who acts on issuers' documents (submits, reads, revokes, imports, shares) and for which issuer: an
 * issuer's key for its own code only; the admin (issuerCode null) for any registered issuer.
 * `actor` is who the audit log names.
 */
export interface IssuerActor {
  issuerCode: string | null;
  actor: string;
}

export interface SubmitItem {
  /** The document as signed: a plain transcript, or one in the selectively disclosable form. */
  document: unknown;
  /** Every disclosure of a selectively disclosable document (none for a plain one). */
  disclosures?: unknown;
  /** Base64 of the detached CMS SignedData (DER). */
  signature: string;
}

export type SubmitResult =
  | { ok: true; id: string; docHash: string; status: DocumentStatus; created: boolean }
  | { ok: false; error: { code: string; message: string; details?: unknown } };

/** A checked document ready to be stored. */
/** A checked document with its position in the request. */
export interface Accepted extends NewDocument {
  index: number;
}

export function decodeSignature(signature: unknown): Uint8Array {
  const cms = decodeBase64(signature);
  if (cms === undefined)
    throw new HocbaError("SIGNATURE_MALFORMED", "signature must be the base64 of a DER CMS SignedData");
  return cms;
}

function issuerCodeOf(document: HocbaDocument): string {
  return document.type === "hocba.graduation/v1" ? document.district.code : document.school.code;
}

/**
 * Registered certificates as of `at()`, from the database mirror of the registry: the role of each
 * (issuer, fingerprint) asked, in one query (keyed by `certificateKeyId`; unregistered ones absent).
 */
export function databaseAuthorizations(
  db: Queryable,
  at: () => Date,
): FetchMany<CertificateKey, Authorization> {
  return async (keys) => {
    const roles = await certificateRolesAt(db, keys, at());
    return new Map([...roles].map(([id, role]) => [id, { authorized: true, role }]));
  };
}

/** Registered certificates of an issuer as of `at`, from the database mirror of the registry. */
export function databaseAuthorization(db: Queryable, at: () => Date): AuthorizationLookup {
  return async (issuerCode, fingerprint) => {
    const role = await certificateRoleAt(db, issuerCode, fingerprint, at());
    return role === undefined ? { authorized: false } : { authorized: true, role };
  };
}

/**
 * `lookup` answering each (issuer, fingerprint) once; failed look-ups are not kept. Only for a
 * lookup that ignores the signing time (databaseAuthorization asks as of now).
 */
export function memoized(lookup: AuthorizationLookup): AuthorizationLookup {
  const once = answeredOnce<Authorization>();
  return (issuerCode, fingerprint, at) =>
    once(`${issuerCode}\n${fingerprint}`, () => lookup(issuerCode, fingerprint, at));
}

/** Each key's answer asked once and shared; a failed answer is dropped, so the next asker asks again. */
function answeredOnce<V>(): (key: string, ask: () => Promise<V>) => Promise<V> {
  const answers = new Map<string, Promise<V>>();
  return (key, ask) => {
    let answer = answers.get(key);
    if (!answer) {
      answer = ask();
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
    }
    return answer;
  };
}

/** The roles a school's documents require, asked once per school per call. */
export type RequiredRoles = (issuerCode: string) => Promise<string[]>;

export function requiredRolesOf(deps: SubmissionDeps): RequiredRoles {
  const many = requiredRolesReader(deps);
  const once = answeredOnce<string[]>();
  return (issuerCode) => once(issuerCode, () => many([issuerCode]).then((found) => found.get(issuerCode)!));
}

/**
 * The roles each asked issuer's documents require, in one query: its own setting, or
 * REQUIRED_SIGNER_ROLES for a school without one.
 */
export function requiredRolesReader(deps: SubmissionDeps): FetchMany<string, string[]> {
  return (codes) => requiredRolesOfIssuers(deps.db, codes, deps.requiredRoles);
}

/** Checks everything that needs no storage; throws the item's HocbaError. */
export async function check(
  deps: SubmissionDeps,
  submitter: IssuerActor,
  item: SubmitItem,
  index: number,
  lookup: AuthorizationLookup,
  requiredRoles: RequiredRoles,
): Promise<Accepted> {
  if (typeof item !== "object" || item === null)
    throw new HocbaError("SCHEMA_INVALID", "an item is {document, signature}");
  const sd = completeDisclosure(item);
  const document = assertValidDocument(sd?.view ?? item.document, {
    schemaCheck: compiledSchemaCheck,
    ...deps.validation,
  });
  if (document.type !== "hocba.transcript/v1") {
    throw new HocbaError("SCHEMA_INVALID", "only hocba.transcript/v1 documents are submitted here", {
      details: [{ path: "/type", code: "DOCUMENT_TYPE_INVALID", message: "expected hocba.transcript/v1" }],
    });
  }
  const issuerCode = issuerCodeOf(document);
  if (submitter.issuerCode !== null && submitter.issuerCode !== issuerCode) {
    throw new HocbaError(
      "FORBIDDEN",
      `this API key belongs to ${submitter.issuerCode}, not to school ${issuerCode}`,
    );
  }
  const signature = decodeSignature(item.signature);
  const content = canonicalBytes(sd === null ? document : sd.document);
  const now = deps.now ?? (() => new Date());
  const report = await assertSignatureValid(content, signature, {
    trustAnchors: deps.trustAnchors,
    crypto: deps.crypto,
    at: now(),
    authorization: { issuerCode, lookup },
    policy: { requiredRoles: await requiredRoles(issuerCode) },
    ...(deps.timestamps ? { timestamps: deps.timestamps } : {}),
  });
  // The status evidence goes into the stored CMS as unsigned attributes: the signature (over the
  // signed attributes) and the docHash (of the document) are unchanged by it.
  const stored =
    deps.certStatus === undefined
      ? signature
      : await withCertificateStatus(deps.certStatus, signature, report);
  // The docHash is the SHA-256 of these same canonical bytes, which the verification hashed for its
  // digest check: a valid report's signers each carry that digest as their message digest.
  const hash = report.signers[0]!.messageDigest;
  return {
    index,
    document,
    sd: sd === null ? null : { document: sd.document, disclosures: sd.disclosures },
    id: document.id,
    docHash: hash,
    leaf: leafOf(hash),
    signature: stored,
    signers: report.signers,
    issuerCode,
    supersedes: document.supersedes ?? null,
  };
}

/**
 * For a document in the selectively disclosable form: the signed form, its disclosures and the
 * whole transcript they disclose — the service keeps the whole record, so every disclosure must
 * come with it; null for a plain document.
 * @throws HocbaError DISCLOSURE_INVALID (a foreign, malformed or missing disclosure), SCHEMA_INVALID.
 */
function completeDisclosure(
  item: SubmitItem,
): { document: Record<string, unknown>; disclosures: string[]; view: unknown } | null {
  const { document, disclosures } = item;
  if (!isSelectivelyDisclosable(document)) {
    if (disclosures !== undefined)
      throw new HocbaError("SCHEMA_INVALID", "disclosures come only with a document that carries _sd_alg");
    return null;
  }
  const signed = document as Record<string, unknown>;
  if (signed._sd_alg !== SD_ALG) throw new HocbaError("DISCLOSURE_INVALID", `_sd_alg must be "${SD_ALG}"`);
  if (!Array.isArray(disclosures) || !disclosures.every((d) => typeof d === "string"))
    throw new HocbaError(
      "DISCLOSURE_INVALID",
      "a document with _sd_alg is submitted with every disclosure: disclosures must be an array of strings",
    );
  const disclosed = disclose(signed, disclosures);
  const [problem] = disclosed.problems;
  if (problem !== undefined)
    throw new HocbaError("DISCLOSURE_INVALID", `disclosure ${problem.index + 1}: ${problem.message}`, {
      details: disclosed.problems,
    });
  if (disclosed.withheld.length > 0)
    throw new HocbaError(
      "DISCLOSURE_INVALID",
      `every disclosure is submitted; missing: ${disclosed.withheld.join(", ")}`,
      { details: disclosed.withheld },
    );
  return { document: signed, disclosures: disclosures, view: disclosed.view };
}

export function failure(error: unknown): SubmitResult {
  const e = toHocbaError(error);
  return {
    ok: false,
    error:
      e.details === undefined
        ? { code: e.code, message: e.message }
        : { code: e.code, message: e.message, details: e.details },
  };
}

/** The HocbaError a failed result (a submission's, a signature's) stands for: {@link failure} undone. */
export function failureError(result: {
  error: { code: string; message: string; details?: unknown };
}): HocbaError {
  const { code, message, details } = result.error;
  return new HocbaError(code as ErrorCode, message, details === undefined ? {} : { details });
}

/**
 * Items of one request checked at once. The signatures (the signer's and the timestamp's) are
 * verified on libuv's thread pool; checked one after another the event loop waits for each, with
 * several in flight it parses and hashes the next items meanwhile (bench/RESULTS.md, durable
 * acceptance).
 */
const CHECKS_IN_FLIGHT = 16;

/**
 * Submits documents; one result per item, in order. Items that fail a check are reported and the
 * others still stored; an item already stored (same docHash) answers with its id (`created: false`).
 */
export async function submitDocuments(
  deps: SubmissionDeps,
  submitter: IssuerActor,
  items: readonly SubmitItem[],
): Promise<SubmitResult[]> {
  const results: SubmitResult[] = new Array<SubmitResult>(items.length);
  const accepted: Accepted[] = [];
  // One look-up per (issuer, certificate) per call, not per item: a batch of 1,000 from one
  // school otherwise makes 1,000 identical database round trips (bench/RESULTS.md, issuance).
  const lookup = memoized(databaseAuthorization(deps.db, deps.now ?? (() => new Date())));
  const roles = requiredRolesOf(deps);
  const checked = new Array<Accepted | undefined>(items.length);
  let next = 0;
  const checker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        checked[index] = await check(deps, submitter, items[index]!, index, lookup, roles);
      } catch (error) {
        results[index] = failure(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECKS_IN_FLIGHT, items.length) }, checker));
  // in the request's order: which of two items with the same id is the one created depends on it
  for (const item of checked) if (item !== undefined) accepted.push(item);
  if (accepted.length > 0) {
    const stored = await storeRetrying(deps.db, submitter, accepted);
    for (const [index, result] of stored) results[index] = result;
  }
  return results;
}

/** PostgreSQL's SQLSTATE unique_violation, as both backends report it (`error.code`). */
const UNIQUE_VIOLATION = "23505";

/**
 * `store` in a transaction, run again when it lost a race: two requests carrying the same id or
 * content, both finding nothing, both inserting — the second insert waits for the first
 * transaction and then fails on the unique index. Run again, it finds the first one's row and
 * gives the documented answer (200 same id, or 409 CONFLICT) instead of an error.
 */
export async function storeRetrying(
  db: SubmissionDeps["db"],
  submitter: IssuerActor,
  accepted: Accepted[],
): Promise<Map<number, SubmitResult>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => store(tx, submitter, accepted));
    } catch (error) {
      if (attempt >= 5 || (error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    }
  }
}

async function store(
  tx: Queryable,
  submitter: IssuerActor,
  accepted: Accepted[],
): Promise<Map<number, SubmitResult>> {
  const out = new Map<number, SubmitResult>();
  // The documents being corrected are locked first, in a fixed order: a concurrent correction of
  // the same document (or the same correction sent twice at once) waits here for the other's
  // commit, and the look-up below then sees what it wrote.
  const targets = [...new Set(accepted.flatMap((a) => (a.supersedes === null ? [] : [a.supersedes])))].sort();
  if (targets.length > 0)
    await tx.query("SELECT id FROM documents WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", [targets]);
  const existing = await tx.query<{ id: string; doc_hash: string; status: DocumentStatus }>(
    `SELECT d.id, d.doc_hash, ${STATUS_SQL} AS status FROM ${DOCUMENTS_WITH_BATCH}
      WHERE d.doc_hash = ANY($1::text[]) OR d.id = ANY($2::uuid[])`,
    [accepted.map((a) => a.docHash), accepted.map((a) => a.id)],
  );
  const byHash = new Map(existing.rows.map((r) => [r.doc_hash, r]));
  const byId = new Map(existing.rows.map((r) => [r.id, r]));
  const fresh = new Map<string, Accepted>();
  for (const a of accepted) {
    const same = byHash.get(a.docHash);
    if (same) {
      out.set(a.index, { ok: true, id: same.id, docHash: a.docHash, status: same.status, created: false });
    } else if (byId.has(a.id) || (fresh.has(a.id) && fresh.get(a.id)!.docHash !== a.docHash)) {
      out.set(
        a.index,
        failure(new HocbaError("CONFLICT", `document id ${a.id} is already used by another document`)),
      );
    } else if (fresh.has(a.id)) {
      out.set(a.index, { ok: true, id: a.id, docHash: a.docHash, status: "pending", created: false });
    } else {
      fresh.set(a.id, a);
    }
  }
  const corrected = new Set<string>();
  for (const a of [...fresh.values()]) {
    if (a.supersedes === null) continue;
    const problem = corrected.has(a.supersedes)
      ? new HocbaError("CONFLICT", `supersedes ${a.supersedes}: another document of this batch corrects it`)
      : await supersedable(tx, a);
    if (problem) {
      out.set(a.index, failure(problem));
      fresh.delete(a.id);
    } else {
      corrected.add(a.supersedes);
    }
  }
  const rows = [...fresh.values()];
  if (rows.length > 0) {
    await insertDocuments(tx, rows, { actor: submitter.actor, action: "document.submitted" });
    for (const a of rows)
      out.set(a.index, { ok: true, id: a.id, docHash: a.docHash, status: "pending", created: true });
  }
  return out;
}

/**
 * Whether `a` may correct the document it names; the problem if not. Locks that document. Another
 * school's document is not even read: it answers NOT_FOUND exactly as an unknown id does (same
 * code, message and work), so `supersedes` is no oracle for which ids exist elsewhere.
 */
async function supersedable(tx: Queryable, a: Accepted): Promise<HocbaError | undefined> {
  const { rows } = await tx.query<{ superseded_by: string | null }>(
    "SELECT superseded_by FROM documents WHERE id = $1 AND issuer_code = $2 FOR UPDATE",
    [a.supersedes, a.issuerCode],
  );
  const old = rows[0];
  if (!old) return new HocbaError("NOT_FOUND", `supersedes ${a.supersedes}: no such document`);
  if (old.superseded_by !== null) {
    return new HocbaError(
      "CONFLICT",
      `supersedes ${a.supersedes}: already superseded by ${old.superseded_by}`,
    );
  }
  return undefined;
}
