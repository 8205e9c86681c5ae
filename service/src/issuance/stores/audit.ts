/**
 * The audit log (table `audit_log`): who did what to which subject, when, with what details. The
 * one writer of the table: every use case, in `issuance/` and `auth/`, appends through `audit` (one
 * row) or `auditEach` (one row per subject, one statement), in the transaction of what it audits.
 *
 * One encoding of details: a plain object stored as `jsonb` (the driver encodes it, never the
 * caller), SQL NULL when there are none. Details never hold a token, a key, a citizen ID or a
 * name with a birth date (docs/decisions.md, "Audit").
 */
import type { Queryable } from "../ports";

/** Every action the audit log names, by area. A new action is added here first. */
export const AUDIT_ACTIONS = [
  // Sign-in and keys (auth/)
  "staff.signed_in",
  "staff.signed_out",
  "citizen.signed_in",
  "citizen.signed_out",
  "staff.assigned",
  "staff.unassigned",
  "staff.listed",
  "api_key.created",
  "api_key.revoked",
  "device_token.created",
  "device_token.revoked",
  "device_token.first_used",
  // Issuers (the Department's administration)
  "issuer.registered",
  "issuer.required_roles_changed",
  "issuer.certificates_changed",
  "issuer.api_key_rotated",
  "issuer.viewed",
  // Documents
  "document.submitted",
  "document.read",
  "document.revoked",
  "graduate.imported",
  "graduates.imported",
  "graduates.searched",
  "department.progress_viewed",
  // Shares (school share tokens, citizens' share links)
  "share_token.created",
  "share_token.revoked",
  "share.created",
  "share.revoked",
  // Drafts (the school workspace)
  "drafts.imported",
  "drafts.listed",
  "draft.read",
  "draft.signing_input",
  "draft.signed",
  "draft.submitted",
  "draft.correction_started",
  "draft.submission_refused",
  "draft.submission_retried",
  "draft.signature_removed",
  "shares.listed",
  // What the chain lost and the service sends again (actor "system")
  "batch.root_lost",
  "revocation.lost",
  "issuer_certificate.lost",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit row says beyond actor, action and subject: a plain JSON object. */
export type AuditDetails = Record<string, unknown>;

/** One subject of `auditEach`, with its own details (none: NULL). */
export interface AuditEntry {
  subject: string;
  details?: AuditDetails | null;
}

/**
 * Appends one audit row. `subject` is what was acted on (a document id, an issuer code, a school…),
 * null when there is no one subject (a search); `details` none → NULL.
 */
export async function audit(
  db: Queryable,
  actor: string,
  action: AuditAction,
  subject: string | null,
  details?: AuditDetails | null,
): Promise<void> {
  await db.query("INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)", [
    actor,
    action,
    subject,
    details ?? null,
  ]);
}

/**
 * Appends one audit row per entry, same actor and action, in one statement (a batch of 1,000
 * documents is one round trip). The entries travel as one JSON parameter; each entry's details
 * are stored as they would be by `audit` (an object as jsonb, none → NULL).
 */
export async function auditEach(
  db: Queryable,
  actor: string,
  action: AuditAction,
  entries: readonly AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (actor, action, subject, details)
     SELECT $1, $2, e.subject, e.details FROM jsonb_to_recordset($3::jsonb) AS e(subject text, details jsonb)`,
    [actor, action, JSON.stringify(entries.map((e) => ({ subject: e.subject, details: e.details ?? null })))],
  );
}
