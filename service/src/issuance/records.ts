/**
 * Reading stored documents for the people allowed to: a school sees its own, the admin any.
 * Another school asking gets NOT_FOUND, exactly as for an id that does not exist, so ids never
 * reveal which documents exist elsewhere. Every read of personal data by staff is written to the
 * audit log (docs/school-records.md) before the data leaves the service.
 */
import type { Queryable } from "./ports";
import { HocbaError } from "../core/errors";
import { STATUS_SQL, type DocumentStatus, type IssuerActor } from "./documents";
import { BATCH_OF_DOCUMENT, LEAF_INDEX_SQL } from "./membership";

/** Who reads or acts: an issuer for its own code only, the admin (issuerCode null) for any. */
export type { IssuerActor };

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

interface Row {
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

/** The columns of `documents d LEFT JOIN batches b` every reader selects. */
export const RECORD_COLUMNS = `d.id, d.type, d.issuer_code, d.doc_hash, d.leaf, ${STATUS_SQL} AS status,
  d.supersedes, d.superseded_by, d.revoked_at, d.revocation_reason, d.created_at, ${LEAF_INDEX_SQL} AS leaf_index,
  b.root, CASE WHEN b.state = 'confirmed' THEN b.tx_hash END AS tx_hash, b.block_number, b.anchored_at`;

/** Turns a row selected with RECORD_COLUMNS into a record. */
export function recordOf(row: Row): DocumentRecord {
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

/** The document `id` if `caller` may see it; NOT_FOUND otherwise (unknown or another school's). */
export async function visibleRecord(
  db: Queryable,
  caller: IssuerActor | null,
  id: string,
): Promise<DocumentRecord> {
  const { rows } = await db.query<Row>(
    `SELECT ${RECORD_COLUMNS} FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE d.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row || (caller !== null && caller.issuerCode !== null && caller.issuerCode !== row.issuer_code)) {
    throw new HocbaError("NOT_FOUND", `no document ${id}`);
  }
  return recordOf(row);
}

/** Writes one audit row for a read of document `id`. */
export async function auditRead(
  db: Queryable,
  actor: string,
  id: string,
  details: Record<string, unknown>,
): Promise<void> {
  await db.query(
    "INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, 'document.read', $2, $3)",
    [actor, id, details],
  );
}

/** The status of a document for its school or the admin; the read is audited. */
export async function readDocument(db: Queryable, caller: IssuerActor, id: string): Promise<DocumentRecord> {
  const record = await visibleRecord(db, caller, id);
  await auditRead(db, caller.actor, id, { view: "status" });
  return record;
}
