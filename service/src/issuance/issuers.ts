/**
 * Schools, district offices and departments (Sở GDĐT) as the Department registers them
 * (docs/http-api.md): the issuer,
 * its signing certificates and its API key are written in one transaction, so a failed
 * registration leaves nothing behind and the key is shown exactly once. Every certificate change
 * is also written to `issuer_certificate_changes`, the journal that issuer-sync.ts sends to the
 * on-chain issuer registry; the database is the mirror submissions are checked against at once.
 *
 * A certificate is only registered if it could sign today: it must chain to the configured trust
 * anchors, be valid now, not be revoked (CERT_STATUS, issuance/certificate-status.ts) and allow
 * signing. Refusing a dead certificate at registration is kinder than refusing every transcript
 * signed with it later. The certificate alone is enough when the path can be completed from
 * TRUST_INTERMEDIATES_DIR or the certificate's AIA (core/pki/chain.ts).
 *
 * Roles: each certificate has one (principal, homeroom, organisation for the school's seal
 * certificate, or any other lowercase word the Department uses), and each issuer may have the
 * roles its documents require (`requiredRoles`; null = the service's REQUIRED_SIGNER_ROLES).
 */
import { HEX32_PATTERN } from "../core/encoding";
import type { Database, Queryable } from "./ports";
import { createApiKey, revokeApiKey } from "../auth/api-keys";
import { HocbaError, isHocbaError, type ErrorCode } from "../core/errors";
import { pemToDer, signingUseFailure, validityFailure, type PkiCrypto, type TrustStore } from "../core/pki";
import { certificateInfo, type CertificateInfo } from "../core/pki/certificate";
import { validateChain } from "../core/pki/chain";
import { keyRingFor } from "../core/pki/key-ring";
import { isIssuerKind, ISSUER_KINDS, type IssuerKind } from "../core/issuer-kinds";
import { assertPathStatus, type CertificateStatusChecker } from "./certificate-status";
import { audit } from "./stores/audit";
import { districtsOfDepartment, findIssuer, type IssuerRow } from "./stores/issuers";

export type { IssuerKind };
/** The audit writer and the issuer roles (issuance/stores/), importable from here while older branches do. */
export { audit };
export { issuerRoles, type IssuerRoles } from "./stores/issuers";

/** Issuer `code` (locked until the end of transaction `db` with `lock`). @throws HocbaError NOT_FOUND. */
async function existingIssuer(db: Queryable, code: string, lock = false): Promise<IssuerRow> {
  const issuer = await findIssuer(db, code, { lock });
  if (issuer === undefined) throw new HocbaError("NOT_FOUND", `no issuer ${code}`);
  return issuer;
}

/** A PEM certificate (signer first, then any intermediates), optionally with the signer's role. */
export type CertificateInput = string | { pem: string; role?: string };

export interface IssuerDeps {
  db: Database;
  trustAnchors: TrustStore;
  crypto: PkiCrypto;
  /** Certificate status (OCSP/CRL) of registered certificates; absent = not checked. */
  certStatus?: CertificateStatusChecker;
  now?: () => Date;
}

export interface RegisterIssuerInput {
  kind: IssuerKind;
  code: string;
  name: string;
  certificates: readonly CertificateInput[];
  /** Roles the issuer's documents must carry together; absent or null = REQUIRED_SIGNER_ROLES. */
  requiredRoles?: readonly string[] | null;
  /** A department's former district offices (registered districts of no other department). */
  districts?: readonly string[];
  /** A district office's department, when it is registered after it (a registered department). */
  department?: string;
}

export interface RegisteredCertificate {
  fingerprint: string;
  subject: string;
  role: string;
}

export interface RegisteredIssuer {
  code: string;
  kind: IssuerKind;
  name: string;
  /** The issuer's API key: this is the only time it is ever returned. */
  apiKey: string;
  certificates: RegisteredCertificate[];
  /** null: the service's REQUIRED_SIGNER_ROLES. */
  requiredRoles: string[] | null;
  /** A department's former district offices (departments only). */
  districts?: string[];
  /** A district office's department, null when it has none (districts only). */
  department?: string | null;
}

