/**
 * Anchoring as a crash-safe state machine (README, Anchoring, crash-safe). Each step is a short database
 * transaction, so any number of workers may run the steps at once and any of them may die
 * between two steps:
 *
 *   createBatch     pending documents → a batch with its Merkle tree      (state created)
 *   submitBatches   sign `anchor(root, count)`, RECORD it, then broadcast  (state submitted)
 *   confirmBatches  receipt + CHAIN_CONFIRMATIONS → anchored                (state confirmed)
 *
 * The last two are the chain outbox (outbox.ts) with what is particular to anchors: one batch per
 * transaction, and the registry's RootAnchored record as the sign that a root is there. A
 * transaction whose nonce another one took is re-signed only after the registry says the root is
 * not anchored — and the contract itself refuses a repeated root — so no root is anchored twice.
 */
import { HocbaError } from "../core/errors";
import { buildPackedTree } from "../core/merkle/packed";
import { syncIssuerCertificates } from "./issuer-sync";
import { gapsOf } from "./stores/batches";
import { JOURNALS, registryWrites, type OutboxDeps } from "./outbox";
import type { RegistryPort } from "./ports";
import { revokePending } from "./revocation";
import { auditEach } from "./stores/audit";

export type { AnchorRecord, MinedReceipt, SignedTx } from "./ports";

/** What anchoring (and every registry write) needs from the chain; adapters/chain/registry.ts implements it. */
export type AnchorChainPort = RegistryPort;

export interface AnchoringDeps extends OutboxDeps {
  /** Documents per batch (ANCHOR_MAX_BATCH). */
  maxBatch: number;
}

export interface CreatedBatch {
  batchId: number;
  root: string;
  count: number;
}

/** Serialises batch creation between workers (keyed by schema, like the signer lock). */
const CLAIM_LOCK_KEY = 1_751_343_717;
/** Held shared by every INSERT into documents until it ends (migration 004's trigger). */
const INSERT_LOCK_KEY = 1_751_343_716;

/**
 * Claims up to `maxBatch` pending documents into a new batch. Null when nothing is pending.
 *
 * Pending documents are those above the last batch's range. One creator at a time: it reads the
 * highest committed `seq` H, waits once for every transaction still inserting documents (they
 * drew their seq, at most H, before this wait), then takes the documents in (last batch, H] in
 * `seq` order. Nothing can appear in that range afterwards, so the batch is one row — its range
 * and the numbers of it no document holds — written with its tree in one transaction.
 */
export async function createBatch(deps: AnchoringDeps): Promise<CreatedBatch | null> {
  return deps.db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema()), $1)", [CLAIM_LOCK_KEY]);
    const { rows: bounds } = await tx.query<{ after: number; upto: number }>(
      `SELECT (SELECT coalesce(max(last_seq), 0) FROM batches) AS after,
              (SELECT coalesce(max(seq), 0) FROM documents) AS upto`,
    );
    const { after, upto } = bounds[0]!;
    if (upto <= after) return null;
    await tx.query(
      `SELECT pg_advisory_lock(hashtext(current_schema()), $1), pg_advisory_unlock(hashtext(current_schema()), $1)`,
      [INSERT_LOCK_KEY],
    );
    const { rows } = await tx.query<{ seq: number; leaf: string }>(
      "SELECT seq, leaf FROM documents WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
      [after, upto, deps.maxBatch],
    );
    if (rows.length === 0) return null;
    const tree = buildPackedTree(rows.map((r) => r.leaf));
    const seqs = rows.map((r) => r.seq);
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO batches (root, leaf_count, tree, first_seq, last_seq, gaps)
       VALUES ($1, $2, $3, $4, $5, $6::int8multirange) RETURNING id`,
      [tree.root, rows.length, tree.packed, seqs[0], seqs[seqs.length - 1], gapsOf(seqs)],
    );
    const batchId = inserted.rows[0]!.id;
    deps.log?.("batch.created", { batchId, root: tree.root, count: rows.length });
    return { batchId, root: tree.root, count: rows.length };
  });
}

interface BatchRow {
  key: number;
  root: string;
  count: number;
}

const BATCH_COLUMNS = "id AS key, root, leaf_count AS count";

/** Anchors as registry writes: one batch per `anchor(root, count)`, present once RootAnchored says so. */
const anchors = registryWrites<BatchRow>({
  journal: JOURNALS.batches,
  columns: BATCH_COLUMNS,
  next: `SELECT ${BATCH_COLUMNS} FROM batches WHERE state = 'created' ORDER BY id LIMIT 1 FOR UPDATE`,
  sign: (chain, [batch], nonce) => chain.signAnchor(batch!.root, batch!.count, nonce),
  present: (chain, batches) =>
    Promise.all(
      batches.map(async (batch) => {
        const record = await chain.findAnchor(batch.root);
        return record && { txHash: record.txHash, blockNumber: record.blockNumber, at: record.anchoredAt };
      }),
    ),
  describe: (batches) => ({ batchId: batches[0]?.key, root: batches[0]?.root }),
});

/**
 * Signs, records and broadcasts one transaction per created batch. Returns how many were sent.
 * Only one worker signs at a time; the others return 0 at once.
 */
export async function submitBatches(deps: AnchoringDeps): Promise<number> {
  return (await anchors.submit(deps)).sent;
}

/**
 * Settles every submitted batch: confirmed once its transaction (or, after a lost or replaced
 * transaction, whichever transaction the registry recorded) has enough confirmations; re-broadcast
 * when the node has lost it; returned to `created` (to be re-signed) only when its nonce was taken
 * by another transaction or it reverted, and the registry does not have the root.
 * Returns how many batches were confirmed.
 */
export function confirmBatches(deps: AnchoringDeps): Promise<number> {
  return anchors.settle(deps);
}

/**
 * Start-up reconciliation: every batch the database holds as confirmed must be anchored on the
 * registry. A root the chain lacks (its state was lost) goes back to `created` to be anchored
 * again, and is reported — never silently assumed. Returns the roots that were lost.
 */
export async function reconcileWithChain(deps: AnchoringDeps): Promise<string[]> {
  const lost = await anchors.reopenLost(deps, {
    reason: "root missing on chain",
    reset: "reanchored = reanchored + 1",
    audit: (tx, batches) =>
      auditEach(
        tx,
        "system",
        "batch.root_lost",
        batches.map((b) => ({ subject: b.root, details: { batchId: b.key } })),
      ),
  });
  for (const batch of lost) deps.log?.("batch.root_lost", { batchId: batch.key, root: batch.root });
  return lost.map((batch) => batch.root);
}

/** One round of all three steps until there is nothing left to do now. Returns documents anchored. */
export async function anchorPending(deps: AnchoringDeps): Promise<{ batches: number; confirmed: number }> {
  let batches = 0;
  while (await createBatch(deps)) batches++;
  await submitBatches(deps);
  const confirmed = await confirmBatches(deps);
  await revokePending(deps);
  await syncIssuerCertificates(deps);
  return { batches, confirmed };
}

/** Raised by adapters when the chain cannot be reached; the steps leave state as it was. */
export function chainUnavailable(cause: unknown): HocbaError {
  return new HocbaError(
    "CHAIN_UNAVAILABLE",
    `the chain is unreachable: ${(cause as Error)?.message ?? cause}`,
    {
      cause,
    },
  );
}
