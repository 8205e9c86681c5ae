/**
 * The real `hocba serve` command as a child process in its production shape: PostgreSQL (a schema
 * of its own), BullMQ on the shared Redis (a key prefix of its own), a `hardhat node` with the
 * registry deployed, a trust root in a folder. For tests of what only a whole process shows:
 * shutdown on signals, several processes on one port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { issueCertificate } from "../../service/src/adapters/pki/certificates";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { createAnchorQueue } from "../../service/src/adapters/queue/bullmq";
import { ADMIN_KEY, ANCHOR_KEY, eventually } from "./chain";
import { tempDir } from "./files";
import { startHardhatNode } from "./hardhat-node";
import { isolatedPostgres, POSTGRES_URL, REDIS_URL } from "./services";

const BIN = path.resolve(__dirname, "../../bin/hocba.mjs");

export interface ServeProcess {
  child: ChildProcess;
  /** Where the (first) process said it listens. */
  url: string;
  stdout(): string;
  stderr(): string;
}

export interface ProductionStack {
  /** The environment of `hocba serve` on these parts (PORT 0, logs silent). */
  env: Record<string, string>;
  /** Starts `hocba serve` with `env` plus `extra`; resolves once /readyz answers 200. */
  serve(extra?: Record<string, string>): Promise<ServeProcess>;
  /** Kills what is still running, removes the queue's keys, the schema and the files. */
  dispose(): Promise<void>;
}

/** Resolves with the exit code and signal of `child`. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Starts the parts; `name` labels the temp folder and the Redis prefix. */
export async function productionStack(name: string): Promise<ProductionStack> {
  const tmp = tempDir(name);
  const node = await startHardhatNode();
  const pg = await isolatedPostgres();
  const children = new Set<ChildProcess>();
  const schema = (await pg.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
  let env: Record<string, string>;
  try {
    const { address } = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
      anchorers: [new Wallet(ANCHOR_KEY).address],
    });
    const root = await issueCertificate({ subject: `CN=${name} test root, C=VN`, ca: true });
    tmp.write("root.pem", root.certificatePem);
    env = {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      REDIS_URL,
      REDIS_PREFIX: `hocba-${name}-${randomBytes(4).toString("hex")}`,
      CHAIN_RPC_URL: node.url,
      CHAIN_ID: "31337",
      REGISTRY_ADDRESS: address,
      ANCHOR_KEY,
      TRUST_ANCHORS_DIR: tmp.dir,
      ADMIN_TOKEN: `${name}-test-admin-token`,
      ANCHOR_INTERVAL_MS: "200",
      DATA_DIR: tmp.path("data"),
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "silent",
    };
  } finally {
    provider.destroy();
  }
  return {
    env,
    async serve(extra = {}) {
      const child = spawn(process.execPath, [BIN, "serve"], {
        env: { ...process.env, ...env, ...extra },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      let url = "";
      await eventually(async () => {
        if (child.exitCode !== null)
          throw new Error(`hocba serve exited early (code ${child.exitCode}): ${stderr}`);
        url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? "";
        if (!url) return false;
        return (await fetch(`${url}/readyz`)).status === 200;
      }, 60_000);
      return { child, url, stdout: () => stdout, stderr: () => stderr };
    },
    async dispose() {
      for (const child of children) child.kill("SIGKILL");
      // The scheduler the service put in the shared Redis, under this stack's own prefix.
      const queue = await createAnchorQueue({
        redisUrl: REDIS_URL,
        prefix: env.REDIS_PREFIX!,
        intervalMs: 1000,
      });
      await queue.queue.obliterate({ force: true });
      await queue.stop();
      await node.stop();
      await pg.dispose();
      tmp.dispose();
    },
  };
}
