/**
 * How far anchoring is behind, for /metrics: documents not yet in a confirmed batch, the age of the
 * oldest of them (the anchoring lag) and batches by state. Cheap at any size: the documents after
 * the last batch are counted through the `seq` index, those in open batches by their `leaf_count`,
 * and the oldest pending document is the first `seq` of the first open batch (or after the last
 * batch) — no scan of the documents table.
 */
import type { Queryable } from "./ports";

export interface AnchoringStatus {
  pendingDocuments: number;
  /** When the oldest document not yet anchored was accepted; null when none waits. */
  oldestPendingAt: Date | null;
  /** Batches by state (created, submitted, confirmed). */
  batchesByState: Record<string, number>;
}

export async function anchoringStatus(db: Queryable): Promise<AnchoringStatus> {
  const { rows } = await db.query<{ pending: string; oldest: Date | null }>(
    `WITH tail AS (SELECT coalesce(max(last_seq), 0) AS last_seq FROM batches),
          open AS (SELECT min(first_seq) AS first_seq, coalesce(sum(leaf_count), 0) AS documents
                     FROM batches WHERE state <> 'confirmed')
     SELECT (SELECT count(*) FROM documents, tail WHERE seq > tail.last_seq) + open.documents AS pending,
            (SELECT created_at FROM documents, tail
              WHERE seq >= coalesce(open.first_seq, tail.last_seq + 1) ORDER BY seq LIMIT 1) AS oldest
       FROM open, tail`,
  );
  const states = await db.query<{ state: string; count: number }>(
    "SELECT state, count(*)::int AS count FROM batches GROUP BY state ORDER BY state",
  );
  const row = rows[0]!;
  return {
    pendingDocuments: Number(row.pending),
    oldestPendingAt: row.oldest === null ? null : new Date(row.oldest),
    batchesByState: Object.fromEntries(states.rows.map((r) => [r.state, r.count])),
  };
}
