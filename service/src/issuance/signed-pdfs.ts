/**
 * Signed PDFs (issue 17; docs/formats.md, signed PDF): a học bạ the school's software already
 * signed as a PDF (PAdES, the principal's and the school's certificates) is taken as it is.
 *
 * Intake runs what a JSON submission runs, through the same code: every signature of the PDF
 * (core/pdf/signatures.ts — byte ranges, nothing but validation data after the last, CMS, chain,
 * validity, key usage, the signer registered for the school now), the school's required roles
 * over all signatures together (issuers.ts), the trusted timestamps and REQUIRE_TIMESTAMP, and the
 * certificate status under CERT_STATUS (certificate-status.ts). The docHash is the SHA-256 of the
 * exact file, so the same file twice is the same document (200, same id); it is stored — bytes and
 * all — through documents.ts's storage, so it is anchored in the same batches as every other.
 *
 * When the PDF carries a hocba.transcript/v1 attachment, that transcript is validated by the JSON
 * path's rules, must be of the submitting school, and is kept with the record (its id becomes the
 * record's id, its `supersedes` corrects as for JSON); without one the record is marked as carrying
 * no structured data. The status evidence cannot be written into a signed PDF without a new
 * revision (changing its hash): the OCSP responses and CRLs obtained are kept beside it, per
 * signature (`documents.pdf_status_evidence`), and travel in its proof; the signers' status is in
 * the record's `signers`. Evidence the PDF carries itself (a DSS, PAdES B-LT) is judged too.
 *
 * The proof (`hocba/pdf-1`) of an anchored signed PDF is public by the PDF's hash: whoever holds
 * the file knows the hash; the proof carries nothing personal.
 */
import { randomUUID } from "node:crypto";
import { assertValidDocument, leafOf, toHex, validateDocument, type HocbaDocument } from "../core/documents";
import { HocbaError, isHocbaError, toHocbaError } from "../core/errors";
import { extractTranscriptFromPdf } from "../core/pdf/extract";
import { verifyPdfSignatures } from "../core/pdf/signatures";
import { mergeRevocationValues } from "../core/pki/revocation-values";
import {
  PDF_PROOF_FORMAT,
  SIGNED_PDF_TYPE,
  type PdfProof,
  type PdfStatusEvidence,
} from "../core/verification/pdf";
import { signerStatusEvidence } from "./certificate-status";
import type { CredentialChain } from "./credential";
import {
  databaseAuthorization,
  failureError,
  memoized,
  requiredRolesOf,
  storeRetrying,
  type Accepted,
  type SubmissionDeps,
  type SubmitResult,
  type IssuerActor,
} from "./documents";
import { anchorProof, BATCH_OF_DOCUMENT, LEAF_INDEX_SQL } from "./stores/batches";
import type { Queryable } from "./ports";
import { compiledSchemaCheck } from "./schema-check";

const base64 = (der: Uint8Array): string => Buffer.from(der).toString("base64");

/** The school a signed PDF is submitted for: the key's own, or — for the admin — the one named. */
function schoolOf(submitter: IssuerActor, school: string | undefined): string {
  if (submitter.issuerCode !== null) {
    if (school !== undefined && school !== submitter.issuerCode)
      throw new HocbaError(
        "FORBIDDEN",
        `this API key belongs to ${submitter.issuerCode}, not to school ${school}`,
      );
    return submitter.issuerCode;
  }
  if (school === undefined)
    throw new HocbaError("SCHEMA_INVALID", "the admin names the school a signed PDF is for (?school=<code>)");
  return school;
}

