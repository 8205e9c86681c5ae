-- Batch membership by sequence range. Stamping every claimed document with its batch (an UPDATE
-- of 100,000 rows, each a new row version in every index of `documents`) was three quarters of
-- the anchoring work for 100,000 documents (bench/RESULTS.md, issuance). A batch now covers the
-- documents whose `seq` lies in [first_seq, last_seq]; `gaps` holds the numbers of that range no
-- document has (sequence values drawn by a transaction that rolled back). A document's leaf index
-- is its rank in the range: seq - first_seq - (numbers of gaps below seq). Creating a batch writes
-- one row, whatever its size. The ranges never overlap (batches_disjoint), so no document can be
-- in two batches.
--
-- Why no document can be skipped although `seq` is drawn at insert, not at commit: every INSERT
-- into documents holds a shared advisory lock from before it draws a seq until it ends (the
-- trigger below). createBatch reads the highest committed seq H, then takes that lock exclusively
-- once — so every transaction that drew a seq <= H has committed or rolled back — and only then
-- reads the documents in (the last batch's last_seq, H]: no document can appear there later.
-- This relies on `documents_seq_seq` handing out values in order (CACHE 1, the default).

-- Existing data: renumber the documents so that each batch is one gapless range, in batch order,
-- leaves in their order, and the pending documents come after every batch. seq is internal:
-- nothing outside this table refers to it. New numbers are above every old one, so the unique
-- index never sees two rows with the same number during the update.
UPDATE documents d SET seq = top.n + ranked.rank
  FROM (SELECT id, row_number() OVER (ORDER BY batch_id NULLS LAST, leaf_index, seq) AS rank FROM documents) ranked,
       (SELECT coalesce(max(seq), 0) AS n FROM documents) top
 WHERE d.id = ranked.id;
SELECT setval(pg_get_serial_sequence('documents', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM documents), false);

ALTER TABLE batches
  ADD COLUMN first_seq bigint,
  ADD COLUMN last_seq bigint,
  ADD COLUMN gaps int8multirange NOT NULL DEFAULT '{}';
UPDATE batches b SET first_seq = r.lo, last_seq = r.hi
  FROM (SELECT batch_id, min(seq) AS lo, max(seq) AS hi FROM documents WHERE batch_id IS NOT NULL GROUP BY batch_id) r
 WHERE b.id = r.batch_id;
ALTER TABLE batches
  ALTER COLUMN first_seq SET NOT NULL,
  ALTER COLUMN last_seq SET NOT NULL,
  ADD CONSTRAINT batches_range CHECK (first_seq <= last_seq AND gaps <@ int8range(first_seq, last_seq, '()')),
  ADD CONSTRAINT batches_disjoint EXCLUDE USING gist (int8range(first_seq, last_seq, '[]') WITH &&);
CREATE UNIQUE INDEX batches_last_seq ON batches (last_seq);

-- The per-document stamp goes, with its indexes, its CHECK and its foreign key.
DROP INDEX documents_pending;
DROP INDEX documents_batch;
ALTER TABLE documents DROP COLUMN batch_id, DROP COLUMN leaf_index;

-- The lock createBatch waits on (anchoring.ts INSERT_LOCK_KEY), held shared by every INSERT into
-- documents until its transaction ends. Statement-level: taken once per INSERT, before any row's seq.
CREATE FUNCTION documents_insert_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext(current_schema()), 1751343716);
  RETURN NULL;
END
$$;
CREATE TRIGGER documents_insert_lock BEFORE INSERT ON documents
  FOR EACH STATEMENT EXECUTE FUNCTION documents_insert_lock();
