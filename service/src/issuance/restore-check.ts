/**
 * The chain's side of a restore: what the registry recorded that the database does not know.
 * The start-up reconciliation (anchoring.ts reconcileWithChain, revocation.ts reconcileRevocations)
 * looks the other way — what the database holds that the chain lost — and re-sends it. After a
 * backup is restored, the chain may also hold roots and revocations written after the backup was
 * taken: the documents of those roots were accepted after the backup and are not in the restored
 * database (their schools must submit them again), and those revocations are not in its
 * `revocations` table. Nothing here writes: it reports, for the operator (docs/operations.md).
 */
import type { AnchoredRootEvent, Queryable, RegistryHistory, RevokedLeafEvent } from "./ports";

export interface UnknownRevocation extends RevokedLeafEvent {
  /** The document of the leaf when the database holds it (revoked after the backup), else null. */
  documentId: string | null;
}

export interface UnknownOnChain {
  /** Roots anchored on chain that no batch of the database has. */
  roots: AnchoredRootEvent[];
  /** Leaves revoked on chain whose revocation the database does not hold. */
  revocations: UnknownRevocation[];
}

export interface RestoreCheckDeps {
  db: Queryable;
  history: RegistryHistory;
  /** The registry's deployment block (its history starts there); default 0. */
  fromBlock?: number;
}

/** Rows compared per query (an array parameter). */
const CHUNK = 5_000;

async function inChunks<T, R>(items: readonly T[], fn: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await fn(items.slice(i, i + CHUNK))));
  return out;
}

/**
 * Every root and revocation the registry holds that the database does not know.
 * @throws HocbaError CHAIN_UNAVAILABLE when the chain cannot be read.
 */
export async function findUnknownOnChain(deps: RestoreCheckDeps): Promise<UnknownOnChain> {
  const fromBlock = deps.fromBlock ?? 0;
  const anchored = await deps.history.anchoredRoots(fromBlock);
  const knownRoots = new Set(
    await inChunks(anchored, async (chunk) => {
      const { rows } = await deps.db.query<{ root: string }>(
        "SELECT root FROM batches WHERE root = ANY($1::text[])",
        [chunk.map((r) => r.root)],
      );
      return rows.map((r) => r.root);
    }),
  );
  const revoked = await deps.history.revokedLeaves(fromBlock);
  const known = new Map(
    await inChunks(revoked, async (chunk) => {
      const { rows } = await deps.db.query<{ leaf: string; id: string; revoked: boolean }>(
        `SELECT d.leaf, d.id, r.leaf IS NOT NULL AS revoked
           FROM documents d LEFT JOIN revocations r ON r.leaf = d.leaf
          WHERE d.leaf = ANY($1::text[])`,
        [chunk.map((r) => r.leaf)],
      );
      return rows.map((r) => [r.leaf, r] as const);
    }),
  );
  return {
    roots: anchored.filter((r) => !knownRoots.has(r.root)),
    revocations: revoked
      .filter((r) => known.get(r.leaf)?.revoked !== true)
      .map((r) => ({ ...r, documentId: known.get(r.leaf)?.id ?? null })),
  };
}
