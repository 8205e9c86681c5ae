/**
 * The parts the fault suite (bench/faults.bench.ts) breaks on purpose, each private to the run so
 * that nothing another user of the machine relies on is touched:
 *   - a PostgreSQL cluster of its own (initdb + pg_ctl from the PostgreSQL 15 binaries, on its own
 *     port, under a temporary folder, run as the `postgres` user when the bench runs as root), which
 *     the suite can crash (`pg_ctl stop -m immediate`) and start again;
 *   - a `redis-server` of its own on another port (test/helpers/redis-server.ts), stopped and
 *     started again empty;
 *   - a TCP proxy in front of the chain's JSON-RPC, which can be cut (every connection closed and
 *     no new one accepted) and restored on the same port: the chain gone, as seen by the service;
 *   - `hocba serve` / `hocba worker` child processes of the real CLI (bin/hocba.mjs) that can be
 *     killed with SIGKILL and started again with the same settings.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  chownSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { startRedis, stopped } from "../../test/helpers/redis-server";
import { ROOT, serverNodeArgs, type Teardown } from "./stack";

const PG_BIN = process.env.BENCH_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Crashes the cluster (immediate shutdown: no checkpoint) and starts it again; resolves when it accepts connections. */
  crashRestart(): Promise<void>;
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (initdb refuses root). */
function pgCommand(binary: string, args: string[]): string {
  const full = path.join(PG_BIN, binary);
  const asRoot = process.getuid?.() === 0;
  return execFileSync(asRoot ? "runuser" : full, asRoot ? ["-u", "postgres", "--", full, ...args] : args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function startPrivatePostgres(teardown: Teardown): Promise<PrivatePostgres> {
  if (!existsSync(path.join(PG_BIN, "initdb")))
    throw new Error(`no PostgreSQL binaries in ${PG_BIN} (set BENCH_PG_BIN)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-faults-pg-"));
  const data = path.join(dir, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  teardown.add("private PostgreSQL folder", () => rmSync(dir, { recursive: true, force: true }));
  pgCommand("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=64MB`;
  const start = () =>
    pgCommand("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-o", options, "-w", "-t", "120", "start"]);
  start();
  teardown.add("private PostgreSQL", () => {
    try {
      pgCommand("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {
      // already stopped
    }
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    crashRestart() {
      pgCommand("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      start();
      return Promise.resolve();
    },
  };
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(teardown: Teardown): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await startRedis(port);
  teardown.add("private redis-server", async () => {
    if (child) await stopped(child);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child) await stopped(child);
      child = undefined;
    },
    async start() {
      child = await startRedis(port);
    },
  };
}

export interface CuttableProxy {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

/** A TCP proxy on a port of its own to `target` (host:port) that can be cut and restored. */
export async function startProxy(teardown: Teardown, targetPort: number): Promise<CuttableProxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
      server = s;
    });
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  teardown.add("chain proxy", cut);
  return { url: `http://127.0.0.1:${port}`, cut, restore: listen };
}

export interface HocbaProcess {
  readonly name: string;
  /** The API's address (serve only). */
  readonly url: string | undefined;
  /** The process id while it runs. */
  pid(): number | undefined;
  running(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

/**
 * A `hocba serve --no-worker` (with `port`) or `hocba worker` child process; `start` resolves when
 * the API answers /healthz (serve) or at once (worker). Output goes to `logFile` (appended).
 */
export function hocbaProcess(
  teardown: Teardown,
  name: string,
  kind: "serve" | "worker",
  env: Record<string, string>,
  logFile: string,
  port?: number,
): HocbaProcess {
  let child: ChildProcess | undefined;
  const url = kind === "serve" ? `http://127.0.0.1:${port}` : undefined;
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: "a" });
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once("exit", () => resolve()));
  const handle: HocbaProcess = {
    name,
    url,
    pid: () => child?.pid,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async kill(signal) {
      const c = child;
      if (!c) return;
      c.kill(signal);
      await exited(c);
    },
    async start() {
      const args = kind === "serve" ? ["serve", "--no-worker"] : ["worker"];
      const nodeArgs = kind === "serve" ? serverNodeArgs() : [];
      const c = spawn(process.execPath, [...nodeArgs, path.join(ROOT, "bin", "hocba.mjs"), ...args], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          ...env,
          ...(port === undefined ? {} : { HOST: "127.0.0.1", PORT: String(port) }),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      c.stdout.pipe(log, { end: false });
      c.stderr.pipe(log, { end: false });
      child = c;
      if (!url) return;
      const deadline = Date.now() + 300_000; // a start on a loaded machine has taken over 120 s
      for (;;) {
        if (c.exitCode !== null)
          throw new Error(
            `${name} exited with ${c.exitCode}:\n${readFileSync(logFile, "utf8").slice(-3000)}`,
          );
        if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz within 300 s`);
        const ok = await fetch(`${url}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
  teardown.add(name, async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 20_000);
    await exited(c);
    clearTimeout(timer);
  });
  return handle;
}
