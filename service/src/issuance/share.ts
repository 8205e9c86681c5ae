/**
 * Share tokens: a link a graduate can hand to a university so it fetches the credential without
 * an account (issue 6). The token is a 256-bit random secret shown once; only its
 * SHA-256 is stored, beside a public id the school uses to revoke it. A token opens exactly one
 * document; an unknown, revoked or other-document token is NOT_FOUND, the same answer as a missing
 * document, so the endpoint is no oracle for either.
 */
import { randomBytes } from "node:crypto";
import type { Database, Queryable } from "./ports";
import { randomSecret, sha256Hex } from "../auth/secrets";
import { HocbaError } from "../core/errors";
import { visibleRecord, type IssuerActor } from "./records";
import { audit } from "./stores/audit";

export interface NewShareToken {
  tokenId: string;
  /** The secret itself: returned once, never stored. */
  token: string;
}

/** Runs `fn` in a transaction once `caller` may see document `id` (NOT_FOUND otherwise). */
function onVisibleDocument<T>(
  db: Database,
  caller: IssuerActor,
  id: string,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await visibleRecord(tx, caller, id);
    return fn(tx);
  });
}

/** Creates a share token for document `id` (its school or the admin); audited. */
export async function createShareToken(
  db: Database,
  caller: IssuerActor,
  id: string,
): Promise<NewShareToken> {
  return onVisibleDocument(db, caller, id, async (tx) => {
    const tokenId = randomBytes(8).toString("hex");
    const token = randomSecret();
    await tx.query(
      "INSERT INTO share_tokens (id, token_hash, document_id, created_by) VALUES ($1, $2, $3, $4)",
      [tokenId, sha256Hex(token), id, caller.actor],
    );
    await audit(tx, caller.actor, "share_token.created", id, { tokenId });
    return { tokenId, token };
  });
}

/** Revokes share token `tokenId` of document `id`; NOT_FOUND if there is no such active token. */
export async function revokeShareToken(
  db: Database,
  caller: IssuerActor,
  id: string,
  tokenId: string,
): Promise<void> {
  await onVisibleDocument(db, caller, id, async (tx) => {
    const { rowCount } = await tx.query(
      "UPDATE share_tokens SET revoked_at = now() WHERE id = $1 AND document_id = $2 AND revoked_at IS NULL",
      [tokenId, id],
    );
    if (rowCount === 0)
      throw new HocbaError("NOT_FOUND", `no active share token ${tokenId} for document ${id}`);
    await audit(tx, caller.actor, "share_token.revoked", id, { tokenId });
  });
}

/** The public id of the active token `token` for document `id`; NOT_FOUND otherwise. */
export async function shareTokenFor(db: Queryable, id: string, token: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM share_tokens WHERE token_hash = $1 AND document_id = $2 AND revoked_at IS NULL",
    [sha256Hex(token), id],
  );
  if (!rows[0]) throw new HocbaError("NOT_FOUND", `no document ${id}`);
  return rows[0].id;
}