/** The school/district code of the document schema (schema.ts `Code`). */
export const ISSUER_CODE_PATTERN = /^[0-9A-Za-z]{2,20}$/;
const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const DEFAULT_CERTIFICATE_ROLE = "principal";
/** The role of a school's organisation certificate (its seal), as Vietnamese CAs issue them to organisations. */
export const ORGANISATION_ROLE = "organisation";
export const MAX_CERTIFICATES = 10;
export const MAX_REQUIRED_ROLES = 10;

/**
 * A list of required roles: 1–10 distinct lowercase words (`null` stays null: the default).
 * @throws HocbaError SCHEMA_INVALID naming `path`.
 */
export function checkRequiredRoles(roles: unknown, path: string): string[] | null {
  if (roles === null || roles === undefined) return null;
  if (!Array.isArray(roles) || roles.length < 1 || roles.length > MAX_REQUIRED_ROLES)
    throw schemaError(
      `required roles are a list of 1–${MAX_REQUIRED_ROLES} roles (or null for the default)`,
      path,
    );
  for (const [index, role] of (roles as unknown[]).entries()) {
    if (typeof role !== "string" || !ROLE_PATTERN.test(role))
      throw schemaError(
        "a role is a lowercase word, e.g. principal, homeroom, organisation",
        `${path}/${index}`,
      );
  }
  if (new Set(roles).size !== roles.length) throw schemaError("a role is listed twice", path);
  return [...(roles as string[])];
}

export interface CertificateProblem {
  /** Index of the certificate in the request. */
  index: number;
  code: ErrorCode;
  message: string;
  fingerprint?: string;
  subject?: string;
}

/** A certificate that passed every check, with its role. */
interface AcceptedCertificate extends RegisteredCertificate {
  der: Uint8Array;
}

function schemaError(message: string, path: string): HocbaError {
  return new HocbaError("SCHEMA_INVALID", message, {
    details: [{ path, code: "SCHEMA_INVALID", message }],
  });
}

function checkCode(code: unknown, path = "/code"): string {
  if (typeof code !== "string" || !ISSUER_CODE_PATTERN.test(code))
    throw schemaError(`${path.slice(1)} must be 2–20 letters or digits (an issuer code)`, path);
  return code;
}

function parseDer(pem: string, crypto: PkiCrypto): CertificateInfo[] {
  let ders: Uint8Array[];
  try {
    ders = pemToDer(pem, "CERTIFICATE");
  } catch (cause) {
    throw new HocbaError("SCHEMA_INVALID", "corrupt base64 in the PEM certificate", { cause });
  }
  if (ders.length === 0) throw new HocbaError("SCHEMA_INVALID", "no PEM CERTIFICATE block");
  return ders.map((der) => {
    try {
      return certificateInfo(der, crypto, "SIGNATURE_MALFORMED");
    } catch (cause) {
      if (isHocbaError(cause)) throw new HocbaError("SCHEMA_INVALID", cause.message, { cause });
      throw cause;
    }
  });
}

/**
 * Whether `pem` (signer first, then intermediates) is a certificate that may sign documents at
 * `at`: it chains to `trustAnchors` (core/pki path validation: CA flags, path length, signatures,
 * critical extensions), every certificate of the path is valid at `at`, and the signer's key usage
 * and extended key usage allow document signing — the same rules verification applies.
 * @throws HocbaError SCHEMA_INVALID (not a certificate) or the CERT_* code of the first failure.
 */
