/**
 * The chain outbox: the one crash-safe mechanism behind every registry write of the service key
 * (anchors, revocations, issuer-certificate changes, and whatever comes next). Each kind of write
 * keeps its rows in a journal table with the same columns — `state` (waiting → submitted →
 * confirmed), `tx_hash`, `tx_nonce`, `raw_tx`, `block_number`, `last_error`, `updated_at` — and
 * supplies only what differs (RegistryWriteKind): which rows to sign next, the call to sign, and
 * how to ask the registry whether the effect is already there.
 *
 *   submitWrites  under the one signer lock, in one database transaction: select the next rows,
 *                 confirm those the registry already shows (nothing is ever sent twice; an effect
 *                 in a block waits for CHAIN_CONFIRMATIONS), sign the call at the next free nonce,
 *                 RECORD it (state submitted); commit; broadcast.
 *   settleWrites  per recorded transaction: confirmed once its receipt has CHAIN_CONFIRMATIONS
 *                 blocks. Otherwise the rows the registry shows anyway are confirmed; for the rest
 *                 a reverted transaction, or one whose nonce another transaction took, goes back
 *                 to waiting — to be signed again, now that the registry says the effect is
 *                 absent — and a transaction the node lost is broadcast again (same hash).
 *
 * The signed transaction is written before it is broadcast, so a crash leaves at worst a recorded
 * transaction that was never sent, and settling sends it. Signing is serialised by one advisory
 * lock, and the next nonce is the larger of the chain's pending count and one past every
 * transaction still submitted in any journal — so two workers, or two kinds of write, never sign
 * with the same nonce.
 */
import type { ChainTransactions, Database, Queryable, RegistryPort, SignedTx } from "./ports";

/** Where a kind of write keeps its rows (every journal has the columns named above). */
export interface Journal {
  table: string;
  /** Log events are `<event>.submitted`, `<event>.confirmed`, `<event>.already_on_chain`, `<event>.reverted`, `<event>.resign`. */
  event: string;
  /** The row's key column and its SQL type. */
  key: string;
  keyType: "bigint" | "text";
  /** The state of a row waiting to be signed. */
  waiting: string;
  /** Column set to the block time when a row is confirmed, if the journal keeps one. */
  confirmedAt?: string;
  /** Whether the journal counts signings (an `attempts` column). */
  countsAttempts: boolean;
}

/** Every journal of registry writes. A new kind of write adds its table here (nonces span them all). */
export const JOURNALS = {
  batches: {
    table: "batches",
    event: "batch",
    key: "id",
    keyType: "bigint",
    waiting: "created",
    confirmedAt: "anchored_at",
    countsAttempts: true,
  },
  revocations: {
    table: "revocations",
    event: "revocation",
    key: "leaf",
    keyType: "text",
    waiting: "pending",
    confirmedAt: "revoked_at",
    countsAttempts: true,
  },
  issuerCertificateChanges: {
    table: "issuer_certificate_changes",
    event: "issuer_certificate",
    key: "id",
    keyType: "bigint",
    waiting: "pending",
    countsAttempts: false,
  },
} as const satisfies Record<string, Journal>;

/** A journal row as a kind reads it: its key (selected `AS key`) and the kind's own columns. */
export interface JournalRow {
  key: string | number;
}

/** Where the registry shows a row's effect. A block number, when known, must be deep enough first. */
export interface Effect {
  txHash?: string;
  blockNumber?: number;
  at?: Date;
}

/** What one kind of registry write supplies to the outbox. */
export interface RegistryWriteKind<Row extends JournalRow> {
  journal: Journal;
  /** The SQL select list of a Row over the journal, the key `AS key` first. */
  columns: string;
  /** The SELECT … FOR UPDATE of the rows to sign together next (none: nothing is waiting), with `params`. */
  next: string;
  params?: readonly unknown[];
  /** Signs the registry call that writes `rows`, at `nonce`. */
  sign(chain: RegistryPort, rows: Row[], nonce: number): Promise<SignedTx>;
  /** For each row, where the registry already shows its effect, or null when it does not. */
  present(chain: RegistryPort, rows: Row[]): Promise<(Effect | null)[]>;
  /** What the logs say about `rows` (never personal data). */
  describe(rows: Row[]): Record<string, unknown>;
  /** Added to the reason recorded when a transaction of this kind reverts. */
  revertHint?: string;
}

