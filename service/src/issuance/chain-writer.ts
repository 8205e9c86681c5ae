/**
 * One signer for every transaction the service sends with its key: anchors, revocations and
 * issuer-certificate changes. Signing happens under one advisory lock, and the next nonce is the
 * larger of the chain's pending count and one past every transaction recorded but not yet settled
 * in any of the three journals (batches, revocations, issuer_certificate_changes) — so two
 * workers, or two kinds of work, never sign with the same nonce. Callers record the signed
 * transaction in the same database transaction, before broadcasting it (write-ahead).
 */
import type { Database, Queryable } from "../adapters/db/database";
import type { AnchorChainPort, SignedTx } from "./anchoring";

/**
 * Arbitrary constant naming the "one signer at a time" lock. Advisory locks are database-wide, so
 * the lock is keyed by (schema, constant): hocba instances in separate schemas never block each other.
 */
const SIGNER_LOCK_KEY = 1_751_343_713;

/** The registry functions the service key calls. */
export type RegistryWrite = "anchor" | "revokeBatch" | "addIssuerCertificate" | "removeIssuerCertificate";

async function nextFreeNonce(tx: Queryable, chain: AnchorChainPort): Promise<number> {
  const { rows } = await tx.query<{ n: number | null }>(
    `SELECT max(tx_nonce) + 1 AS n FROM (
       SELECT tx_nonce FROM batches WHERE state = 'submitted'
       UNION ALL SELECT tx_nonce FROM revocations WHERE state = 'submitted'
       UNION ALL SELECT tx_nonce FROM issuer_certificate_changes WHERE state = 'submitted') AS open_txs`,
  );
  return Math.max(await chain.nextNonce(), rows[0]?.n ?? 0);
}

/**
 * Runs `work` holding the signer lock, inside a database transaction, with a function that signs
 * a registry call at the next free nonce. Returns undefined when another worker holds the lock.
 * `work` must record what it signs before returning; broadcast after this resolves.
 */
export async function withSigner<T>(
  db: Database,
  chain: AnchorChainPort,
  work: (
    tx: Queryable,
    sign: (fn: RegistryWrite, args: readonly unknown[]) => Promise<SignedTx>,
  ) => Promise<T>,
): Promise<T | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), $1) AS ok",
      [SIGNER_LOCK_KEY],
    );
    if (!rows[0]?.ok) return undefined;
    let nonce: number | undefined;
    return work(tx, async (fn, args) => {
      nonce = nonce === undefined ? await nextFreeNonce(tx, chain) : nonce + 1;
      return chain.signCall(fn, args, nonce);
    });
  });
}
