/**
 * Revocation (docs/decisions.md): the school (own documents) or the admin revokes with a reason; the
 * document is revoked in the database at once and its leaf goes on chain with `revokeBatch`, with
 * the same write-ahead discipline as anchoring:
 *
 *   revokeDocument      document.revoked_at + a `revocations` row           (state pending)
 *   submitRevocations   check the registry, sign revokeBatch, RECORD, send   (state submitted)
 *   confirmRevocations  receipt + CHAIN_CONFIRMATIONS                        (state confirmed)
 *
 * `revokePending` runs the two chain steps in every anchoring round; `reconcileRevocations` runs
 * at start-up beside reconcileWithChain and sends again any revocation a lost chain state dropped.
 *
 * Policy decisions:
 * - A leaf goes on chain in the next round whether or not its batch is anchored yet. The registry
 *   accepts any leaf, and revoking at once leaves no moment in which an anchored but revoked
 *   document verifies as valid (waiting for the anchor would open exactly that window).
 * - The on-chain reason is never the free text (it may hold personal data; the chain keeps it
 *   forever): it is a fixed code from ON_CHAIN_REASONS, `bytes32("revoked")`. The text stays in
 *   the database (documents.revocation_reason).
 * - Nothing is revoked twice: before signing, and before re-sending a transaction that was not
 *   mined, the registry's `revokedAt` is read; a leaf the chain already holds as revoked is marked
 *   confirmed and left out (the contract reverts a whole batch containing a revoked leaf).
 */
import { encodeBytes32String } from "ethers";
import type { Database, Queryable } from "../adapters/db/database";
import { HocbaError } from "../core/errors";
import type { AnchoringDeps } from "./anchoring";
import { withSigner } from "./chain-writer";
import { visibleRecord, type Caller } from "./records";

/** The reason codes written on chain, by the name stored in revocations.reason. */
export const ON_CHAIN_REASONS = { revoked: encodeBytes32String("revoked") } as const;
export type OnChainReason = keyof typeof ON_CHAIN_REASONS;

/** Leaves per revokeBatch transaction (gas grows ~40k a leaf; this stays far below a block). */
export const MAX_LEAVES_PER_REVOCATION = 200;

export interface RevocationDeps extends Omit<AnchoringDeps, "maxBatch"> {
  maxLeaves?: number;
}

export interface Revoked {
  id: string;
  status: "revoked";
  revokedAt: Date;
}

/**
 * Revokes document `id` for `caller` with a free-text `reason` (kept in the database only).
 * @throws HocbaError NOT_FOUND (unknown or another school's), CONFLICT (already revoked).
 */
export async function revokeDocument(
  db: Database,
  caller: Caller,
  id: string,
  reason: string,
): Promise<Revoked> {
  return db.transaction(async (tx) => {
    const record = await visibleRecord(tx, caller, id);
    const { rows } = await tx.query<{ revoked_at: Date }>(
      `UPDATE documents SET revoked_at = now(), revocation_reason = $2
        WHERE id = $1 AND revoked_at IS NULL RETURNING revoked_at`,
      [id, reason],
    );
    const row = rows[0];
    if (!row) throw new HocbaError("CONFLICT", `document ${id} is already revoked`);
    const code: OnChainReason = "revoked";
    await tx.query("INSERT INTO revocations (leaf, reason, requested_by) VALUES ($1, $2, $3)", [
      record.leaf,
      code,
      caller.actor,
    ]);
    await tx.query(
      "INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, 'document.revoked', $2, $3)",
      [caller.actor, id, { reason, leaf: record.leaf }],
    );
    return { id, status: "revoked", revokedAt: row.revoked_at };
  });
}

async function markRevokedOnChain(db: Queryable, leaves: string[], times: number[]): Promise<void> {
  if (leaves.length === 0) return;
  await db.query(
    `UPDATE revocations r SET state = 'confirmed', revoked_at = to_timestamp(v.t), tx_hash = NULL, tx_nonce = NULL,
       raw_tx = NULL, last_error = NULL, updated_at = now()
       FROM unnest($1::text[], $2::float8[]) AS v(leaf, t) WHERE r.leaf = v.leaf AND r.state <> 'confirmed'`,
    [leaves, times],
  );
}

/** Splits `leaves` by the registry's state: those already revoked (marked confirmed) and the rest. */
async function excludeRevoked(db: Queryable, deps: RevocationDeps, leaves: string[]): Promise<string[]> {
  const times: number[] = [];
  for (const leaf of leaves) times.push(await deps.chain.revokedAt(leaf));
  const done = leaves.filter((_, i) => times[i]! > 0);
  if (done.length > 0) {
    await markRevokedOnChain(
      db,
      done,
      times.filter((t) => t > 0),
    );
    deps.log?.("revocation.already_on_chain", { leaves: done });
  }
  return leaves.filter((_, i) => times[i] === 0);
}

async function recordError(db: Database, txHash: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.query("UPDATE revocations SET last_error = $2, updated_at = now() WHERE tx_hash = $1", [
    txHash,
    message.slice(0, 500),
  ]);
}

/**
 * Signs, records and broadcasts revokeBatch transactions for pending revocations, at most
 * `maxLeaves` leaves each. Returns how many leaves were sent. Only one worker signs at a time.
 */