export interface OutboxDeps {
  db: Database;
  chain: RegistryPort;
  /** Blocks that must exist on top of a write's block, counting it (CHAIN_CONFIRMATIONS; 0 = 1). */
  confirmations: number;
  log?: (event: string, details: Record<string, unknown>) => void;
}

export interface SubmitOutcome {
  /** Rows whose transaction was signed, recorded and broadcast. */
  sent: number;
  /** Rows confirmed without a transaction: the registry already showed them. */
  confirmed: number;
  /** Another worker held the signer lock: what is waiting waits for a later round. */
  busy: boolean;
}

/**
 * Arbitrary constant naming the "one signer at a time" lock. Advisory locks are database-wide, so
 * the lock is keyed by (schema, constant): hocba instances in separate schemas never block each other.
 */
const SIGNER_LOCK_KEY = 1_751_343_713;

async function nextFreeNonce(tx: Queryable, chain: ChainTransactions): Promise<number> {
  const open = Object.values(JOURNALS)
    .map((j) => `SELECT tx_nonce FROM ${j.table} WHERE state = 'submitted'`)
    .join(" UNION ALL ");
  const { rows } = await tx.query<{ n: number | null }>(
    `SELECT max(tx_nonce) + 1 AS n FROM (${open}) AS open_txs`,
  );
  return Math.max(await chain.nextNonce(), rows[0]?.n ?? 0);
}

/**
 * Runs `work` holding the signer lock, inside a database transaction, with the next free nonce on
 * demand. Returns undefined when another worker holds the lock. `work` records what it signs
 * before returning; the caller broadcasts after this resolves (write-ahead).
 */
async function withSigner<T>(
  deps: OutboxDeps,
  work: (tx: Queryable, nonce: () => Promise<number>) => Promise<T>,
): Promise<T | undefined> {
  return deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), $1) AS ok",
      [SIGNER_LOCK_KEY],
    );
    if (!rows[0]?.ok) return undefined;
    return work(tx, () => nextFreeNonce(tx, deps.chain));
  });
}

const keysOf = (rows: readonly JournalRow[]) => rows.map((r) => r.key);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Confirms the rows whose effect the registry shows (deep enough when it names a block) and
 * returns the rest; `shallow` tells that some shown effect is not deep enough yet.
 */
async function confirmPresent<Row extends JournalRow>(
  kind: RegistryWriteKind<Row>,
  deps: OutboxDeps,
  q: Queryable,
  rows: Row[],
  deep: (blockNumber: number) => Promise<boolean>,
): Promise<{ absent: Row[]; confirmed: number; shallow: boolean }> {
  const { table, key, confirmedAt } = kind.journal;
  const effects = await kind.present(deps.chain, rows);
  const absent: Row[] = [];
  const shown: Row[] = [];
  let shallow = false;
  for (const [i, row] of rows.entries()) {
    const effect = effects[i];
    if (!effect) {
      absent.push(row);
      continue;
    }
    if (effect.blockNumber !== undefined && !(await deep(effect.blockNumber))) {
      shallow = true;
      continue;
    }
    const params: unknown[] = [row.key, effect.txHash ?? null, effect.blockNumber ?? null];
    if (confirmedAt) params.push(effect.at ?? null);
    await q.query(
      `UPDATE ${table} SET state = 'confirmed', tx_hash = coalesce($2, tx_hash), block_number = $3,
         ${confirmedAt ? `${confirmedAt} = $4,` : ""} raw_tx = NULL, last_error = NULL, updated_at = now()
       WHERE ${key} = $1 AND state <> 'confirmed'`,
      params,
    );
    shown.push(row);
  }
  if (shown.length > 0) deps.log?.(`${kind.journal.event}.already_on_chain`, kind.describe(shown));
  return { absent, confirmed: shown.length, shallow };
}

/**
 * Signs, records and broadcasts the waiting rows of `kind`, one transaction per `next` selection,
 * until none is left. Only one worker signs at a time: the others return at once (busy).
 */
