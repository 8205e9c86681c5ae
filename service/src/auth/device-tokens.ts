/**
 * Device tokens (docs/school-signing.md): a signed-in person makes one in the workspace for a
 * signing station, where `hocba sign-pending` presents it (from HOCBA_DEVICE_TOKEN, never the
 * command line) to act as that person on the drafts routes only. The token is shown once; only its
 * SHA-256 is kept. It ends at its expiry or when the person revokes it; what it may do is decided by
 * the person's roles at the time of each request. Making, using for the first time and revoking a
 * token are audited; the token itself never is.
 */
import { randomUUID } from "node:crypto";
import { matches, UUID_PATTERN } from "../core/encoding";
import { HocbaError } from "../core/errors";
import type { Database, Queryable } from "../issuance/ports";
import { audit } from "../issuance/stores/audit";
import { randomSecret, sha256Hex } from "./secrets";
import { staffActor, type StaffPerson } from "./staff";

/** What every device token starts with (so the auth layer tells it from an API key). */
export const DEVICE_TOKEN_PREFIX = "hocba_d_";
const TOKEN = /^hocba_d_[A-Za-z0-9_-]{43}$/;
export const MAX_TOKENS_PER_PERSON = 20;

export interface DeviceToken {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface Row {
  id: string;
  label: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function view(row: Row): DeviceToken {
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/**
 * Makes a device token for `person`; the token is in the answer only.
 * @throws HocbaError CONFLICT when the person already has MAX_TOKENS_PER_PERSON live tokens.
 */
export async function createDeviceToken(
  db: Database,
  person: StaffPerson & { name: string },
  input: { label: string; expiresInDays: number },
): Promise<DeviceToken & { token: string }> {
  const token = DEVICE_TOKEN_PREFIX + randomSecret();
  return db.transaction(async (tx) => {
    const { rows: live } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staff_device_tokens
        WHERE issuer = $1 AND subject = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [person.issuer, person.subject],
    );
    if (live[0]!.n >= MAX_TOKENS_PER_PERSON)
      throw new HocbaError(
        "CONFLICT",
        `you already have ${MAX_TOKENS_PER_PERSON} device tokens: revoke one you no longer use`,
      );
    const { rows } = await tx.query<Row>(
      `INSERT INTO staff_device_tokens (id, token_hash, issuer, subject, name, label, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 day')
       RETURNING id, label, created_at, expires_at, last_used_at, revoked_at`,
      [
        randomUUID(),
        sha256Hex(token),
        person.issuer,
        person.subject,
        person.name,
        input.label,
        input.expiresInDays,
      ],
    );
    const made = view(rows[0]!);
    await audit(tx, staffActor(person), "device_token.created", made.id, {
      label: input.label,
      expiresAt: made.expiresAt,
    });
    return { ...made, token };
  });
}

/** The person's device tokens, newest first (no token value: it was shown once). */
export async function listDeviceTokens(db: Queryable, person: StaffPerson): Promise<DeviceToken[]> {
  const { rows } = await db.query<Row>(
    `SELECT id, label, created_at, expires_at, last_used_at, revoked_at FROM staff_device_tokens
      WHERE issuer = $1 AND subject = $2 ORDER BY created_at DESC, id`,
    [person.issuer, person.subject],
  );
  return rows.map(view);
}

/** Revokes one of the person's tokens; another person's (or an unknown) id is NOT_FOUND. */
export async function revokeDeviceToken(db: Database, person: StaffPerson, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rowCount } = matches(UUID_PATTERN, id)
      ? await tx.query(
          `UPDATE staff_device_tokens SET revoked_at = now()
            WHERE id = $1 AND issuer = $2 AND subject = $3 AND revoked_at IS NULL`,
          [id, person.issuer, person.subject],
        )
      : { rowCount: 0 };
    if (rowCount === 0) throw new HocbaError("NOT_FOUND", `no live device token ${id} of yours`);
    await audit(tx, staffActor(person), "device_token.revoked", id);
  });
}

/**
 * The person a presented device token stands for; DEVICE_TOKEN_INVALID when it is malformed, unknown,
 * revoked or expired (one answer for all, so the token's existence leaks nothing).
 */
export async function authenticateDeviceToken(
  db: Queryable,
  token: string,
): Promise<StaffPerson & { name: string; tokenId: string; expiresAt: Date }> {
  const refused = new HocbaError("DEVICE_TOKEN_INVALID", "invalid, revoked or expired device token");
  if (!TOKEN.test(token)) throw refused;
  const { rows } = await db.query<{
    id: string;
    issuer: string;
    subject: string;
    name: string;
    expires_at: Date;
    first_use: boolean;
  }>(
    `UPDATE staff_device_tokens t SET last_used_at = now()
       FROM (SELECT id, last_used_at IS NULL AS first_use FROM staff_device_tokens WHERE token_hash = $1) o
      WHERE t.id = o.id AND t.revoked_at IS NULL AND t.expires_at > now()
      RETURNING t.id, t.issuer, t.subject, t.name, t.expires_at, o.first_use`,
    [sha256Hex(token)],
  );
  const row = rows[0];
  if (!row) throw refused;
  const person = { issuer: row.issuer, subject: row.subject };
  if (row.first_use) await audit(db, staffActor(person), "device_token.first_used", row.id);
  return { ...person, name: row.name, tokenId: row.id, expiresAt: new Date(row.expires_at) };
}
