/**
 * API key storage: create (the key is returned once), authenticate, revoke. Every creation and
 * revocation is written to the audit log in the same transaction.
 */
import type { Database, Queryable } from "../issuance/ports";
import { HocbaError } from "../core/errors";
import type { IssuerKind } from "../core/issuer-kinds";
import { coalesced, type FetchMany } from "../issuance/coalesce";
import { audit } from "../issuance/stores/audit";
import { newApiKey, parseApiKey, safeEqual, sha256Hex, type ApiKeyKind } from "./secrets";

export type { IssuerKind };

export interface ApiKeyPrincipal {
  keyId: string;
  kind: ApiKeyKind;
  /** The school, district office or department the key acts for (issuer keys only). */
  issuerCode: string | null;
  /** That issuer's kind (issuer keys only). */
  issuerKind: IssuerKind | null;
}

export interface CreateApiKeyInput {
  kind: ApiKeyKind;
  issuerCode?: string;
  label?: string;
  actor: string;
}

/** Creates a key; the returned `key` is the only copy that will ever exist. Pass a transaction. */
export async function createApiKey(
  db: Queryable,
  input: CreateApiKeyInput,
): Promise<{ id: string; key: string }> {
  const { id, key, secretHash } = newApiKey(input.kind);
  await db.query(
    "INSERT INTO api_keys (id, kind, issuer_code, secret_hash, label) VALUES ($1, $2, $3, $4, $5)",
    [id, input.kind, input.issuerCode ?? null, secretHash, input.label ?? null],
  );
  await audit(db, input.actor, "api_key.created", id, {
    kind: input.kind,
    issuerCode: input.issuerCode ?? null,
  });
  return { id, key };
}

interface ApiKeyRow {
  id: string;
  kind: ApiKeyKind;
  issuer_code: string | null;
  issuer_kind: IssuerKind | null;
  secret_hash: string;
}

/** The active keys among `ids`, in one query. */
const activeKeys =
  (db: Queryable): FetchMany<string, ApiKeyRow> =>
  async (ids) => {
    const { rows } = await db.query<ApiKeyRow>(
      `SELECT k.id, k.kind, k.issuer_code, i.kind AS issuer_kind, k.secret_hash
         FROM api_keys k LEFT JOIN issuers i ON i.code = k.issuer_code
        WHERE k.id = ANY($1::text[]) AND k.revoked_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  };

/** The principal of `presented` given its key's row (undefined: unknown, revoked or a wrong secret). */
function principalOfKey(
  parsed: NonNullable<ReturnType<typeof parseApiKey>>,
  row: ApiKeyRow | undefined,
): ApiKeyPrincipal | undefined {
  if (!row || row.kind !== parsed.kind || !safeEqual(row.secret_hash, sha256Hex(parsed.secret)))
    return undefined;
  return { keyId: parsed.id, kind: row.kind, issuerCode: row.issuer_code, issuerKind: row.issuer_kind };
}

/** The principal a presented key stands for, or undefined if it is unknown, wrong or revoked. */
export async function authenticateApiKey(
  db: Queryable,
  presented: string,
): Promise<ApiKeyPrincipal | undefined> {
  const parsed = parseApiKey(presented);
  if (!parsed) return undefined;
  return principalOfKey(parsed, (await activeKeys(db)([parsed.id])).get(parsed.id));
}

/**
 * `authenticateApiKey` for a server: keys presented while a look-up is in flight are looked up
 * together in the next query (coalesce.ts) — each answer still from a query made after the key was
 * presented, so a revoked key is refused exactly as soon.
 */
export function apiKeyAuthenticator(
  db: Queryable,
): (presented: string) => Promise<ApiKeyPrincipal | undefined> {
  const rowOf = coalesced(activeKeys(db), (id: string) => id);
  return async (presented) => {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    return principalOfKey(parsed, await rowOf(parsed.id));
  };
}

/** Revokes a key; true if it was active. Pass a transaction. */
export async function revokeApiKey(db: Queryable, id: string, actor: string): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    [id],
  );
  if (rowCount > 0) {
    await audit(db, actor, "api_key.revoked", id);
  }
  return rowCount > 0;
}

/**
 * A verifier key for a university or employer: it lifts the public rate limits of the verify
 * routes and opens nothing else. Created by the admin; the key is returned once.
 */
export async function createVerifierKey(
  db: Database,
  label: string,
  actor: string,
): Promise<{ id: string; label: string; apiKey: string }> {
  return db.transaction(async (tx) => {
    const { id, key } = await createApiKey(tx, { kind: "verifier", label, actor });
    return { id, label, apiKey: key };
  });
}

/** Revokes verifier key `id`; NOT_FOUND unless it is an active verifier key. */
export async function revokeVerifierKey(db: Database, id: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query(
      "SELECT id FROM api_keys WHERE id = $1 AND kind = 'verifier' AND revoked_at IS NULL FOR UPDATE",
      [id],
    );
    if (rows.length === 0 || !(await revokeApiKey(tx, id, actor)))
      throw new HocbaError("NOT_FOUND", `no active verifier key ${id}`);
  });
}