async function submitWrites<Row extends JournalRow>(
  kind: RegistryWriteKind<Row>,
  deps: OutboxDeps,
): Promise<SubmitOutcome> {
  const { table, key, keyType, countsAttempts } = kind.journal;
  const deep = async (blockNumber: number) =>
    (await deps.chain.latestBlock()) - blockNumber + 1 >= Math.max(1, deps.confirmations);
  let sent = 0;
  let confirmed = 0;
  for (;;) {
    const step = await withSigner(deps, async (tx, nonce) => {
      const { rows } = await tx.query<Row>(kind.next, kind.params);
      if (rows.length === 0) return null;
      const open = await confirmPresent(kind, deps, tx, rows, deep);
      // An effect the registry shows but not deep enough yet is neither signed nor confirmed:
      // this pass ends after the step, and a later round confirms it.
      if (open.absent.length === 0) return { confirmed: open.confirmed, shallow: open.shallow };
      const signed = await kind.sign(deps.chain, open.absent, await nonce());
      await tx.query(
        `UPDATE ${table} SET state = 'submitted', tx_hash = $2, tx_nonce = $3, raw_tx = $4,
           ${countsAttempts ? "attempts = attempts + 1," : ""} last_error = NULL, updated_at = now()
         WHERE ${key} = ANY($1::${keyType}[])`,
        [keysOf(open.absent), signed.txHash, signed.nonce, signed.rawTx],
      );
      return { confirmed: open.confirmed, shallow: open.shallow, rows: open.absent, signed };
    });
    if (step === undefined) return { sent, confirmed, busy: true };
    if (step === null) return { sent, confirmed, busy: false };
    confirmed += step.confirmed;
    if (step.signed) {
      try {
        await deps.chain.broadcast(step.signed.rawTx);
      } catch (error) {
        // Recorded but not sent: settleWrites broadcasts it again once the chain answers.
        await deps.db.query(
          `UPDATE ${table} SET last_error = $2, updated_at = now() WHERE tx_hash = $1 AND state = 'submitted'`,
          [step.signed.txHash, messageOf(error)],
        );
        throw error;
      }
      deps.log?.(`${kind.journal.event}.submitted`, {
        ...kind.describe(step.rows),
        txHash: step.signed.txHash,
      });
      sent += step.rows.length;
    }
    if (step.shallow) return { sent, confirmed, busy: false };
  }
}

/**
 * Settles every recorded transaction of `kind` (see the module comment). Returns how many rows
 * were confirmed.
 */
async function settleWrites<Row extends JournalRow>(
  kind: RegistryWriteKind<Row>,
  deps: OutboxDeps,
): Promise<number> {
  const { table, key, keyType, waiting, confirmedAt } = kind.journal;
  const { rows } = await deps.db.query<Row & { tx_hash: string; raw_tx: string }>(
    `SELECT ${kind.columns}, tx_hash, raw_tx FROM ${table} WHERE state = 'submitted' ORDER BY tx_nonce, ${key}`,
  );
  if (rows.length === 0) return 0;
  const byTx = new Map<string, { rawTx: string; rows: Row[] }>();
  for (const row of rows) {
    const entry = byTx.get(row.tx_hash) ?? { rawTx: row.raw_tx, rows: [] };
    entry.rows.push(row);
    byTx.set(row.tx_hash, entry);
  }
  const needed = Math.max(1, deps.confirmations);
  const latest = await deps.chain.latestBlock();
  const deep = (blockNumber: number) => latest - blockNumber + 1 >= needed;
  const deepNow = (blockNumber: number) => Promise.resolve(deep(blockNumber));
  const backToWaiting = async (group: Row[], reason: string) =>
    deps.db.query(
      `UPDATE ${table} SET state = '${waiting}', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, last_error = $2,
         updated_at = now() WHERE ${key} = ANY($1::${keyType}[]) AND state = 'submitted'`,
      [keysOf(group), reason],
    );
  let confirmed = 0;
  for (const [txHash, { rawTx, rows: group }] of byTx) {
    const receipt = await deps.chain.receipt(txHash);
    if (receipt?.status === "success") {
      if (!deep(receipt.blockNumber)) continue;
      const params: unknown[] = [txHash, receipt.blockNumber];
      if (confirmedAt) params.push(receipt.blockTime);
      const { rowCount } = await deps.db.query(
        `UPDATE ${table} SET state = 'confirmed', block_number = $2, ${confirmedAt ? `${confirmedAt} = $3,` : ""}
           raw_tx = NULL, last_error = NULL, updated_at = now() WHERE tx_hash = $1 AND state = 'submitted'`,
        params,
      );
      deps.log?.(`${kind.journal.event}.confirmed`, {
        ...kind.describe(group),
        txHash,
        blockNumber: receipt.blockNumber,
      });
      confirmed += rowCount;
      continue;
    }
    // Reverted, or not mined: perhaps the registry has the effect anyway (an earlier transaction).
    const open = await confirmPresent(kind, deps, deps.db, group, deepNow);
    confirmed += open.confirmed;
    if (open.absent.length === 0) continue;
    if (receipt?.status === "reverted") {
      await backToWaiting(open.absent, `transaction ${txHash} reverted${kind.revertHint ?? ""}`);
      deps.log?.(`${kind.journal.event}.reverted`, { ...kind.describe(open.absent), txHash });
      continue;
    }
    if ((await deps.chain.broadcast(rawTx)) === "stale-nonce") {
      await backToWaiting(open.absent, `nonce of ${txHash} was used by another transaction`);
      deps.log?.(`${kind.journal.event}.resign`, { ...kind.describe(open.absent), txHash });
    }
  }
  return confirmed;
}

