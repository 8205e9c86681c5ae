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
 *   forever): it is a fixed code (OnChainReason, "revoked", which the registry adapter writes as
 *   a bytes32 string). The text stays in the database (documents.revocation_reason).
 * - Nothing is revoked twice: before signing, and before re-sending a transaction that was not
 *   mined, the registry's `revokedAt` is read (the chain outbox, outbox.ts); a leaf the chain
 *   already holds as revoked is marked confirmed and left out (the contract reverts a whole batch
 *   containing a revoked leaf).
 */
import { HocbaError } from "../core/errors";
import { JOURNALS, registryWrites, type OutboxDeps } from "./outbox";
import type { Database, OnChainReason } from "./ports";
import { visibleRecord, type IssuerActor } from "./records";
import { audit, auditEach } from "./stores/audit";

export type { OnChainReason } from "./ports";

/** Leaves per revokeBatch transaction (gas grows ~40k a leaf; this stays far below a block). */
export const MAX_LEAVES_PER_REVOCATION = 200;

export interface RevocationDeps extends OutboxDeps {
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
  caller: IssuerActor,
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
    await audit(tx, caller.actor, "document.revoked", id, { reason, leaf: record.leaf });
    return { id, status: "revoked", revokedAt: row.revoked_at };
  });
}

interface RevocationRow {
  key: string;
  reason: OnChainReason;
}

const REVOCATION_COLUMNS = "leaf AS key, reason";

/** Revocations as registry writes: up to `maxLeaves` leaves per `revokeBatch`, each present once revoked. */
function revocations(maxLeaves: number) {
  return registryWrites<RevocationRow>({
    journal: JOURNALS.revocations,
    columns: REVOCATION_COLUMNS,
    // One reason per transaction: the oldest pending revocation's, with the others that share it.
    next: `SELECT ${REVOCATION_COLUMNS} FROM revocations
            WHERE state = 'pending'
              AND reason = (SELECT reason FROM revocations WHERE state = 'pending' ORDER BY created_at, leaf LIMIT 1)
            ORDER BY created_at, leaf LIMIT $1 FOR UPDATE`,
    params: [maxLeaves],
    sign: (chain, rows, nonce) =>
      chain.signRevocation(
        rows.map((r) => r.key),
        rows[0]!.reason,
        nonce,
      ),
    present: async (chain, rows) => {
      const effects = [];
      for (const row of rows) {
        const at = await chain.revokedAt(row.key);
        effects.push(at > 0 ? { at: new Date(at * 1000) } : null);
      }
      return effects;
    },
    describe: (rows) => ({ leaves: rows.length }),
  });
}

/**
 * Signs, records and broadcasts revokeBatch transactions for pending revocations, at most
 * `maxLeaves` leaves each. Returns how many leaves were sent. Only one worker signs at a time.
 */
export async function submitRevocations(deps: RevocationDeps): Promise<number> {
  return (await revocations(deps.maxLeaves ?? MAX_LEAVES_PER_REVOCATION).submit(deps)).sent;
}

/**
 * Settles every submitted revocation transaction: confirmed once mined deep enough; otherwise the
 * leaves the registry already holds as revoked are confirmed and the rest re-broadcast (lost
 * transaction), or returned to pending to be signed again (reverted, or its nonce was taken).
 * Returns how many leaves were confirmed.
 */
export function confirmRevocations(deps: RevocationDeps): Promise<number> {
  return revocations(deps.maxLeaves ?? MAX_LEAVES_PER_REVOCATION).settle(deps);
}

/**
 * Start-up reconciliation, beside anchoring's reconcileWithChain: every revocation the database
 * holds as confirmed must be revoked on the registry. One the chain lacks (its state was lost)
 * goes back to pending to be sent again, and is reported and audited. Returns the lost leaves.
 */
export async function reconcileRevocations(deps: RevocationDeps): Promise<string[]> {
  const lost = await revocations(MAX_LEAVES_PER_REVOCATION).reopenLost(deps, {
    reason: "revocation missing on chain",
    audit: (tx, rows) =>
      auditEach(
        tx,
        "system",
        "revocation.lost",
        rows.map((r) => ({ subject: r.key })),
      ),
  });
  if (lost.length > 0) deps.log?.("revocation.lost", { leaves: lost.map((r) => r.key) });
  return lost.map((r) => r.key);
}

/**
 * The revocation step of an anchoring round: sends what is pending and settles what was sent.
 * Costs one query when there is nothing to do.
 */
export async function revokePending(deps: RevocationDeps): Promise<{ submitted: number; confirmed: number }> {
  const writes = revocations(deps.maxLeaves ?? MAX_LEAVES_PER_REVOCATION);
  if (!(await writes.hasOpen(deps.db))) return { submitted: 0, confirmed: 0 };
  const submitted = (await writes.submit(deps)).sent;
  const confirmed = await writes.settle(deps);
  return { submitted, confirmed };
}
