import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { createAnchorQueue, startAnchorWorker } from "../../service/src/adapters/queue/bullmq";
import type { AnchoringDeps } from "../../service/src/issuance/anchoring";
import { BATCH_OF_DOCUMENT } from "../../service/src/issuance/stores/batches";
import { startInProcessRunner } from "../../service/src/issuance/runner";
import {
  addPendingDocuments,
  anchoringClient,
  eventually,
  startChain,
  stopChain,
  type TestChain,
} from "../helpers/chain";
import { isolatedPostgres, REDIS_URL, serviceAvailable } from "../helpers/services";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-runner-"));
let chain: TestChain;
beforeAll(async () => {
  chain = await startChain(path.join(dir, "state.json"));
});
afterAll(async () => {
  await stopChain(chain);
  rmSync(dir, { recursive: true, force: true });
});

async function unanchored(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}
      WHERE b.state IS DISTINCT FROM 'confirmed'`,
  );
  return rows[0]!.n;
}

describe("the in-process anchoring runner", () => {
  let db: Database;
  let deps: AnchoringDeps;
  beforeAll(async () => {
    db = await createPGliteDatabase();
    await migrate(db);
    deps = { db, chain: chain.registry, maxBatch: 50, confirmations: 1 };
  });
  afterAll(() => db.close());

  it("anchors what is pending on its own, batch after batch, until stopped", async () => {
    await addPendingDocuments(db, 120);
    const runner = startInProcessRunner(deps, { intervalMs: 100 });
    await eventually(async () => (await unanchored(db)) === 0);
    await addPendingDocuments(db, 7);
    runner.trigger();
    await eventually(async () => (await unanchored(db)) === 0);
    await runner.stop();
    const { rows } = await db.query<{ leaf_count: number }>("SELECT leaf_count FROM batches ORDER BY id");
    expect(rows.map((r) => r.leaf_count)).toEqual([50, 50, 20, 7]);
  });

  it("reports a chain outage and carries on once the chain answers again", async () => {
    const errors: string[] = [];
    const down = anchoringClient("http://127.0.0.1:9", chain.registry.address);
    const runner = startInProcessRunner(
      { ...deps, chain: down },
      { intervalMs: 50, onError: (e) => errors.push((e as { code: string }).code) },
    );
    await addPendingDocuments(db, 3);
    await eventually(() => Promise.resolve(errors.length >= 2));
    await runner.stop();
    down.close();
    expect([...new Set(errors)]).toEqual(["CHAIN_UNAVAILABLE"]);
    const again = startInProcessRunner(deps, { intervalMs: 50 });
    await eventually(async () => (await unanchored(db)) === 0);
    await again.stop();
  });
});

describe("the BullMQ anchoring queue", async () => {
  const redisUp = await serviceAvailable("redis");
  const pgUp = await serviceAvailable("postgres");

  it.runIf(redisUp && pgUp)(
    "lets several workers anchor everything exactly once, on ticks and triggers",
    async () => {
      const { db, dispose } = await isolatedPostgres();
      await migrate(db);
      const prefix = `hocba-test-${randomBytes(4).toString("hex")}`;
      const second = anchoringClient(chain.anvil.url, chain.registry.address);
      const queue = await createAnchorQueue({ redisUrl: REDIS_URL, prefix, intervalMs: 200 });
      const workers = [
        startAnchorWorker(
          { db, chain: chain.registry, maxBatch: 40, confirmations: 1 },
          { redisUrl: REDIS_URL, prefix },
        ),
        startAnchorWorker(
          { db, chain: second, maxBatch: 40, confirmations: 1 },
          { redisUrl: REDIS_URL, prefix },
        ),
      ];
      try {
        await queue.ping();
        await addPendingDocuments(db, 150);
        queue.trigger();
        queue.trigger();
        await eventually(async () => (await unanchored(db)) === 0);
        const { rows } = await db.query<{ docs: number; batches: number; sum: number }>(
          `SELECT (SELECT count(*) FROM documents) AS docs, count(*) AS batches, sum(leaf_count)::int AS sum FROM batches`,
        );
        expect(rows).toEqual([{ docs: 150, batches: 4, sum: 150 }]);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await queue.queue.obliterate({ force: true });
        await queue.stop();
        second.close();
        await dispose();
      }
    },
  );
});