/**
 * Checks a signed PDF and stores it (pending: the next anchoring round picks it up).
 * @throws HocbaError PDF_INVALID, PDF_NOT_SIGNED, PDF_SIGNATURE_INVALID, PDF_MODIFIED_AFTER_SIGNING,
 *   the CMS checks' codes (SIGNATURE_INVALID, DIGEST_MISMATCH, CERT_*, SIGNER_NOT_AUTHORIZED,
 *   TIMESTAMP_*), SIGNER_ROLE_MISSING, CERT_REVOKED / CERT_STATUS_UNAVAILABLE, SCHEMA_INVALID and
 *   FORBIDDEN for the attached transcript, CONFLICT / NOT_FOUND as for a JSON submission. Each
 *   message says which signature and why; `details` lists every problem.
 */
export async function submitSignedPdf(
  deps: SubmissionDeps,
  submitter: IssuerActor,
  pdf: Uint8Array,
  school?: string,
): Promise<Extract<SubmitResult, { ok: true }>> {
  const issuerCode = schoolOf(submitter, school);
  const now = deps.now ?? (() => new Date());
  const lookup = memoized(databaseAuthorization(deps.db, now));
  const verification = await verifyPdfSignatures(pdf, {
    trustAnchors: deps.trustAnchors,
    crypto: deps.crypto,
    at: now(),
    ...(deps.timestamps ? { timestamps: deps.timestamps } : {}),
    authorization: { issuerCode, lookup },
    requiredRoles: await requiredRolesOf(deps)(issuerCode),
  });
  const problems = [
    ...verification.signatures.flatMap((s) => (s.problem ? [s.problem] : [])),
    ...verification.problems,
  ];
  const [first] = problems;
  if (first !== undefined) throw new HocbaError(first.code, first.message, { details: problems });
  const signers = [];
  const statusEvidence: PdfStatusEvidence[] = [];
  for (const s of verification.signatures) {
    const report = s.report!;
    if (deps.certStatus !== undefined) {
      let evidence: Awaited<ReturnType<typeof signerStatusEvidence>>;
      try {
        // The statuses land in `report`; the answers are kept beside the PDF, for its proof.
        evidence = await signerStatusEvidence(deps.certStatus, report);
      } catch (error) {
        const e = toHocbaError(error);
        throw new HocbaError(e.code, `signature ${s.index}: ${e.message}`, { details: e.details });
      }
      const answers = evidence.flat();
      if (answers.length > 0) {
        const { ocsp, crl } = mergeRevocationValues({
          ocsp: answers.filter((a) => a.source === "ocsp").map((a) => a.der),
          crl: answers.filter((a) => a.source === "crl").map((a) => a.der),
        });
        statusEvidence.push({ signature: s.index, ocsp: ocsp.map(base64), crl: crl.map(base64) });
      }
    }
    signers.push(...report.signers.map((signer) => ({ signature: s.index, ...signer })));
  }
  const structured = await structuredTranscript(deps, pdf, issuerCode);
  const docHash = toHex(deps.crypto.sha256(pdf));
  const accepted: Accepted = {
    index: 0,
    id: structured?.id ?? randomUUID(),
    document: structured ?? ({} as HocbaDocument),
    sd: null,
    docHash,
    leaf: leafOf(docHash),
    signature: new Uint8Array(0),
    signers,
    issuerCode,
    supersedes: structured?.supersedes ?? null,
    pdf: {
      bytes: pdf,
      structured: structured !== undefined,
      ...(statusEvidence.length > 0 ? { statusEvidence } : {}),
    },
  };
  const result = (await storeRetrying(deps.db, submitter, [accepted])).get(0);
  if (result === undefined) throw new HocbaError("INTERNAL", "no submission result");
  if (!result.ok) throw failureError(result);
  return result;
}

/**
 * The hocba.transcript/v1 attached to the PDF (as JSON, or in hocba's XML form), validated by the
 * JSON path's rules and of this school; undefined when the PDF carries none.
 * @throws HocbaError SCHEMA_INVALID (a JSON attachment breaking the rules), XML_MALFORMED (an XML
 *   attachment that is not well-formed), XML_INVALID (hocba's XML form breaking the rules, or not
 *   mapping to the JSON model; `details` lists every problem by JSON pointer), FORBIDDEN (another school's).
 */