export async function submitRevocations(deps: RevocationDeps): Promise<number> {
  const limit = deps.maxLeaves ?? MAX_LEAVES_PER_REVOCATION;
  let sent = 0;
  for (;;) {
    const signed = await withSigner(deps.db, deps.chain, async (tx, sign) => {
      const { rows } = await tx.query<{ leaf: string }>(
        "SELECT leaf FROM revocations WHERE state = 'pending' ORDER BY created_at, leaf LIMIT $1 FOR UPDATE",
        [limit],
      );
      if (rows.length === 0) return null;
      const leaves = await excludeRevoked(
        tx,
        deps,
        rows.map((r) => r.leaf),
      );
      if (leaves.length === 0) return { leaves };
      const signedTx = await sign("revokeBatch", [leaves, ON_CHAIN_REASONS.revoked]);
      await tx.query(
        `UPDATE revocations SET state = 'submitted', tx_hash = $2, tx_nonce = $3, raw_tx = $4,
           attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE leaf = ANY($1::text[])`,
        [leaves, signedTx.txHash, signedTx.nonce, signedTx.rawTx],
      );
      return { leaves, ...signedTx };
    });
    if (!signed) return sent;
    if (!("rawTx" in signed)) continue;
    try {
      await deps.chain.broadcast(signed.rawTx);
      deps.log?.("revocation.submitted", { leaves: signed.leaves.length, txHash: signed.txHash });
      sent += signed.leaves.length;
    } catch (error) {
      // Recorded but not sent: confirmRevocations re-broadcasts it once the chain answers.
      await recordError(deps.db, signed.txHash, error);
      throw error;
    }
  }
}

async function backToPending(db: Queryable, leaves: string[], reason: string): Promise<void> {
  await db.query(
    `UPDATE revocations SET state = 'pending', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, last_error = $2,
       updated_at = now() WHERE leaf = ANY($1::text[]) AND state = 'submitted'`,
    [leaves, reason],
  );
}

/**
 * Settles every submitted revocation transaction: confirmed once mined deep enough; otherwise the
 * leaves the registry already holds as revoked are confirmed and the rest re-broadcast (lost
 * transaction), or returned to pending to be signed again (reverted, or its nonce was taken).
 * Returns how many leaves were confirmed.
 */
export async function confirmRevocations(deps: RevocationDeps): Promise<number> {
  const { rows } = await deps.db.query<{ leaf: string; tx_hash: string; raw_tx: string }>(
    "SELECT leaf, tx_hash, raw_tx FROM revocations WHERE state = 'submitted' ORDER BY tx_nonce, leaf",
  );
  if (rows.length === 0) return 0;
  const byTx = new Map<string, { rawTx: string; leaves: string[] }>();
  for (const row of rows) {
    const entry = byTx.get(row.tx_hash) ?? { rawTx: row.raw_tx, leaves: [] };
    entry.leaves.push(row.leaf);
    byTx.set(row.tx_hash, entry);
  }
  const latest = await deps.chain.latestBlock();
  const needed = Math.max(1, deps.confirmations);
  let confirmed = 0;
  for (const [txHash, { rawTx, leaves }] of byTx) {
    const receipt = await deps.chain.receipt(txHash);
    if (receipt?.status === "success") {
      if (latest - receipt.blockNumber + 1 < needed) continue;
      const { rowCount } = await deps.db.query(
        `UPDATE revocations SET state = 'confirmed', block_number = $2, revoked_at = $3, raw_tx = NULL,
           last_error = NULL, updated_at = now() WHERE tx_hash = $1 AND state = 'submitted'`,
        [txHash, receipt.blockNumber, receipt.blockTime],
      );
      deps.log?.("revocation.confirmed", { txHash, leaves: rowCount, blockNumber: receipt.blockNumber });
      confirmed += rowCount;
      continue;
    }
    const rest = await excludeRevoked(deps.db, deps, leaves);
    confirmed += leaves.length - rest.length;
    if (rest.length === 0) continue;
    if (receipt?.status === "reverted") {
      await backToPending(deps.db, rest, `transaction ${txHash} reverted`);
      deps.log?.("revocation.reverted", { txHash });
      continue;
    }
    if ((await deps.chain.broadcast(rawTx)) === "stale-nonce") {
      await backToPending(deps.db, rest, `nonce of ${txHash} was used by another transaction`);
      deps.log?.("revocation.resign", { txHash });
    }
  }
  return confirmed;
}

/**
 * Start-up reconciliation, beside anchoring's reconcileWithChain: every revocation the database
 * holds as confirmed must be revoked on the registry. One the chain lacks (its state was lost)
 * goes back to pending to be sent again, and is reported and audited. Returns the lost leaves.
 */
export async function reconcileRevocations(deps: RevocationDeps): Promise<string[]> {
  const { rows } = await deps.db.query<{ leaf: string }>(
    "SELECT leaf FROM revocations WHERE state = 'confirmed' ORDER BY leaf",
  );
  const lost: string[] = [];
  for (const { leaf } of rows) if ((await deps.chain.revokedAt(leaf)) === 0) lost.push(leaf);
  if (lost.length === 0) return lost;
  await deps.db.transaction(async (tx) => {
    await tx.query(
      `UPDATE revocations SET state = 'pending', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
         revoked_at = NULL, last_error = 'revocation missing on chain', updated_at = now() WHERE leaf = ANY($1::text[])`,
      [lost],
    );
    await tx.query(
      `INSERT INTO audit_log (actor, action, subject) SELECT 'system', 'revocation.lost', leaf FROM unnest($1::text[]) AS leaf`,
      [lost],
    );
  });
  deps.log?.("revocation.lost", { leaves: lost });
  return lost;
}

/**
 * The revocation step of an anchoring round: sends what is pending and settles what was sent.
 * Costs one query when there is nothing to do.
 */
export async function revokePending(deps: AnchoringDeps): Promise<{ submitted: number; confirmed: number }> {
  const { rows } = await deps.db.query<{ open: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM revocations WHERE state <> 'confirmed') AS open",
  );
  if (!rows[0]?.open) return { submitted: 0, confirmed: 0 };
  const submitted = await submitRevocations(deps);
  const confirmed = await confirmRevocations(deps);
  return { submitted, confirmed };
}
