/**
 * Sends the issuer-certificate journal to the on-chain issuer registry (docs/contract.md), with
 * the write-ahead discipline of anchoring: each change is signed under the one service signer
 * (chain-writer.ts), recorded with its transaction (state submitted) in the same database
 * transaction, broadcast after commit, and confirmed by its receipt.
 *
 * The registry refuses an add of an active certificate and a remove of an inactive one, so a
 * change must never be sent twice. Before signing — and whenever a recorded transaction was lost
 * or reverted — the registry is asked for the certificate's current state: a change the chain
 * already shows is confirmed without a transaction. Changes of one (issuer, certificate) pair are
 * sent strictly in journal order: a pair's change waits until the earlier ones are confirmed.
 *
 * The service key needs DEFAULT_ADMIN_ROLE on the registry for these writes. Without it each
 * attempt reverts; the change goes back to pending with last_error and is retried after a pause.
 */
import { issuerCodeBytes32 } from "../adapters/chain/registry";
import { HocbaError } from "../core/errors";
import type { AnchorChainPort, AnchoringDeps } from "./anchoring";
import { withSigner } from "./chain-writer";

/** The reads the sync needs besides the signing port (the ethers registry client has them). */
export interface IssuerRegistryReads {
  isIssuerCertificate(issuerCode: string, fingerprint: string, at: Date): Promise<boolean>;
}

/** Asking at the end of time gives the certificate's current state, whatever the clocks say. */
const CURRENT = new Date(8.64e15);
const DEFAULT_RETRY_AFTER_MS = 60_000;

export interface IssuerSyncOptions {
  /** How long a change that reverted waits before it is signed again (default 60 s). */
  retryAfterMs?: number;
}

export interface IssuerSyncResult {
  /** Transactions signed and broadcast. */
  sent: number;
  /** Changes confirmed (by receipt, or found already applied on chain). */
  confirmed: number;
  /** Another worker held the signer lock: pending changes wait for a later round. */
  busy: boolean;
}

interface ChangeRow {
  id: number;
  issuer_code: string;
  fingerprint: string;
  action: "add" | "remove";
  tx_hash: string;
  raw_tx: string;
}

function readsOf(chain: AnchorChainPort): IssuerRegistryReads {
  const reads = chain as AnchorChainPort & Partial<IssuerRegistryReads>;
  if (typeof reads.isIssuerCertificate !== "function")
    throw new HocbaError("INTERNAL", "the chain port cannot read the issuer registry (isIssuerCertificate)");
  return reads as IssuerRegistryReads;
}

/** Whether the registry already shows what `change` asks for. */
async function alreadyApplied(reads: IssuerRegistryReads, change: Omit<ChangeRow, "tx_hash" | "raw_tx">) {
  const active = await reads.isIssuerCertificate(change.issuer_code, change.fingerprint, CURRENT);
  return change.action === "add" ? active : !active;
}

/**
 * One round: signs and broadcasts the pending changes, then settles the submitted ones.
 * Returns at once (0, 0) when the journal has nothing open, without touching the chain.
 */