export async function checkSignerCertificate(
  pem: string,
  deps: Pick<IssuerDeps, "trustAnchors" | "crypto" | "certStatus">,
  at: Date,
): Promise<CertificateInfo> {
  const [signer, ...offered] = parseDer(pem, deps.crypto);
  const fail = (code: ErrorCode, message: string): never => {
    throw new HocbaError(code, message, {
      details: { fingerprint: signer!.fingerprint, subject: signer!.subject },
    });
  };
  const outcome = await validateChain(signer!, offered, deps.trustAnchors, keyRingFor(deps.crypto));
  if (outcome.failure !== undefined) fail(outcome.failure.code, outcome.failure.message);
  const path = outcome.paths[0]!;
  const invalidAt = validityFailure(path, at);
  if (invalidAt !== undefined) fail(invalidAt.code, invalidAt.message);
  if (deps.certStatus !== undefined) {
    try {
      await assertPathStatus(deps.certStatus, path);
    } catch (error) {
      if (isHocbaError(error)) fail(error.code, error.message);
      throw error;
    }
  }
  const misused = signingUseFailure(signer!);
  if (misused !== undefined) fail(misused.code, misused.message);
  return signer!;
}

/**
 * Checks every certificate of a request; throws one error naming each bad one (its index, code,
 * message), with the code of the first.
 */
async function acceptCertificates(
  deps: IssuerDeps,
  inputs: readonly CertificateInput[],
  at: Date,
  path: string,
): Promise<AcceptedCertificate[]> {
  const accepted: AcceptedCertificate[] = [];
  const problems: CertificateProblem[] = [];
  for (const [index, input] of inputs.entries()) {
    const pem = typeof input === "string" ? input : input?.pem;
    const role =
      typeof input === "string" ? DEFAULT_CERTIFICATE_ROLE : (input?.role ?? DEFAULT_CERTIFICATE_ROLE);
    if (typeof pem !== "string") {
      problems.push({
        index,
        code: "SCHEMA_INVALID",
        message: "a certificate is a PEM string or {pem, role}",
      });
      continue;
    }
    if (typeof role !== "string" || !ROLE_PATTERN.test(role)) {
      problems.push({
        index,
        code: "SCHEMA_INVALID",
        message: "role must be a lowercase word, e.g. principal",
      });
      continue;
    }
    try {
      const info = await checkSignerCertificate(pem, deps, at);
      if (accepted.some((other) => other.fingerprint === info.fingerprint)) {
        problems.push({
          index,
          code: "SCHEMA_INVALID",
          message: "the same certificate is listed twice",
          fingerprint: info.fingerprint,
          subject: info.subject,
        });
        continue;
      }
      accepted.push({ fingerprint: info.fingerprint, subject: info.subject, role, der: info.der });
    } catch (error) {
      if (!isHocbaError(error)) throw error;
      const about = error.details as { fingerprint?: string; subject?: string } | undefined;
      problems.push({ index, code: error.code, message: error.message, ...about });
    }
  }
  const first = problems[0];
  if (first !== undefined) {
    const message =
      problems.length === 1
        ? `certificate ${first.index + 1}: ${first.message}`
        : `${problems.length} certificates refused; certificate ${first.index + 1}: ${first.message}`;
    throw new HocbaError(first.code, message, {
      details: problems.map((p) => ({ path: `${path}/${p.index}`, ...p })),
    });
  }
  return accepted;
}

function checkCertificateCount(
  certificates: unknown,
  min: number,
  path: string,
): readonly CertificateInput[] {
  if (!Array.isArray(certificates) || certificates.length < min || certificates.length > MAX_CERTIFICATES)
    throw schemaError(`${path.slice(1)} must list ${min}–${MAX_CERTIFICATES} certificates`, path);
  return certificates as CertificateInput[];
}

async function insertCertificates(
  tx: Queryable,
  code: string,
  certificates: readonly AcceptedCertificate[],
  at: Date,
): Promise<void> {
  for (const certificate of certificates) {
    await tx.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [code, certificate.fingerprint, certificate.der, certificate.subject, certificate.role, at],
    );
    await tx.query(
      "INSERT INTO issuer_certificate_changes (issuer_code, fingerprint, action) VALUES ($1, $2, 'add')",
      [code, certificate.fingerprint],
    );
  }
}