async function structuredTranscript(
  deps: SubmissionDeps,
  pdf: Uint8Array,
  issuerCode: string,
): Promise<HocbaDocument | undefined> {
  const attached = await extractTranscriptFromPdf(pdf);
  if (attached === undefined) return undefined;
  const options = { schemaCheck: compiledSchemaCheck, ...deps.validation };
  let document: HocbaDocument;
  if (attached.format === "xml") {
    const result = validateDocument(attached.document, options);
    const problems = [...attached.problems, ...(result.ok ? [] : result.problems)];
    if (!result.ok || problems.length > 0) {
      const first = problems[0]!;
      throw new HocbaError(
        "XML_INVALID",
        `the attached transcript ${attached.name}: ${problems.length} problem(s), first ${first.code} at ${first.path || "/"}: ${first.message}`,
        { details: problems },
      );
    }
    document = result.document;
  } else {
    try {
      document = assertValidDocument(attached.document, options);
    } catch (error) {
      if (!isHocbaError(error)) throw error;
      throw new HocbaError(error.code, `the attached transcript ${attached.name}: ${error.message}`, {
        details: error.details,
      });
    }
  }
  const code = document.type === "hocba.transcript/v1" ? document.school.code : undefined;
  if (code !== issuerCode)
    throw new HocbaError(
      "FORBIDDEN",
      `the attached transcript ${attached.name} is of school ${code ?? "(none)"}, not of ${issuerCode}`,
    );
  return document;
}

/**
 * The `hocba/pdf-1` proof of the signed PDF whose SHA-256 is `docHash`.
 * @throws HocbaError NOT_FOUND (no signed PDF with this hash), NOT_ANCHORED_YET (its batch is not confirmed).
 */
export async function pdfProofByHash(
  db: Queryable,
  chain: CredentialChain,
  docHash: string,
): Promise<PdfProof> {
  const hash = docHash.toLowerCase();
  const { rows } = await db.query<{
    id: string;
    issuer_code: string;
    leaf: string;
    structured: boolean;
    pdf_status_evidence: PdfStatusEvidence[] | null;
    leaf_index: number | null;
    leaf_count: number | null;
    root: string | null;
    tx_hash: string | null;
    block_number: string | number | null;
    anchored_at: Date | null;
  }>(
    `SELECT d.id, d.issuer_code, d.leaf, d.structured, d.pdf_status_evidence, ${LEAF_INDEX_SQL} AS leaf_index, b.leaf_count,
            b.root, b.tx_hash, b.block_number, b.anchored_at
       FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT} AND b.state = 'confirmed'
      WHERE d.doc_hash = $1 AND d.type = $2`,
    [hash, SIGNED_PDF_TYPE],
  );
  const row = rows[0];
  if (!row) throw new HocbaError("NOT_FOUND", `hocba knows no signed PDF with hash ${hash}`);
  if (row.root === null || row.leaf_index === null || row.tx_hash === null || row.anchored_at === null)
    throw new HocbaError(
      "NOT_ANCHORED_YET",
      `the signed PDF with hash ${hash} is not anchored yet: try again after its batch is confirmed`,
    );
  const proof = await anchorProof(db, row.id, row.leaf_index, row.leaf_count ?? undefined);
  return {
    format: PDF_PROOF_FORMAT,
    documentId: row.id,
    issuerCode: row.issuer_code,
    docHash: hash,
    structured: row.structured,
    anchor: {
      chainId: chain.chainId,
      registry: chain.registry,
      merkleRoot: row.root,
      leaf: row.leaf,
      proof,
      txHash: row.tx_hash,
      blockNumber: Number(row.block_number),
      anchoredAt: row.anchored_at.toISOString(),
    },
    ...(row.pdf_status_evidence === null ? {} : { statusEvidence: row.pdf_status_evidence }),
  };
}
