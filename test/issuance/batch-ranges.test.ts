import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { listMigrations, migrate } from "../../service/src/adapters/db/migrate";
import { buildPackedTree } from "../../service/src/core/merkle/packed";
import { createBatch, type AnchorChainPort, type AnchoringDeps } from "../../service/src/issuance/anchoring";
import { BATCH_OF_DOCUMENT, gapsOf, LEAF_INDEX_SQL } from "../../service/src/issuance/stores/batches";
import { addPendingDocuments, eventually } from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";

/** createBatch never touches the chain. */
const NO_CHAIN = new Proxy({} as AnchorChainPort, {
  get: (_, name) => () => Promise.reject(new Error(`createBatch called chain.${String(name)}`)),
});

const backends = await databaseBackends();

/** Every document's batch and leaf index, in seq order (null while pending). */
async function membership(db: Database) {
  const { rows } = await db.query<{ leaf: string; batch: number | null; leaf_index: number | null }>(
    `SELECT d.leaf, b.id AS batch, ${LEAF_INDEX_SQL} AS leaf_index
       FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT} ORDER BY d.seq`,
  );
  return rows;
}

describe("gapsOf", () => {
  it("lists the numbers missing between the first and the last sequence number as ranges", () => {
    expect([gapsOf([5]), gapsOf([5, 6, 7]), gapsOf([5, 7, 8, 12])]).toEqual(["{}", "{}", "{[6,7),[9,12)}"]);
  });
});

describe.each(backends)("batches as sequence ranges on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let deps: AnchoringDeps;
  beforeEach(async () => {
    ({ db, dispose } = await backend.open());
    deps = { db, chain: NO_CHAIN, maxBatch: 1000, confirmations: 1 };
  });
  afterEach(() => dispose());

  it("gives each document of a batch its rank as leaf index, skipping numbers no document holds", async () => {
    await migrate(db);
    await addPendingDocuments(db, 3);
    // A submission that rolled back drew sequence numbers no document holds.
    await expect(
      db.transaction(async (tx) => {
        await addPendingDocuments(tx, 2);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await addPendingDocuments(db, 2);
    const created = await createBatch(deps);
    const rows = await membership(db);
    const { rows: batches } = await db.query<{ first_seq: number; last_seq: number; gaps: string }>(
      "SELECT first_seq, last_seq, gaps::text FROM batches",
    );
    expect([created?.count, created?.root, batches, rows.map((r) => [r.batch, r.leaf_index])]).toEqual([
      5,
      buildPackedTree(rows.map((r) => r.leaf)).root,
      [{ first_seq: 1, last_seq: 7, gaps: "{[4,6)}" }],
      [0, 1, 2, 3, 4].map((i) => [created?.batchId, i]),
    ]);
    expect(await createBatch(deps)).toBeNull();
  });

  it("migrates documents stamped with their batch: same batches, same leaf indexes, pending ones still pending", async () => {
    await migrate(
      db,
      listMigrations().filter((m) => m.version < 4),
    );
    await addPendingDocuments(db, 7);
    const { rows: docs } = await db.query<{ id: string; leaf: string }>(
      "SELECT id, leaf FROM documents ORDER BY seq",
    );
    // Two workers claimed with SKIP LOCKED: batch 1 got documents 0, 1, 4 and batch 2 got 2, 3;
    // 5 and 6 are pending.
    const stamp = async (root: string, members: number[]) => {
      const { rows } = await db.query<{ id: number }>(
        "INSERT INTO batches (root, leaf_count, tree) VALUES ($1, $2, $3) RETURNING id",
        ["0x" + root.repeat(32), members.length, new Uint8Array(32)],
      );
      for (const [index, member] of members.entries())
        await db.query("UPDATE documents SET batch_id = $1, leaf_index = $2 WHERE id = $3", [
          rows[0]!.id,
          index,
          docs[member]!.id,
        ]);
      return rows[0]!.id;
    };
    const first = await stamp("aa", [0, 1, 4]);
    const second = await stamp("bb", [2, 3]);
    await migrate(db);
    const leafOf = (i: number) => docs[i]!.leaf;
    const after = new Map((await membership(db)).map((r) => [r.leaf, [r.batch, r.leaf_index]]));
    expect([0, 1, 4, 2, 3, 5, 6].map((i) => after.get(leafOf(i)))).toEqual([
      [first, 0],
      [first, 1],
      [first, 2],
      [second, 0],
      [second, 1],
      [null, null],
      [null, null],
    ]);
    await addPendingDocuments(db, 1);
    expect((await createBatch(deps))?.count).toBe(3);
    expect((await membership(db)).filter((r) => r.batch === null)).toEqual([]);
  });

  // PGlite has a single connection: no submission can stay open beside the batch creator there.
  if (backend.name !== "pglite")
    it("waits for a submission still open when the batch is made instead of skipping its document", async () => {
      await migrate(db);
      await addPendingDocuments(db, 1);
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let inserted!: () => void;
      const drawn = new Promise<void>((resolve) => (inserted = resolve));
      // This transaction draws the next seq and stays open…
      const slow = db.transaction(async (tx) => {
        await addPendingDocuments(tx, 1);
        inserted();
        await committed;
      });
      await drawn;
      // …while a later one commits a higher seq.
      await addPendingDocuments(db, 1);
      const batch = createBatch(deps);
      try {
        // createBatch waits for the open submission (its exclusive request shows in pg_locks)…
        await eventually(async () => {
          const { rows } = await db.query<{ waiting: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = 1751343716
                              AND classid = (hashtext(current_schema())::bigint & 4294967295)::oid) AS waiting`,
          );
          return rows[0]!.waiting;
        });
      } finally {
        commit();
        await slow;
      }
      // …and then takes its document with the others, in seq order.
      expect([(await batch)?.count, (await membership(db)).map((r) => r.leaf_index)]).toEqual([3, [0, 1, 2]]);
    });
});