const publicCertificate = ({ fingerprint, subject, role }: RegisteredCertificate): RegisteredCertificate => ({
  fingerprint,
  subject,
  role,
});

/**
 * Registers a school, district office or department with its signing certificates and creates its
 * API key. A department lists its former district offices (`districts`); a district office
 * registered later names its department (`department`): that is how the service knows which
 * graduation records a department may import and correct (docs/graduates.md).
 * @throws HocbaError SCHEMA_INVALID (bad input, an unknown district or department), CERT_* (a
 *   certificate that cannot sign, with a detail per certificate), CONFLICT (the code is taken, or a
 *   listed district already belongs to another department).
 * @example
 * const { apiKey } = await registerIssuer(deps, { kind: "school", code: "79000701",
 *   name: "Trường THCS Nguyễn Du", certificates: [principalPem] }, "admin");
 */
export async function registerIssuer(
  deps: IssuerDeps,
  input: RegisterIssuerInput,
  actor: string,
): Promise<RegisteredIssuer> {
  if (!isIssuerKind(input.kind))
    throw schemaError(`kind must be one of ${ISSUER_KINDS.map((k) => `"${k}"`).join(", ")}`, "/kind");
  const code = checkCode(input.code);
  const links = checkLinks(input);
  if (typeof input.name !== "string" || input.name.trim() === "" || input.name !== input.name.trim())
    throw schemaError("name must be non-empty text without surrounding spaces", "/name");
  if (input.name.normalize("NFC") !== input.name)
    throw schemaError("name must be in Unicode NFC (precomposed Vietnamese letters)", "/name");
  const requiredRoles = checkRequiredRoles(input.requiredRoles, "/requiredRoles");
  const at = (deps.now ?? (() => new Date()))();
  const certificates = await acceptCertificates(
    deps,
    checkCertificateCount(input.certificates, 1, "/certificates"),
    at,
    "/certificates",
  );
  return deps.db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO issuers (code, kind, name, required_roles) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO NOTHING`,
      [code, input.kind, input.name, requiredRoles],
    );
    if (inserted.rowCount === 0) throw new HocbaError("CONFLICT", `issuer ${code} is already registered`);
    await linkDepartment(tx, code, links);
    await insertCertificates(tx, code, certificates, at);
    const key = await createApiKey(tx, { kind: "issuer", issuerCode: code, actor });
    await audit(tx, actor, "issuer.registered", code, {
      kind: input.kind,
      name: input.name,
      apiKeyId: key.id,
      certificates: certificates.map(publicCertificate),
      requiredRoles,
      ...links,
    });
    return {
      code,
      kind: input.kind,
      name: input.name,
      apiKey: key.key,
      certificates: certificates.map(publicCertificate),
      requiredRoles,
      ...links,
    };
  });
}

/**
 * The department links a registration may carry: a department's `districts` (0–100 distinct
 * codes), a district office's `department` (a code, or none); nothing for a school.
 * @throws HocbaError SCHEMA_INVALID.
 */
/** A registration's department links: a department's districts, or a district's department. */
interface DepartmentLinks {
  districts?: string[];
  department?: string | null;
}

function checkLinks(input: RegisterIssuerInput): DepartmentLinks {
  const { districts, department } = input;
  if (input.kind !== "department" && districts !== undefined)
    throw schemaError("only a department lists former districts", "/districts");
  if (input.kind !== "district" && department !== undefined)
    throw schemaError("only a district office names its department", "/department");
  if (input.kind === "district")
    return { department: department === undefined ? null : checkCode(department, "/department") };
  if (input.kind !== "department") return {};
  if (districts === undefined) return { districts: [] };
  if (!Array.isArray(districts) || districts.length > MAX_DEPARTMENT_DISTRICTS)
    throw schemaError(`districts must list at most ${MAX_DEPARTMENT_DISTRICTS} district codes`, "/districts");
  const codes = (districts as unknown[]).map((d, i) => checkCode(d, `/districts/${i}`));
  if (new Set(codes).size !== codes.length) throw schemaError("a district is listed twice", "/districts");
  return { districts: codes };
}

/** At most this many former districts per department (a province had up to ~30). */
export const MAX_DEPARTMENT_DISTRICTS = 100;

/**
 * Writes a registration's department links: each former district of a new department, or the
 * department of a new district office. Every district named must be a registered district office
 * of no other department; a department named must be a registered department.
 * @throws HocbaError SCHEMA_INVALID (not a registered district / department), CONFLICT (a district
 *   of another department).
 */
async function linkDepartment(tx: Queryable, code: string, links: DepartmentLinks): Promise<void> {
  if (links.department !== undefined && links.department !== null) {
    const { rows } = await tx.query<{ kind: string }>("SELECT kind FROM issuers WHERE code = $1", [
      links.department,
    ]);
    if (rows[0]?.kind !== "department")
      throw schemaError(`${links.department} is not a registered department`, "/department");
    await tx.query("UPDATE issuers SET department_code = $2 WHERE code = $1", [code, links.department]);
  }
  for (const [index, district] of (links.districts ?? []).entries()) {
    const { rows } = await tx.query<{ kind: string; department_code: string | null }>(
      "SELECT kind, department_code FROM issuers WHERE code = $1 FOR UPDATE",
      [district],
    );
    const row = rows[0];
    if (row?.kind !== "district")
      throw schemaError(`${district} is not a registered district office`, `/districts/${index}`);
    if (row.department_code !== null)
      throw new HocbaError(
        "CONFLICT",
        `district ${district} is already a former district of ${row.department_code}`,
        { details: [{ path: `/districts/${index}`, code: "CONFLICT", department: row.department_code }] },
      );
    await tx.query("UPDATE issuers SET department_code = $2 WHERE code = $1", [district, code]);
  }
}

/**
 * Sets the roles an issuer's documents must carry together (`null`: back to REQUIRED_SIGNER_ROLES),
 * audited with the roles before and after. Documents already accepted stay accepted.
 * @throws HocbaError NOT_FOUND, SCHEMA_INVALID.
 * @example
 * await setRequiredRoles(db, "79000701", ["principal", "organisation"], "admin");
 */
export async function setRequiredRoles(
  db: Database,
  code: string,
  roles: readonly string[] | null,
  actor: string,
): Promise<{ code: string; requiredRoles: string[] | null }> {
  checkCode(code);
  const requiredRoles = checkRequiredRoles(roles, "/requiredRoles");
  return db.transaction(async (tx) => {
    const before = await existingIssuer(tx, code, true);
    await tx.query("UPDATE issuers SET required_roles = $2 WHERE code = $1", [code, requiredRoles]);
    await audit(tx, actor, "issuer.required_roles_changed", code, {
      before: before.requiredRoles,
      after: requiredRoles,
    });
    return { code, requiredRoles };
  });
}

export interface CertificateChanges {
  add?: readonly CertificateInput[];
  /** Fingerprints (0x + 64 hex) of active certificates to remove. */
  remove?: readonly string[];
}

const FINGERPRINT_PATTERN = new RegExp(HEX32_PATTERN);

/**
 * Key rotation: removes and adds signing certificates of a registered issuer (removals first, so a
 * certificate may be removed and re-added in one call), journalled for the on-chain registry.
 * Returns the issuer's active certificates afterwards.
 * @throws HocbaError NOT_FOUND (unknown issuer, or a fingerprint that is not active), CONFLICT (an
 *   added certificate is already active), SCHEMA_INVALID, CERT_*.
 */
export async function changeIssuerCertificates(
  deps: IssuerDeps,
  code: string,
  changes: CertificateChanges,
  actor: string,
): Promise<RegisteredCertificate[]> {
  checkCode(code);
  const add = changes.add === undefined ? [] : checkCertificateCount(changes.add, 0, "/add");
  const remove: readonly string[] = changes.remove ?? [];
  if (!Array.isArray(changes.remove ?? []) || remove.length > MAX_CERTIFICATES)
    throw schemaError(`remove must list at most ${MAX_CERTIFICATES} fingerprints`, "/remove");
  for (const [index, fingerprint] of remove.entries()) {
    if (typeof fingerprint !== "string" || !FINGERPRINT_PATTERN.test(fingerprint))
      throw schemaError("a fingerprint is 0x and 64 lowercase hex digits", `/remove/${index}`);
  }
  if (new Set(remove).size !== remove.length) throw schemaError("a fingerprint is listed twice", "/remove");
  if (add.length === 0 && remove.length === 0) throw schemaError("nothing to add or remove", "");
  const at = (deps.now ?? (() => new Date()))();
  const added = await acceptCertificates(deps, add, at, "/add");
  return deps.db.transaction(async (tx) => {
    await existingIssuer(tx, code, true);
    for (const fingerprint of remove) {
      const { rowCount } = await tx.query(
        `UPDATE issuer_certificates SET removed_at = $3
          WHERE issuer_code = $1 AND fingerprint = $2 AND removed_at IS NULL`,
        [code, fingerprint, at],
      );
      if (rowCount === 0)
        throw new HocbaError(
          "NOT_FOUND",
          `certificate ${fingerprint} is not an active certificate of ${code}`,
        );
      await tx.query(
        "INSERT INTO issuer_certificate_changes (issuer_code, fingerprint, action) VALUES ($1, $2, 'remove')",
        [code, fingerprint],
      );
    }
    const { rows: active } = await tx.query<{ fingerprint: string }>(
      "SELECT fingerprint FROM issuer_certificates WHERE issuer_code = $1 AND removed_at IS NULL",
      [code],
    );
    const taken = added.find((certificate) =>
      active.some((row) => row.fingerprint === certificate.fingerprint),
    );
    if (taken !== undefined)
      throw new HocbaError("CONFLICT", `certificate ${taken.fingerprint} is already active for ${code}`);
    await insertCertificates(tx, code, added, at);
    await audit(tx, actor, "issuer.certificates_changed", code, {
      added: added.map(publicCertificate),
      removed: [...remove],
    });
    const { rows } = await tx.query<RegisteredCertificate>(
      `SELECT fingerprint, subject, role FROM issuer_certificates
        WHERE issuer_code = $1 AND removed_at IS NULL ORDER BY id`,
      [code],
    );
    return rows;
  });
}

/**
 * A new API key for a registered issuer, revoking every key it had (a lost or leaked key). The
 * new key is returned once.
 * @throws HocbaError NOT_FOUND.
 */
export async function rotateApiKey(
  db: Database,
  code: string,
  actor: string,
): Promise<{ code: string; apiKey: string; revoked: number }> {
  checkCode(code);
  return db.transaction(async (tx) => {
    await existingIssuer(tx, code, true);
    const { rows } = await tx.query<{ id: string }>(
      "SELECT id FROM api_keys WHERE issuer_code = $1 AND revoked_at IS NULL ORDER BY created_at",
      [code],
    );
    for (const row of rows) await revokeApiKey(tx, row.id, actor);
    const key = await createApiKey(tx, { kind: "issuer", issuerCode: code, actor });
    await audit(tx, actor, "issuer.api_key_rotated", code, {
      apiKeyId: key.id,
      revoked: rows.map((r) => r.id),
    });
    return { code, apiKey: key.key, revoked: rows.length };
  });
}

export interface OnChainState {
  state: "pending" | "submitted" | "confirmed";
  txHash: string | null;
  blockNumber: number | null;
  lastError: string | null;
}

export interface IssuerCertificateRecord extends RegisteredCertificate {
  addedAt: string;
  removedAt: string | null;
  /** The registry writes of this interval: its addition, and its removal once removed. */
  onChain: { add: OnChainState | null; remove: OnChainState | null };
}

export interface IssuerRecord {
  code: string;
  kind: IssuerKind;
  name: string;
  createdAt: string;
  /** The roles its documents require; null: the service's REQUIRED_SIGNER_ROLES. */
  requiredRoles: string[] | null;
  /** A department's former district offices, by code (departments only). */
  districts?: string[];
  /** A district office's department, null when it has none (districts only). */
  department?: string | null;
  certificates: IssuerCertificateRecord[];
}

interface ChangeRow {
  fingerprint: string;
  action: "add" | "remove";
  state: OnChainState["state"];
  tx_hash: string | null;
  block_number: number | null;
  last_error: string | null;
}

/**
 * An issuer with every certificate interval (active and removed) and its on-chain state. The
 * n-th interval of a fingerprint belongs to its n-th 'add' (and n-th 'remove') journal entry; the
 * latest interval to the latest ones.
 * @throws HocbaError NOT_FOUND.
 */
export async function getIssuer(db: Queryable, code: string): Promise<IssuerRecord> {
  checkCode(code);
  const issuer = await existingIssuer(db, code);
  const districts =
    issuer.kind === "department" ? [...(await districtsOfDepartment(db, code)).keys()] : undefined;
  const certificates = await db.query<{
    fingerprint: string;
    subject: string;
    role: string;
    added_at: Date;
    removed_at: Date | null;
  }>(
    `SELECT fingerprint, subject, role, added_at, removed_at FROM issuer_certificates
      WHERE issuer_code = $1 ORDER BY id`,
    [code],
  );
  const changes = await db.query<ChangeRow>(
    `SELECT fingerprint, action, state, tx_hash, block_number, last_error FROM issuer_certificate_changes
      WHERE issuer_code = $1 ORDER BY id`,
    [code],
  );
  const queues = new Map<string, ChangeRow[]>();
  for (const change of changes.rows) {
    const key = `${change.action}:${change.fingerprint}`;
    queues.set(key, [...(queues.get(key) ?? []), change]);
  }
  const lastInterval = new Map(certificates.rows.map((row, index) => [row.fingerprint, index]));
  // Earlier intervals take their changes in order; the latest takes the latest change, which also
  // covers a change queued again by reconcileIssuerCertificates after the chain lost its state.
  const take = (action: "add" | "remove", fingerprint: string, index: number): OnChainState | null => {
    const queue = queues.get(`${action}:${fingerprint}`);
    const change = lastInterval.get(fingerprint) === index ? queue?.pop() : queue?.shift();
    return change === undefined
      ? null
      : {
          state: change.state,
          txHash: change.tx_hash,
          blockNumber: change.block_number,
          lastError: change.last_error,
        };
  };
  return {
    code: issuer.code,
    kind: issuer.kind,
    name: issuer.name,
    createdAt: issuer.createdAt.toISOString(),
    requiredRoles: issuer.requiredRoles,
    ...(districts === undefined ? {} : { districts }),
    ...(issuer.kind === "district" ? { department: issuer.departmentCode } : {}),
    certificates: certificates.rows.map((row, index) => ({
      fingerprint: row.fingerprint,
      subject: row.subject,
      role: row.role,
      addedAt: row.added_at.toISOString(),
      removedAt: row.removed_at?.toISOString() ?? null,
      onChain: {
        add: take("add", row.fingerprint, index),
        remove: row.removed_at === null ? null : take("remove", row.fingerprint, index),
      },
    })),
  };
}

/** `getIssuer` for the admin's view; the read is audited (issuer.viewed). @throws HocbaError NOT_FOUND. */
export async function viewIssuer(db: Queryable, code: string, actor: string): Promise<IssuerRecord> {
  const issuer = await getIssuer(db, code);
  await audit(db, actor, "issuer.viewed", issuer.code);
  return issuer;
}
