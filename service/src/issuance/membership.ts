/**
 * Which batch holds a document, in SQL (migration 004): a batch covers the documents whose `seq`
 * lies in [first_seq, last_seq], leaves in `seq` order, minus the `gaps` no document holds.
 * Queries join `documents d` to `batches b` with these fragments; a pending document has no batch.
 */

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
