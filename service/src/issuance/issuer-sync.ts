/**
 * Sends the issuer-certificate journal to the on-chain issuer registry (docs/contract.md) through
 * the chain outbox (outbox.ts): each change is signed under the one service signer, recorded with
 * its transaction (state submitted) in the same database transaction, broadcast after commit, and
 * confirmed by its receipt.
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
import { JOURNALS, registryWrites, type OutboxDeps } from "./outbox";
import type { IssuerCertificateChange } from "./ports";
import { audit } from "./stores/audit";

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

interface ChangeRow extends IssuerCertificateChange {
  key: number;
}

const CHANGE_COLUMNS = `id AS key, issuer_code AS "issuerCode", fingerprint, action`;

/** Issuer-certificate changes as registry writes: one per transaction, present once the registry shows it. */
function issuerChanges(retryAfterMs: number) {
  return registryWrites<ChangeRow>({
    journal: JOURNALS.issuerCertificateChanges,
    columns: CHANGE_COLUMNS,
    // The first pending change whose pair has no earlier open change, not in its retry pause.
    next: `SELECT ${CHANGE_COLUMNS} FROM issuer_certificate_changes c
            WHERE c.state = 'pending'
              AND (c.last_error IS NULL OR c.updated_at <= now() - make_interval(secs => $1::float8 / 1000))
              AND NOT EXISTS (SELECT 1 FROM issuer_certificate_changes e
                               WHERE e.issuer_code = c.issuer_code AND e.fingerprint = c.fingerprint
                                 AND e.id < c.id AND e.state <> 'confirmed')
            ORDER BY c.id LIMIT 1 FOR UPDATE`,
    params: [retryAfterMs],
    sign: (chain, [change], nonce) =>
      chain.signIssuerChange(
        { issuerCode: change!.issuerCode, fingerprint: change!.fingerprint, action: change!.action },
        nonce,
      ),
    present: (chain, changes) =>
      Promise.all(
        changes.map(async (change) => {
          const active = await chain.isIssuerCertificate(change.issuerCode, change.fingerprint, CURRENT);
          return (change.action === "add" ? active : !active) ? {} : null;
        }),
      ),
    describe: ([change]) => ({
      id: change?.key,
      issuerCode: change?.issuerCode,
      fingerprint: change?.fingerprint,
      action: change?.action,
    }),
    revertHint: " (does the service key hold DEFAULT_ADMIN_ROLE?)",
  });
}

/**
 * One round: settles the submitted changes, signs and broadcasts the pending ones, then settles
 * again. Returns at once (0, 0) when the journal has nothing open, without touching the chain.
 */
export async function syncIssuerCertificates(
  deps: OutboxDeps,
  options: IssuerSyncOptions = {},
): Promise<IssuerSyncResult> {
  const writes = issuerChanges(options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
  if (!(await writes.hasOpen(deps.db))) return { sent: 0, confirmed: 0, busy: false };
  let confirmed = await writes.settle(deps);
  const submitted = await writes.submit(deps);
  confirmed += submitted.confirmed;
  confirmed += await writes.settle(deps);
  return { sent: submitted.sent, confirmed, busy: submitted.busy };
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
export async function reconcileIssuerCertificates(deps: OutboxDeps): Promise<LostIssuerCertificate[]> {
  const { rows } = await deps.db.query<{ issuer_code: string; fingerprint: string; active: boolean }>(
    `SELECT c.issuer_code, c.fingerprint, bool_or(c.removed_at IS NULL) AS active
       FROM issuer_certificates c
      WHERE NOT EXISTS (SELECT 1 FROM issuer_certificate_changes j
                         WHERE j.issuer_code = c.issuer_code AND j.fingerprint = c.fingerprint
                           AND j.state <> 'confirmed')
      GROUP BY c.issuer_code, c.fingerprint ORDER BY min(c.id)`,
  );
  if (rows.length === 0) return [];
  const lost: LostIssuerCertificate[] = [];
  for (const row of rows) {
    const onChain = await deps.chain.isIssuerCertificate(row.issuer_code, row.fingerprint, CURRENT);
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
      await audit(tx, "system", "issuer_certificate.lost", entry.issuerCode, {
        fingerprint: entry.fingerprint,
        queued: entry.action,
      });
    });
    deps.log?.("issuer_certificate.lost", { ...entry });
    lost.push(entry);
  }
  return lost;
}
