/**
 * The issuers store (tables `issuers` and `issuer_certificates`): an issuer by code, the roles of
 * its signers, and whether a certificate is registered to it at a time. Registration, key rotation
 * and the admin's view (issuance/issuers.ts) decide what changes; the other use cases (submission,
 * drafts, graduates, staff, verification) only read through here.
 */
import type { Queryable } from "../ports";

export type { IssuerKind } from "../../core/issuer-kinds";
import type { IssuerKind } from "../../core/issuer-kinds";

/** An issuer as registered. */
export interface IssuerRow {
  code: string;
  kind: IssuerKind;
  name: string;
  createdAt: Date;
  /** The roles its documents require; null: the service's REQUIRED_SIGNER_ROLES. */
  requiredRoles: string[] | null;
  /** A district office's department (Sở GDĐT), when one claimed it; null otherwise. */
  departmentCode: string | null;
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
    `SELECT code, kind, name, created_at AS "createdAt", required_roles AS "requiredRoles",
            department_code AS "departmentCode"
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
  return { requiredRoles: requiredRolesOfIssuer(issuer.kind, issuer.requiredRoles, defaults), roles };
}

/** The roles an issuer's documents require: its own setting, else `defaults` for a school, none for others. */
function requiredRolesOfIssuer(
  kind: IssuerKind,
  requiredRoles: readonly string[] | null,
  defaults: readonly string[],
): string[] {
  return [...(requiredRoles ?? (kind === "school" ? defaults : []))];
}

/**
 * The roles the documents of each issuer of `codes` require, in one query (`requiredRolesOfIssuer`);
 * a code not registered gets `defaults` (its documents are refused by the authorization check).
 */
export async function requiredRolesOfIssuers(
  db: Queryable,
  codes: readonly string[],
  defaults: readonly string[],
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ code: string; kind: IssuerKind; required_roles: string[] | null }>(
    "SELECT code, kind, required_roles FROM issuers WHERE code = ANY($1::text[])",
    [codes],
  );
  const found = new Map(rows.map((r) => [r.code, requiredRolesOfIssuer(r.kind, r.required_roles, defaults)]));
  return new Map(codes.map((code) => [code, found.get(code) ?? [...defaults]]));
}

/** Which certificate of which issuer a registration look-up asks about. */
export interface CertificateKey {
  issuerCode: string;
  fingerprint: string;
}

export const certificateKeyId = (k: CertificateKey): string => `${k.issuerCode}\n${k.fingerprint}`;

/**
 * The role of each certificate of `keys` registered to its issuer at time `at` (added by then, not
 * removed by then; the latest interval's role), in one query, keyed by `certificateKeyId`;
 * unregistered ones are absent.
 */
export async function certificateRolesAt(
  db: Queryable,
  keys: readonly CertificateKey[],
  at: Date,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ issuer_code: string; fingerprint: string; role: string }>(
    `SELECT DISTINCT ON (c.issuer_code, c.fingerprint) c.issuer_code, c.fingerprint, c.role
       FROM issuer_certificates c
       JOIN unnest($1::text[], $2::text[]) AS k(issuer_code, fingerprint)
         ON c.issuer_code = k.issuer_code AND c.fingerprint = k.fingerprint
      WHERE c.added_at <= $3 AND (c.removed_at IS NULL OR c.removed_at > $3)
      ORDER BY c.issuer_code, c.fingerprint, c.added_at DESC`,
    [keys.map((k) => k.issuerCode), keys.map((k) => k.fingerprint), at],
  );
  return new Map(
    rows.map((r) => [certificateKeyId({ issuerCode: r.issuer_code, fingerprint: r.fingerprint }), r.role]),
  );
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
  const key = { issuerCode, fingerprint };
  return (await certificateRolesAt(db, [key], at)).get(certificateKeyId(key));
}

/** The former district offices of department `code` (registered with its code), code → name. */
export async function districtsOfDepartment(db: Queryable, code: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ code: string; name: string }>(
    "SELECT code, name FROM issuers WHERE department_code = $1 ORDER BY code",
    [code],
  );
  return new Map(rows.map((d) => [d.code, d.name]));
}
