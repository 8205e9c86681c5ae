/**
 * The issuers store (tables `issuers` and `issuer_certificates`): an issuer by code, the roles of
 * its signers, and whether a certificate is registered to it at a time. Registration, key rotation
 * and the admin's view (issuance/issuers.ts) decide what changes; the other use cases (submission,
 * drafts, graduates, staff, verification) only read through here.
 */
import type { Queryable } from "../ports";

export type IssuerKind = "school" | "district";

/** An issuer as registered. */
export interface IssuerRow {
  code: string;
  kind: IssuerKind;
  name: string;
  createdAt: Date;
  /** The roles its documents require; null: the service's REQUIRED_SIGNER_ROLES. */
  requiredRoles: string[] | null;
}

/**
 * Issuer `code`, or undefined when none is registered. `lock`: the row is locked until the end of
 * the transaction `db` (FOR UPDATE), for a change that depends on it.
 */
export async function findIssuer(
  db: Queryable,
  code: string,
  options: { lock?: boolean } = {},
): Promise<IssuerRow | undefined> {
  const { rows } = await db.query<IssuerRow>(
    `SELECT code, kind, name, created_at AS "createdAt", required_roles AS "requiredRoles"
       FROM issuers WHERE code = $1${options.lock ? " FOR UPDATE" : ""}`,
    [code],
  );
  return rows[0];
}

/** What the issuer registry says of an issuer's signers: each certificate's role and the required roles. */
export interface IssuerRoles {
  /** The issuer's own, or the default when it has none (districts: none unless set). */
  requiredRoles: string[];
  /** Fingerprint → role of every certificate the issuer has had (the latest interval's role). */
  roles: Record<string, string>;
}

/**
 * The roles of an issuer's signers; `defaults` are REQUIRED_SIGNER_ROLES, which apply to schools
 * (a district office's graduation records are checked without roles unless it was given some,
 * as on submission). null for an unknown issuer.
 */
export async function issuerRoles(
  db: Queryable,
  code: string,
  defaults: readonly string[],
): Promise<IssuerRoles | null> {
  const issuer = await findIssuer(db, code);
  if (issuer === undefined) return null;
  const certificates = await db.query<{ fingerprint: string; role: string }>(
    "SELECT fingerprint, role FROM issuer_certificates WHERE issuer_code = $1 ORDER BY id",
    [code],
  );
  const roles: Record<string, string> = {};
  for (const row of certificates.rows) roles[row.fingerprint] = row.role;
  return {
    requiredRoles: issuer.requiredRoles ?? (issuer.kind === "school" ? [...defaults] : []),
    roles,
  };
}

/**
 * The role of certificate `fingerprint` if it is registered to issuer `issuerCode` at time `at`
 * (added by then, not removed by then); undefined otherwise.
 */
export async function certificateRoleAt(
  db: Queryable,
  issuerCode: string,
  fingerprint: string,
  at: Date,
): Promise<string | undefined> {
  const { rows } = await db.query<{ role: string }>(
    `SELECT role FROM issuer_certificates
      WHERE issuer_code = $1 AND fingerprint = $2 AND added_at <= $3 AND (removed_at IS NULL OR removed_at > $3)
      ORDER BY added_at DESC LIMIT 1`,
    [issuerCode, fingerprint, at],
  );
  return rows[0]?.role;
}
