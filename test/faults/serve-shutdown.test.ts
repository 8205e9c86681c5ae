/**
 * `hocba serve` in its production shape (PostgreSQL, BullMQ on Redis, an external `hardhat node`)
 * must stop when its process manager sends SIGTERM: systemd, Kubernetes and Docker wait a grace
 * period and then kill, which would cut an anchoring round short — and it must stop even when Redis
 * has gone away. The real command, as a child process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../service/src/adapters/pki/certificates";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { createAnchorQueue } from "../../service/src/adapters/queue/bullmq";
import { ADMIN_KEY, ANCHOR_KEY, eventually } from "../helpers/chain";
import { tempDir } from "../helpers/files";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";
import { startRedis, stopped } from "../helpers/redis-server";
import { isolatedPostgres, POSTGRES_URL, REDIS_URL, serviceAvailable } from "../helpers/services";

const BIN = path.resolve(__dirname, "../../bin/hocba.mjs");
const ready = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));
const tmp = tempDir("serve-shutdown");

let node: HardhatNode | undefined;
let pg: Awaited<ReturnType<typeof isolatedPostgres>> | undefined;
let env: Record<string, string> | undefined;
const children = new Set<ChildProcess>();
const redises = new Set<ChildProcess>();

beforeAll(async () => {
  if (!ready) return;
  node = await startHardhatNode();
  pg = await isolatedPostgres();
  const schema = (await pg.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
  try {
    const { address } = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
      anchorers: [new Wallet(ANCHOR_KEY).address],
    });
    const root = await issueCertificate({ subject: "CN=Shutdown test root, C=VN", ca: true });
    tmp.write("root.pem", root.certificatePem);
    env = {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      REDIS_URL,
      REDIS_PREFIX: `hocba-shutdown-${randomBytes(4).toString("hex")}`,
      CHAIN_RPC_URL: node.url,
      CHAIN_ID: "31337",
      REGISTRY_ADDRESS: address,
      ANCHOR_KEY,
      TRUST_ANCHORS_DIR: tmp.dir,
      ADMIN_TOKEN: "shutdown-test-admin-token",
      ANCHOR_INTERVAL_MS: "200",
      DATA_DIR: tmp.path("data"),
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "silent",
    };
  } finally {
    provider.destroy();
  }
});
afterAll(async () => {
  for (const child of [...children, ...redises]) child.kill("SIGKILL");
  if (env) {
    // The scheduler the service put in the shared Redis, under this file's own prefix.
    const queue = await createAnchorQueue({
      redisUrl: REDIS_URL,
      prefix: env.REDIS_PREFIX!,
      intervalMs: 1000,
    });
    await queue.queue.obliterate({ force: true });
    await queue.stop();
  }
  await node?.stop();
  await pg?.dispose();
  tmp.dispose();
});

/** Resolves with the exit code and signal of `child`. */
function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Starts `hocba serve` with `env` (plus `extra`) and resolves once /readyz answers 200. */
async function startServe(
  extra: Record<string, string> = {},
): Promise<{ child: ChildProcess; stderr(): string }> {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { ...process.env, ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`hocba serve exited early: ${stderr}`);
    const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (!url) return false;
    return (await fetch(`${url}/readyz`)).status === 200;
  }, 60_000);
  // Scheduler ticks reach the worker: a round and Redis's blocking reads are in flight.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { child, stderr: () => stderr };
}

describe.runIf(ready)("hocba serve with PostgreSQL, Redis and a hardhat node", () => {
  it("exits 0 after SIGTERM, with anchoring rounds running", async () => {
    const serve = await startServe();
    serve.child.kill("SIGTERM");
    expect([await exited(serve.child), serve.stderr()]).toEqual([{ code: 0, signal: null }, ""]);
  }, 90_000);

  it("exits 0 after SIGTERM while Redis is away", async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    redises.add(redis);
    const serve = await startServe({ REDIS_URL: `redis://127.0.0.1:${port}` });
    await stopped(redis);
    serve.child.kill("SIGTERM");
    expect([await exited(serve.child), serve.stderr()]).toEqual([{ code: 0, signal: null }, ""]);
  }, 90_000);
});