/** Whether `kind` has a row not confirmed yet (one query; rounds skip the chain when not). */
async function hasOpenWrites<Row extends JournalRow>(
  kind: RegistryWriteKind<Row>,
  db: Queryable,
): Promise<boolean> {
  const { rows } = await db.query<{ open: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${kind.journal.table} WHERE state <> 'confirmed') AS open`,
  );
  return rows[0]?.open === true;
}

/**
 * Start-up reconciliation: every confirmed row of `kind` must show on the registry. A row whose
 * effect the chain lacks (its state was lost) goes back to waiting — to be written again — with
 * `reason` as its last error, and `audit` writes its audit row in the same transaction. Returns
 * the rows reopened, never silently assumed.
 */
async function reopenLostWrites<Row extends JournalRow>(
  kind: RegistryWriteKind<Row>,
  deps: OutboxDeps,
  options: ReopenOptions<Row>,
): Promise<Row[]> {
  const { table, key, keyType, waiting, confirmedAt } = kind.journal;
  const { rows } = await deps.db.query<Row>(
    `SELECT ${kind.columns} FROM ${table} WHERE state = 'confirmed' ORDER BY ${key}`,
  );
  const lost: Row[] = [];
  for (const row of rows) if (!(await kind.present(deps.chain, [row]))[0]) lost.push(row);
  if (lost.length === 0) return lost;
  await deps.db.transaction(async (tx) => {
    await tx.query(
      `UPDATE ${table} SET state = '${waiting}', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
         ${confirmedAt ? `${confirmedAt} = NULL,` : ""} ${options.reset ? `${options.reset},` : ""}
         last_error = $2, updated_at = now() WHERE ${key} = ANY($1::${keyType}[])`,
      [keysOf(lost), options.reason],
    );
    await options.audit(tx, lost);
  });
  return lost;
}

export interface ReopenOptions<Row> {
  /** Recorded as the reopened rows' last error. */
  reason: string;
  /** Further SQL assignments for the reopened rows (e.g. a counter). */
  reset?: string;
  /** Writes the audit rows of `lost`, in the same transaction. */
  audit: (tx: Queryable, lost: Row[]) => Promise<unknown>;
}

/** The outbox's steps for one kind of write. */
export interface RegistryWrites<Row extends JournalRow> {
  /** Signs, records and broadcasts what is waiting (see submitWrites). */
  submit(deps: OutboxDeps): Promise<SubmitOutcome>;
  /** Settles every recorded transaction; returns the rows confirmed. */
  settle(deps: OutboxDeps): Promise<number>;
  /** Whether a row is not confirmed yet: one query, no chain call. */
  hasOpen(db: Queryable): Promise<boolean>;
  /** Start-up reconciliation: reopens the confirmed rows the registry lacks and returns them. */
  reopenLost(deps: OutboxDeps, options: ReopenOptions<Row>): Promise<Row[]>;
}

/** The outbox for `kind`. */
export function registryWrites<Row extends JournalRow>(kind: RegistryWriteKind<Row>): RegistryWrites<Row> {
  return {
    submit: (deps) => submitWrites(kind, deps),
    settle: (deps) => settleWrites(kind, deps),
    hasOpen: (db) => hasOpenWrites(kind, db),
    reopenLost: (deps, options) => reopenLostWrites(kind, deps, options),
  };
}
