/**
 * Anchoring as a crash-safe state machine (README, Anchoring, crash-safe). Each step is a short database
 * transaction, so any number of workers may run the steps at once and any of them may die
 * between two steps:
 *
 *   createBatch     pending documents → a batch with its Merkle tree      (state created)
 *   submitBatches   sign `anchor(root, count)`, RECORD it, then broadcast  (state submitted)
 *   confirmBatches  receipt + CHAIN_CONFIRMATIONS → anchored                (state confirmed)
 *
 * The signed transaction is written before it is broadcast, so a crash can at worst leave a
 * recorded transaction that was never sent: the confirm step re-broadcasts it (same hash). A
 * transaction whose nonce another one took is re-signed only after the registry says the root is
 * not anchored — and the contract itself refuses a repeated root — so no root is anchored twice.
 * One advisory lock serialises signing so nonces never collide between workers (chain-writer.ts).
 */
import type { Database } from "../adapters/db/database";
import { HocbaError } from "../core/errors";
import { buildPackedTree } from "../core/merkle/packed";
import { withSigner, type RegistryWrite } from "./chain-writer";
import { syncIssuerCertificates } from "./issuer-sync";
import { gapsOf } from "./membership";
import { revokePending } from "./revocation";

export interface SignedTx {
  rawTx: string;
  txHash: string;
  nonce: number;
}

export interface MinedReceipt {
  status: "success" | "reverted";
  blockNumber: number;
  blockTime: Date;
}

export interface AnchorRecord {
  txHash: string;
  blockNumber: number;
  anchoredAt: Date;
}

/** What anchoring needs from the chain; the ethers adapter implements it. */
export interface AnchorChainPort {
  /** The next nonce the chain will accept from the anchoring account (pending count). */
  nextNonce(): Promise<number>;
  /** Signs a registry call locally with the given nonce; sends nothing. */
  signCall(fn: RegistryWrite, args: readonly unknown[], nonce: number): Promise<SignedTx>;
  /**
   * Sends a signed transaction. "known": the node already has it (pending or mined);
   * "stale-nonce": another transaction used that nonce. Throws CHAIN_UNAVAILABLE when unreachable.
   */
  broadcast(rawTx: string): Promise<"sent" | "known" | "stale-nonce">;
  receipt(txHash: string): Promise<MinedReceipt | null>;
  latestBlock(): Promise<number>;
  /** Where the registry recorded `root` (from its RootAnchored event), or null if it never did. */
  findAnchor(root: string): Promise<AnchorRecord | null>;
  /** Block time (seconds) at which the registry revoked `leaf`, 0 if it did not. */
  revokedAt(leaf: string): Promise<number>;
}

