/**
 * The batches store (table `batches`): which batch holds a document, a document's Merkle proof, a
 * confirmed batch by its root.
 *
 * Which batch holds a document, in SQL (migration 004): a batch covers the documents whose `seq`
 * lies in [first_seq, last_seq], leaves in `seq` order, minus the `gaps` no document holds.
 * Queries join `documents d` to `batches b` with these fragments; a pending document has no batch.
 */
import { proofNodeIndexes } from "../../core/merkle/packed";
import type { Queryable } from "../ports";

/** Join condition of `documents d` and the `batches b` holding it (the batches_disjoint index). */
export const BATCH_OF_DOCUMENT = "int8range(b.first_seq, b.last_seq, '[]') @> d.seq";

/**
 * The leaf index of `d` in `b`: its rank among the batch's documents. Null without a batch. A gap
 * never holds a document, so every gap starting below `d.seq` lies wholly below it.
 */
export const LEAF_INDEX_SQL = `(d.seq - b.first_seq - (SELECT coalesce(sum(upper(g) - lower(g)), 0)
  FROM unnest(b.gaps) AS g WHERE lower(g) < d.seq))::int`;

/**
 * The gaps of a batch of ascending sequence numbers, as an int8multirange literal: the numbers
 * between the first and the last that are missing.
 */
export function gapsOf(seqs: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i]! !== seqs[i - 1]! + 1) ranges.push(`[${seqs[i - 1]! + 1},${seqs[i]!})`);
  }
  return `{${ranges.join(",")}}`;
}

/**
 * The Merkle proof of anchored document `id` at `leafIndex` of its batch (of `leafCount` leaves,
 * read when not given), from the packed tree.
 * Only the proof's nodes leave the database (~17 × 32 bytes for a batch of 100,000), not the tree.
 */
export async function anchorProof(
  db: Queryable,
  id: string,
  leafIndex: number,
  leafCount?: number,
): Promise<string[]> {
  if (leafCount === undefined) {
    const { rows } = await db.query<{ leaf_count: number }>(
      `SELECT b.leaf_count FROM documents d JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE d.id = $1`,
      [id],
    );
    if (rows[0] === undefined) return [];
    leafCount = rows[0].leaf_count;
  }
  const nodes = proofNodeIndexes(leafCount, leafIndex);
  const { rows } = await db.query<{ proof: string | null }>(
    `SELECT (SELECT string_agg(encode(substring(b.tree FROM n.i * 32 + 1 FOR 32), 'hex'), ',' ORDER BY n.o)
               FROM unnest($2::int[]) WITH ORDINALITY AS n(i, o)) AS proof
       FROM documents d JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE d.id = $1`,
    [id, nodes],
  );
  const proof = rows[0]?.proof ?? null;
  return proof === null ? [] : proof.split(",").map((node) => `0x${node}`);
}

/** Where the chain confirmed root `root` (lowercase), from the batches; undefined if not (yet) confirmed. */
export async function confirmedBatch(
  db: Queryable,
  root: string,
): Promise<{ txHash: string; blockNumber: number; anchoredAt: Date; leafCount: number } | undefined> {
  const { rows } = await db.query<{
    txHash: string;
    blockNumber: number;
    anchoredAt: Date;
    leafCount: number;
  }>(
    `SELECT tx_hash AS "txHash", block_number AS "blockNumber", anchored_at AS "anchoredAt", leaf_count AS "leafCount"
       FROM batches WHERE root = $1 AND state = 'confirmed'`,
    [root],
  );
  return rows[0];
}
