/**
 * The documents store (table `documents`, with the batch holding each): the SQL fragments every
 * reader shares (a document's status, the columns of a record), a record by id, the insert of new
 * documents, and what verification asks of the service (supersession, revocations). The use cases
 * decide who may see what; this file only reads and writes rows.
 */
import type { HocbaDocument } from "../../core/documents";
import type { DocumentStatus } from "../../core/documents/views";
import { SIGNED_PDF_TYPE, type PdfStatusEvidence } from "../../core/verification/pdf";
import type { Queryable } from "../ports";
import { auditEach, type AuditAction } from "./audit";
import { BATCH_OF_DOCUMENT, LEAF_INDEX_SQL } from "./batches";

/** `documents d` with the batch `b` holding each (none while pending): the FROM of every reader. */
export const DOCUMENTS_WITH_BATCH = `documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}`;

/** The status of a stored document, from its own row and its batch's state. */
export const STATUS_SQL = `CASE WHEN d.revoked_at IS NOT NULL THEN 'revoked'
  WHEN d.superseded_by IS NOT NULL THEN 'superseded'
  WHEN b.state = 'confirmed' THEN 'anchored' ELSE 'pending' END`;

/** A document row with its batch, as the status and credential answers need it. */
export interface DocumentRecord {
  id: string;
  type: string;
  issuerCode: string;
  docHash: string;
  leaf: string;
  status: DocumentStatus;
  supersedes: string | null;
  supersededBy: string | null;
  revokedAt: Date | null;
  revocationReason: string | null;
  submittedAt: Date;
  leafIndex: number | null;
  /** The confirmed anchoring of the document's batch, null while pending. */
  anchor: { merkleRoot: string; txHash: string; blockNumber: number; anchoredAt: Date } | null;
}

/** A row selected with RECORD_COLUMNS. */
export interface RecordRow {
  id: string;
  type: string;
  issuer_code: string;
  doc_hash: string;
  leaf: string;
  status: DocumentStatus;
  supersedes: string | null;
  superseded_by: string | null;
  revoked_at: Date | null;
  revocation_reason: string | null;
  created_at: Date;
  leaf_index: number | null;
  root: string | null;
  tx_hash: string | null;
  block_number: number | null;
  anchored_at: Date | null;
}

/** The columns of DOCUMENTS_WITH_BATCH every record reader selects. */
export const RECORD_COLUMNS = `d.id, d.type, d.issuer_code, d.doc_hash, d.leaf, ${STATUS_SQL} AS status,
  d.supersedes, d.superseded_by, d.revoked_at, d.revocation_reason, d.created_at, ${LEAF_INDEX_SQL} AS leaf_index,
  b.root, CASE WHEN b.state = 'confirmed' THEN b.tx_hash END AS tx_hash, b.block_number, b.anchored_at`;

/** Turns a row selected with RECORD_COLUMNS into a record. */
export function recordOf(row: RecordRow): DocumentRecord {
  return {
    id: row.id,
    type: row.type,
    issuerCode: row.issuer_code,
    docHash: row.doc_hash,
    leaf: row.leaf,
    status: row.status,
    supersedes: row.supersedes,
    supersededBy: row.superseded_by,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
    submittedAt: row.created_at,
    leafIndex: row.leaf_index,
    anchor:
      row.root !== null && row.tx_hash !== null && row.block_number !== null && row.anchored_at !== null
        ? {
            merkleRoot: row.root,
            txHash: row.tx_hash,
            blockNumber: row.block_number,
            anchoredAt: row.anchored_at,
          }
        : null,
  };
}

/** The record of document `id`, whoever's it is; undefined when there is none. */
export async function findRecord(db: Queryable, id: string): Promise<DocumentRecord | undefined> {
  const { rows } = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM ${DOCUMENTS_WITH_BATCH} WHERE d.id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : recordOf(rows[0]);
}

