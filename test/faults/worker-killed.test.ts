/**
 * A `hocba worker` process killed between sending an anchor transaction and confirming it: the
 * transaction is in the node's pool (interval mining, like QBFT's block period), the worker dies
 * with SIGKILL, another worker takes over — and every document ends up anchored exactly once.
 * Real PostgreSQL, Redis, anvil and worker processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../service/src/adapters/pki/certificates";
import { startAnvil } from "../../service/src/adapters/chain/anvil";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import { migrate } from "../../service/src/adapters/db/migrate";
import { createAnchorQueue } from "../../service/src/adapters/queue/bullmq";
import { BATCH_OF_DOCUMENT } from "../../service/src/issuance/stores/batches";
import { addPendingDocuments, ADMIN_KEY, ANCHOR_KEY, eventually } from "../helpers/chain";
import { isolatedPostgres, POSTGRES_URL, REDIS_URL, serviceAvailable } from "../helpers/services";

const BIN = path.resolve(__dirname, "../../bin/hocba.mjs");
const ready = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-faults-"));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, "worker"], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  children.add(child);
  return child;
}

describe.runIf(ready)("a worker killed between sending and confirming", () => {
  it("leaves every document anchored exactly once after another worker takes over", async () => {
    const { db, dispose } = await isolatedPostgres();
    const schema = (await db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
    await migrate(db);
    const anvil = await startAnvil({ blockTimeSeconds: 3 });
    const network = Network.from(31337);
    const provider = new JsonRpcProvider(anvil.url, network, { staticNetwork: network });
    const prefix = `hocba-fault-${randomBytes(4).toString("hex")}`;
    const queue = await createAnchorQueue({ redisUrl: REDIS_URL, prefix, intervalMs: 200 });
    try {
      const { address } = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
        anchorers: [new Wallet(ANCHOR_KEY).address],
      });
      const root = await issueCertificate({ subject: "CN=Fault test root, C=VN", ca: true });
      writeFileSync(path.join(dir, "root.pem"), root.certificatePem);
      const env = {
        DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        CHAIN_RPC_URL: anvil.url,
        CHAIN_ID: "31337",
        REGISTRY_ADDRESS: address,
        ANCHOR_KEY,
        TRUST_ANCHORS_DIR: dir,
        ADMIN_TOKEN: "fault-test-admin-token",
        ANCHOR_MAX_BATCH: "20",
        LOG_LEVEL: "silent",
        DATA_DIR: dir,
      };
      await addPendingDocuments(db, 50);

      const first = startWorker(env);
      await eventually(async () => {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*) AS n FROM batches WHERE state = 'submitted'",
        );
        return rows[0]!.n > 0;
      }, 30_000);
      first.kill("SIGKILL");
      const atKill = await db.query<{ state: string }>("SELECT state FROM batches ORDER BY id");
      expect(atKill.rows.map((r) => r.state)).not.toContain("confirmed");

      startWorker(env);
      await eventually(async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*) AS n FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}
            WHERE b.state IS DISTINCT FROM 'confirmed'`,
        );
        return rows[0]!.n === 0;
      }, 60_000);

      const batches = await db.query<{ root: string; leaf_count: number }>(
        "SELECT root, leaf_count FROM batches ORDER BY id",
      );
      const logs = await provider.getLogs({
        address,
        topics: [REGISTRY_ABI.getEvent("RootAnchored")!.topicHash],
        fromBlock: 0,
      });
      const anchoredRoots = logs.map((log) => log.topics[1]);
      expect([batches.rows.reduce((n, b) => n + b.leaf_count, 0), [...anchoredRoots].sort()]).toEqual([
        50,
        batches.rows.map((b) => b.root).sort(),
      ]);
    } finally {
      for (const child of children) child.kill("SIGTERM");
      await queue.queue.obliterate({ force: true });
      await queue.stop();
      provider.destroy();
      await anvil.stop();
      await dispose();
    }
  }, 120_000);
});
