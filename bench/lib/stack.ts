/**
 * The production parts the issuance benchmark runs against, started and torn down by the bench:
 * a real `hardhat node` with the TranscriptRegistry deployed (first dev account admin, second the
 * anchoring account), a schema of its own in PostgreSQL, a Redis key prefix of its own, a trust
 * anchors folder, and the real `hocba serve` process built by `npm run build`. Every part
 * registers its own clean-up, so whatever fails, `teardown()` leaves nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { createPostgresDatabase, type Database } from "../../service/src/adapters/db/database";
import { startHardhatNode, type HardhatNode } from "../../test/helpers/hardhat-node";

export const ROOT = path.resolve(__dirname, "..", "..");
// Hardhat's first two well-known development accounts (public test keys).
export const ADMIN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const ANCHOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** LIFO clean-ups; each runs once even if an earlier one failed. */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`clean-up "${step.name}" failed:`, error);
      }
    }
  }
}

/** A hardhat node with the registry deployed; roles as the brief of issue 5 asks. */
export async function startChain(teardown: Teardown): Promise<{ node: HardhatNode; registry: string }> {
  const node = await startHardhatNode();
  teardown.add("hardhat node", () => node.stop());
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
  try {
    const anchorer = new Wallet(ANCHOR_KEY).address;
    const deployed = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
      anchorers: [anchorer],
      revokers: [anchorer],
    });
    return { node, registry: deployed.address };
  } finally {
    provider.destroy();
  }
}

/** A fresh schema; returns its name, a DATABASE_URL selecting it, and an open Database on it. */
export async function createSchema(
  teardown: Teardown,
  label: string,
): Promise<{ schema: string; url: string; db: Database }> {
  const schema = `bench_${label}_${process.pid}_${Date.now().toString(36)}`;
  const admin = createPostgresDatabase({ url: POSTGRES_URL, poolSize: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  teardown.add(`schema ${schema}`, async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const db = createPostgresDatabase({ url: url.toString(), poolSize: 4 });
  teardown.add(`pool on ${schema}`, () => db.close());
  return { schema, url: url.toString(), db };
}

/** Deletes every Redis key under `prefix:` at the end (BullMQ's queues, schedulers, locks). */
export function redisPrefix(teardown: Teardown, label: string): string {
  const prefix = `hocba-bench-${label}-${process.pid}`;
  teardown.add(`redis prefix ${prefix}`, async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
  });
  return prefix;
}

/** A temporary folder removed at the end. */
export function tempDir(teardown: Teardown, label: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hocba-bench-${label}-`));
  teardown.add(`dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` unless dist/hocba.cjs is newer than every service source. */
export function ensureBuilt(): void {
  const bundle = path.join(ROOT, "dist", "hocba.cjs");
  let built = 0;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > newestMtime(path.join(ROOT, "service", "src"))) return;
  const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status})`);
}

export interface Server {
  url: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
}

/**
 * Node.js options for the API processes a bench starts: BENCH_SERVER_NODE_ARGS, e.g.
 * "--cpu-prof --cpu-prof-dir=bench/out/profile" to see where the server's time goes.
 */
export function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
}

/** Starts `node bin/hocba.mjs serve` with `env` on a free port; resolves when /readyz says 200. */
export async function startServer(
  teardown: Teardown,
  env: Record<string, string>,
  logFile: string,
): Promise<Server> {
  const port = await freePort();
  mkdirSync(path.dirname(logFile), { recursive: true }); // bench/out/ is not in a fresh clone
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...serverNodeArgs(), path.join(ROOT, "bin", "hocba.mjs"), "serve"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  teardown.add("hocba serve", async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      console.error("hocba serve did not stop within 30 s of SIGTERM: killed");
      child.kill("SIGKILL");
    }, 30_000);
    await exited;
    clearTimeout(timer);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `hocba serve exited with ${child.exitCode}:\n${readFileSync(logFile, "utf8").slice(-3000)}`,
      );
    }
    if (Date.now() > deadline) throw new Error("hocba serve was not ready within 60 s");
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, process: child, pid: child.pid!, logFile };
}

/**
 * The settings every benchmark's `hocba serve` (and worker) shares: its own schema and Redis
 * prefix, the chain (`rpcUrl` when a proxy stands in front of the node), the anchoring key, a
 * trust anchors folder with `rootPem`, a temporary DATA_DIR, no demo, warnings only in the log.
 */
export function serverEnv(
  teardown: Teardown,
  label: string,
  parts: { databaseUrl: string; registry: string; rpcUrl: string; rootPem: string; adminToken: string },
): Record<string, string> {
  return {
    DATABASE_URL: parts.databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix(teardown, label),
    CHAIN_RPC_URL: parts.rpcUrl,
    CHAIN_ID: "31337",
    REGISTRY_ADDRESS: parts.registry,
    ANCHOR_KEY,
    ANCHOR_INTERVAL_MS: "1000",
    TRUST_ANCHORS_DIR: trustAnchorsDir(teardown, parts.rootPem),
    ADMIN_TOKEN: parts.adminToken,
    DATA_DIR: tempDir(teardown, "data"),
    DEMO: "off",
    LOG_LEVEL: "warn",
  };
}

/** Writes `pem` as the only root of a trust anchors folder. */
export function trustAnchorsDir(teardown: Teardown, rootPem: string): string {
  const dir = tempDir(teardown, "trust");
  writeFileSync(path.join(dir, "bench-root.pem"), rootPem);
  return dir;
}

/** Samples VmRSS of `pid` every `everyMs` from /proc; `peak` is the largest seen so far, in bytes. */
export function rssSampler(pid: number, everyMs = 100): { peak(): number; reset(): void; stop(): void } {
  let peak = 0;
  const sample = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) peak = Math.max(peak, Number(match[1]) * 1024);
    } catch {
      // the process has gone
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    peak: () => (sample(), peak),
    reset: () => {
      peak = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

/** CPU seconds (user + system) of process `pid` and its children (HTTP_PROCESSES workers), from /proc. */
export function cpuSeconds(pid: number): number {
  // After the command: state, ppid, …; utime, stime, cutime (reaped children), cstime are fields
  // 14–17 of stat(5), in clock ticks (100 per second on Linux).
  const stat = (p: string) => {
    const text = readFileSync(`/proc/${p}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  };
  const own = stat(String(pid));
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = stat(entry);
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended while we looked: its time is in the parent's cutime from now on
    }
  }
  return ticks / 100;
}