/** A document to store: checked, with its id, hashes and signature. */
export interface NewDocument {
  id: string;
  /** The whole document: as signed, or — for the selectively disclosable form — as disclosed. */
  document: HocbaDocument;
  /** The selectively disclosable form as signed and every disclosure; null for a plain document. */
  sd: { document: unknown; disclosures: string[] } | null;
  docHash: string;
  leaf: string;
  /** The detached CMS over the document; empty for graduation records (their file is signed). */
  signature: Uint8Array;
  signers: unknown;
  issuerCode: string;
  supersedes: string | null;
  /**
   * A signed PDF (signed-pdfs.ts): the exact file, whether `document` is its attached transcript,
   * and the certificate status evidence obtained for its signatures (its proof carries it).
   */
  pdf?: { bytes: Uint8Array; structured: boolean; statusEvidence?: PdfStatusEvidence[] };
}

/**
 * Inserts new documents (pending: the anchoring round picks them up), marks the documents they
 * supersede, and writes one audit row per document (`audited`: who, and the action). The caller has
 * checked ownership, idempotency and that each superseded document may be corrected, in the same
 * transaction.
 */
export async function insertDocuments(
  tx: Queryable,
  rows: readonly NewDocument[],
  audited: { actor: string; action: AuditAction },
): Promise<void> {
  if (rows.length === 0) return;
  // One JSON parameter for all rows: as arrays of JSON text, every document was escaped again
  // into a PostgreSQL array literal (a fifth of the server's time for batches of 1,000).
  await tx.query(
    `INSERT INTO documents (id, type, issuer_code, doc_hash, leaf, document, sd, signature, signers, supersedes,
                            pdf, structured, pdf_status_evidence)
     SELECT r.id, r.type, r.issuer_code, r.doc_hash, r.leaf, r.document::jsonb, r.sd::jsonb,
            decode(r.signature, 'base64'), r.signers::jsonb, r.supersedes, decode(r.pdf, 'base64'), r.structured,
            r.pdf_status_evidence::jsonb
       FROM json_to_recordset($1::json) AS r(id uuid, type text, issuer_code text, doc_hash text, leaf text,
                                              document json, sd json, signature text, signers json, supersedes uuid,
                                              pdf text, structured boolean, pdf_status_evidence json)`,
    [
      JSON.stringify(
        rows.map((a) => ({
          id: a.id,
          type: a.pdf === undefined ? a.document.type : SIGNED_PDF_TYPE,
          issuer_code: a.issuerCode,
          doc_hash: a.docHash,
          leaf: a.leaf,
          document: a.document,
          sd: a.sd,
          signature: Buffer.from(a.signature).toString("base64"),
          signers: a.signers,
          supersedes: a.supersedes,
          ...(a.pdf === undefined
            ? {}
            : {
                pdf: Buffer.from(a.pdf.bytes).toString("base64"),
                structured: a.pdf.structured,
                pdf_status_evidence: a.pdf.statusEvidence ?? null,
              }),
        })),
      ),
    ],
  );
  const corrections = rows.filter((a) => a.supersedes !== null);
  if (corrections.length > 0) {
    await tx.query(
      `UPDATE documents d SET superseded_by = v.new_id
         FROM unnest($1::uuid[], $2::uuid[]) AS v(old_id, new_id) WHERE d.id = v.old_id`,
      [corrections.map((a) => a.supersedes), corrections.map((a) => a.id)],
    );
  }
  await auditEach(
    tx,
    audited.actor,
    audited.action,
    rows.map((a) => ({
      subject: a.id,
      details: a.supersedes === null ? null : { supersedes: a.supersedes },
    })),
  );
}

/** Of documents `ids` (lowercase uuids), those a correction superseded: id → the correction's id. */
export async function supersededBy(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; superseded_by: string }>(
    "SELECT id, superseded_by FROM documents WHERE id = ANY($1::uuid[]) AND superseded_by IS NOT NULL",
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.superseded_by]));
}

/** Of leaves `leaves` (lowercase 0x hex), those whose document is revoked: leaf → when. */
export async function revokedLeaves(db: Queryable, leaves: readonly string[]): Promise<Map<string, Date>> {
  const { rows } = await db.query<{ leaf: string; revoked_at: Date }>(
    "SELECT leaf, revoked_at FROM documents WHERE leaf = ANY($1::text[]) AND revoked_at IS NOT NULL",
    [leaves],
  );
  return new Map(rows.map((row) => [row.leaf, new Date(row.revoked_at)]));
}