export async function syncIssuerCertificates(
  deps: AnchoringDeps,
  options: IssuerSyncOptions = {},
): Promise<IssuerSyncResult> {
  const open = await deps.db.query(
    "SELECT 1 FROM issuer_certificate_changes WHERE state <> 'confirmed' LIMIT 1",
  );
  if (open.rows.length === 0) return { sent: 0, confirmed: 0, busy: false };
  const reads = readsOf(deps.chain);
  let confirmed = await settleChanges(deps, reads);
  const submitted = await submitChanges(deps, reads, options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
  confirmed += submitted.confirmed;
  confirmed += await settleChanges(deps, reads);
  return { sent: submitted.sent, confirmed, busy: submitted.busy };
}

async function submitChanges(
  deps: AnchoringDeps,
  reads: IssuerRegistryReads,
  retryAfterMs: number,
): Promise<IssuerSyncResult> {
  let sent = 0;
  let confirmed = 0;
  for (;;) {
    const step = await withSigner(deps.db, deps.chain, async (tx, sign) => {
      // The first pending change whose pair has no earlier open change, not in its retry pause.
      const { rows } = await tx.query<Omit<ChangeRow, "tx_hash" | "raw_tx">>(
        `SELECT c.id, c.issuer_code, c.fingerprint, c.action FROM issuer_certificate_changes c
          WHERE c.state = 'pending'
            AND (c.last_error IS NULL OR c.updated_at <= now() - make_interval(secs => $1::float8 / 1000))
            AND NOT EXISTS (SELECT 1 FROM issuer_certificate_changes e
                             WHERE e.issuer_code = c.issuer_code AND e.fingerprint = c.fingerprint
                               AND e.id < c.id AND e.state <> 'confirmed')
          ORDER BY c.id LIMIT 1 FOR UPDATE`,
        [retryAfterMs],
      );
      const change = rows[0];
      if (!change) return null;
      if (await alreadyApplied(reads, change)) {
        await tx.query(
          `UPDATE issuer_certificate_changes SET state = 'confirmed', last_error = NULL, updated_at = now()
            WHERE id = $1`,
          [change.id],
        );
        deps.log?.("issuer_certificate.already_on_chain", { ...change });
        return { change, signed: null };
      }
      const fn = change.action === "add" ? "addIssuerCertificate" : "removeIssuerCertificate";
      const signed = await sign(fn, [issuerCodeBytes32(change.issuer_code), change.fingerprint]);
      await tx.query(
        `UPDATE issuer_certificate_changes SET state = 'submitted', tx_hash = $2, tx_nonce = $3, raw_tx = $4,
           last_error = NULL, updated_at = now() WHERE id = $1`,
        [change.id, signed.txHash, signed.nonce, signed.rawTx],
      );
      return { change, signed };
    });
    if (step === undefined) return { sent, confirmed, busy: true };
    if (step === null) return { sent, confirmed, busy: false };
    if (step.signed === null) {
      confirmed++;
      continue;
    }
    try {
      await deps.chain.broadcast(step.signed.rawTx);
      deps.log?.("issuer_certificate.submitted", { ...step.change, txHash: step.signed.txHash });
      sent++;
    } catch (error) {
      // Recorded but not sent: settleChanges re-broadcasts it once the chain answers.
      await deps.db.query(
        "UPDATE issuer_certificate_changes SET last_error = $2, updated_at = now() WHERE id = $1",
        [step.change.id, (error instanceof Error ? error.message : String(error)).slice(0, 500)],
      );
      throw error;
    }
  }
}

async function backToPending(deps: AnchoringDeps, id: number, reason: string): Promise<void> {
  await deps.db.query(
    `UPDATE issuer_certificate_changes SET state = 'pending', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL,
       last_error = $2, updated_at = now() WHERE id = $1 AND state = 'submitted'`,
    [id, reason],
  );
}

async function markConfirmed(deps: AnchoringDeps, id: number, blockNumber: number | null): Promise<void> {
  await deps.db.query(
    `UPDATE issuer_certificate_changes SET state = 'confirmed', block_number = $2, raw_tx = NULL,
       last_error = NULL, updated_at = now() WHERE id = $1 AND state = 'submitted'`,
    [id, blockNumber],
  );
}

/**
 * Settles submitted changes: confirmed by a successful receipt with enough confirmations;
 * re-broadcast when the node lost the transaction; when it reverted or its nonce was taken,
 * confirmed if the registry already shows the change, otherwise back to pending (re-signed later).
 */
async function settleChanges(deps: AnchoringDeps, reads: IssuerRegistryReads): Promise<number> {
  const { rows } = await deps.db.query<ChangeRow>(
    `SELECT id, issuer_code, fingerprint, action, tx_hash, raw_tx FROM issuer_certificate_changes
      WHERE state = 'submitted' ORDER BY tx_nonce`,
  );
  if (rows.length === 0) return 0;
  const needed = Math.max(1, deps.confirmations);
  const latest = await deps.chain.latestBlock();
  let confirmed = 0;
  for (const change of rows) {
    const receipt = await deps.chain.receipt(change.tx_hash);
    if (receipt?.status === "success") {
      if (latest - receipt.blockNumber + 1 >= needed) {
        await markConfirmed(deps, change.id, receipt.blockNumber);
        deps.log?.("issuer_certificate.confirmed", { id: change.id, blockNumber: receipt.blockNumber });
        confirmed++;
      }
      continue;
    }
    if (receipt === null && (await deps.chain.broadcast(change.raw_tx)) !== "stale-nonce") continue;
    // Reverted, or its nonce went to another transaction: does the registry show it anyway?
    if (await alreadyApplied(reads, change)) {
      await markConfirmed(deps, change.id, null);
      deps.log?.("issuer_certificate.already_on_chain", { id: change.id });
      confirmed++;
      continue;
    }
    const reason =
      receipt === null
        ? `nonce of ${change.tx_hash} was used by another transaction`
        : `transaction ${change.tx_hash} reverted (does the service key hold DEFAULT_ADMIN_ROLE?)`;
    await backToPending(deps, change.id, reason);
    deps.log?.("issuer_certificate.reverted", { id: change.id, reason });
  }
  return confirmed;
}

export interface LostIssuerCertificate {
  issuerCode: string;
  fingerprint: string;
  /** The change queued to put the registry right. */
  action: "add" | "remove";
}

/**
 * Start-up reconciliation (beside reconcileWithChain for roots): every certificate whose journal
 * is settled must have, on the registry, the state the database says — active while it has an
 * open interval, inactive otherwise. A difference (the chain lost its state in a crash) queues the
 * missing change, writes an audit row, and is returned, never silently assumed. Pairs with an
 * open change are left to the sync.
 */
export async function reconcileIssuerCertificates(deps: AnchoringDeps): Promise<LostIssuerCertificate[]> {
  const { rows } = await deps.db.query<{ issuer_code: string; fingerprint: string; active: boolean }>(
    `SELECT c.issuer_code, c.fingerprint, bool_or(c.removed_at IS NULL) AS active
       FROM issuer_certificates c
      WHERE NOT EXISTS (SELECT 1 FROM issuer_certificate_changes j
                         WHERE j.issuer_code = c.issuer_code AND j.fingerprint = c.fingerprint
                           AND j.state <> 'confirmed')
      GROUP BY c.issuer_code, c.fingerprint ORDER BY min(c.id)`,
  );
  if (rows.length === 0) return [];
  const reads = readsOf(deps.chain);
  const lost: LostIssuerCertificate[] = [];
  for (const row of rows) {
    const onChain = await reads.isIssuerCertificate(row.issuer_code, row.fingerprint, CURRENT);
    if (onChain === row.active) continue;
    const entry: LostIssuerCertificate = {
      issuerCode: row.issuer_code,
      fingerprint: row.fingerprint,
      action: row.active ? "add" : "remove",
    };
    await deps.db.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO issuer_certificate_changes (issuer_code, fingerprint, action) VALUES ($1, $2, $3)",
        [entry.issuerCode, entry.fingerprint, entry.action],
      );
      await tx.query(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES ('system', 'issuer_certificate.lost', $1, $2)",
        [entry.issuerCode, { fingerprint: entry.fingerprint, queued: entry.action }],
      );
    });
    deps.log?.("issuer_certificate.lost", { ...entry });
    lost.push(entry);
  }
  return lost;
}