export interface AnchoringDeps {
  db: Database;
  chain: AnchorChainPort;
  /** Documents per batch (ANCHOR_MAX_BATCH). */
  maxBatch: number;
  /** Blocks that must exist on top of the anchoring block, counting it (CHAIN_CONFIRMATIONS; 0 = 1). */
  confirmations: number;
  log?: (event: string, details: Record<string, unknown>) => void;
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

async function recordError(db: Database, batchId: number, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.query("UPDATE batches SET last_error = $2, updated_at = now() WHERE id = $1", [
    batchId,
    message.slice(0, 500),
  ]);
}

/**
 * Signs, records and broadcasts one transaction per created batch. Returns how many were sent.
 * Only one worker signs at a time; the others return 0 at once.
 */
export async function submitBatches(deps: AnchoringDeps): Promise<number> {
  let sent = 0;
  for (;;) {
    const signed = await withSigner(deps.db, deps.chain, async (tx, sign) => {
      const { rows } = await tx.query<{ id: number; root: string; leaf_count: number }>(
        "SELECT id, root, leaf_count FROM batches WHERE state = 'created' ORDER BY id LIMIT 1 FOR UPDATE",
      );
      const batch = rows[0];
      if (!batch) return null;
      const signedTx = await sign("anchor", [batch.root, batch.leaf_count]);
      await tx.query(
        `UPDATE batches SET state = 'submitted', tx_hash = $2, tx_nonce = $3, raw_tx = $4,
           attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = $1`,
        [batch.id, signedTx.txHash, signedTx.nonce, signedTx.rawTx],
      );
      return { batchId: batch.id, root: batch.root, ...signedTx };
    });
    if (!signed) return sent;
    try {
      await deps.chain.broadcast(signed.rawTx);
      deps.log?.("batch.submitted", { batchId: signed.batchId, root: signed.root, txHash: signed.txHash });
      sent++;
    } catch (error) {
      // Recorded but not sent: the confirm step re-broadcasts it once the chain answers.
      await recordError(deps.db, signed.batchId, error);
      throw error;
    }
  }
}

async function markConfirmed(db: Database, batchId: number, record: AnchorRecord): Promise<void> {
  await db.query(
    `UPDATE batches SET state = 'confirmed', tx_hash = $2, block_number = $3, anchored_at = $4,
       raw_tx = NULL, last_error = NULL, updated_at = now() WHERE id = $1 AND state = 'submitted'`,
    [batchId, record.txHash, record.blockNumber, record.anchoredAt],
  );
}

async function backToCreated(db: Database, batchId: number, reason: string): Promise<void> {
  await db.query(
    `UPDATE batches SET state = 'created', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL,
       last_error = $2, updated_at = now() WHERE id = $1 AND state = 'submitted'`,
    [batchId, reason],
  );
}

/**
 * Settles every submitted batch: confirmed once its transaction (or, after a lost or replaced
 * transaction, whichever transaction the registry recorded) has enough confirmations; re-broadcast
 * when the node has lost it; returned to `created` (to be re-signed) only when its nonce was taken
 * by another transaction or it reverted, and the registry does not have the root.
 * Returns how many batches were confirmed.
 */
export async function confirmBatches(deps: AnchoringDeps): Promise<number> {
  const { rows } = await deps.db.query<{ id: number; root: string; tx_hash: string; raw_tx: string }>(
    "SELECT id, root, tx_hash, raw_tx FROM batches WHERE state = 'submitted' ORDER BY tx_nonce",
  );
  if (rows.length === 0) return 0;
  const needed = Math.max(1, deps.confirmations);
  const latest = await deps.chain.latestBlock();
  const deep = (blockNumber: number) => latest - blockNumber + 1 >= needed;
  let confirmed = 0;
  for (const batch of rows) {
    const receipt = await deps.chain.receipt(batch.tx_hash);
    if (receipt?.status === "success") {
      if (deep(receipt.blockNumber)) {
        await markConfirmed(deps.db, batch.id, {
          txHash: batch.tx_hash,
          blockNumber: receipt.blockNumber,
          anchoredAt: receipt.blockTime,
        });
        deps.log?.("batch.confirmed", {
          batchId: batch.id,
          root: batch.root,
          blockNumber: receipt.blockNumber,
        });
        confirmed++;
      }
      continue;
    }
    // Reverted, or not mined: perhaps an earlier transaction of ours anchored the root already.
    const recorded = await deps.chain.findAnchor(batch.root);
    if (recorded) {
      if (deep(recorded.blockNumber)) {
        await markConfirmed(deps.db, batch.id, recorded);
        deps.log?.("batch.confirmed", {
          batchId: batch.id,
          root: batch.root,
          blockNumber: recorded.blockNumber,
        });
        confirmed++;
      }
      continue;
    }
    if (receipt?.status === "reverted") {
      await backToCreated(deps.db, batch.id, `transaction ${batch.tx_hash} reverted`);
      deps.log?.("batch.reverted", { batchId: batch.id, root: batch.root, txHash: batch.tx_hash });
      continue;
    }
    const outcome = await deps.chain.broadcast(batch.raw_tx);
    if (outcome === "stale-nonce") {
      await backToCreated(deps.db, batch.id, `nonce of ${batch.tx_hash} was used by another transaction`);
      deps.log?.("batch.resign", { batchId: batch.id, root: batch.root });
    }
  }
  return confirmed;
}

/**
 * Start-up reconciliation: every batch the database holds as confirmed must be anchored on the
 * registry. A root the chain lacks (its state was lost) goes back to `created` to be anchored
 * again, and is reported — never silently assumed. Returns the roots that were lost.
 */
export async function reconcileWithChain(deps: AnchoringDeps): Promise<string[]> {
  const { rows } = await deps.db.query<{ id: number; root: string }>(
    "SELECT id, root FROM batches WHERE state = 'confirmed' ORDER BY id",
  );
  const lost: string[] = [];
  for (const batch of rows) {
    if (await deps.chain.findAnchor(batch.root)) continue;
    await deps.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE batches SET state = 'created', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
           anchored_at = NULL, reanchored = reanchored + 1, last_error = 'root missing on chain', updated_at = now()
         WHERE id = $1`,
        [batch.id],
      );
      await tx.query(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES ('system', 'batch.root_lost', $1, $2)",
        [batch.root, { batchId: batch.id }],
      );
    });
    deps.log?.("batch.root_lost", { batchId: batch.id, root: batch.root });
    lost.push(batch.root);
  }
  return lost;
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
