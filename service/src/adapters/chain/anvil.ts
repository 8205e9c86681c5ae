/**
 * The embedded chain of the default mode (README, Quick start): anvil as a child process, gas-free like
 * the permissioned Besu network, its state kept in a file under DATA_DIR so it survives a
 * restart. anvil writes the state on a clean exit and every `stateIntervalSeconds`; a crash loses
 * what came after the last write — the service reconciles that at start (re-anchors lost roots).
 * The binary comes from the npm package @foundry-rs/anvil-linux-amd64 (works offline); set
 * ANVIL_BIN to use another build on other platforms.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { HocbaError } from "../../core/errors";
import type { ChainHealth } from "../../issuance/ports";

export interface AnvilOptions {
  /** File anvil loads at start and dumps to; omit for a throw-away chain. */
  stateFile?: string;
  /** Seconds between state dumps while running (default 1). */
  stateIntervalSeconds?: number;
  host?: string;
  /** 0 or omitted: a free port is chosen. */
  port?: number;
  chainId?: number;
  /** Seconds per block (interval mining, closer to QBFT); omit for automine. */
  blockTimeSeconds?: number;
  /** Path of the anvil binary; default: ANVIL_BIN from `env`, then the npm package's binary. */
  binary?: string;
  env?: Record<string, string | undefined>;
  /** How long to wait for the RPC to answer (ms, default 20 s). */
  startTimeoutMs?: number;
}

/** How an anvil process ended: its exit code, or the signal that ended it. */
export interface AnvilExit {
  code: number | null;
  signal: string | null;
}

export interface AnvilProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has ended, whoever ended it. */
  readonly exited: Promise<AnvilExit>;
  /** Clean shutdown (SIGTERM): anvil writes its state file first. */
  stop(): Promise<void>;
  /** Unclean death (SIGKILL): state since the last periodic dump is lost. */
  kill(): Promise<void>;
}

/** Locates the anvil binary shipped by npm for this platform. */
export function anvilBinary(env: Record<string, string | undefined> = {}): string {
  if (env.ANVIL_BIN) return env.ANVIL_BIN;
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  try {
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
    if (existsSync(file)) return file;
  } catch {
    // fall through to the error below
  }
  throw new HocbaError(
    "CHAIN_UNAVAILABLE",
    `no anvil binary for ${process.platform}-${process.arch}: set ANVIL_BIN`,
  );
}

/** Asks the OS for a free TCP port on `host`. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<AnvilExit> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/**
 * Starts anvil and resolves once its JSON-RPC answers.
 *
 * @example
 * const chain = await startAnvil({ stateFile: "data/chain/state.json" });
 * const provider = new JsonRpcProvider(chain.url);
 * await chain.stop();
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilProcess> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port || (await freePort(host));
  const args = ["--host", host, "--port", String(port), "--chain-id", String(options.chainId ?? 31337)];
  // A permissioned network charges no gas: send transactions with gasPrice 0.
  args.push("--base-fee", "0", "--gas-price", "0", "--silent");
  if (options.stateFile) {
    args.push("--state", options.stateFile, "--state-interval", String(options.stateIntervalSeconds ?? 1));
  }
  if (options.blockTimeSeconds !== undefined) args.push("--block-time", String(options.blockTimeSeconds));

  const child = spawn(options.binary ?? anvilBinary(options.env), args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  for (;;) {
    if (spawnError || child.exitCode !== null) {
      throw new HocbaError(
        "CHAIN_UNAVAILABLE",
        `anvil did not start: ${spawnError?.message ?? stderr.trim()}`,
      );
    }
    if (await rpcAnswers(url)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new HocbaError("CHAIN_UNAVAILABLE", `anvil did not answer on ${url} in time: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    exited: exited(child),
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
    },
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
  };
}

export type { ChainHealth };

export interface SupervisedAnvilOptions extends AnvilOptions {
  stateFile: string;
  /**
   * Records which service process and which anvil use the state file (default `<stateFile>.pid`):
   * a second service on the same file is refused, and an anvil left running by a service that was
   * killed is stopped (SIGTERM: it writes its state) before a new one loads the file.
   */
  pidFile?: string;
  /** Delay before the first restart after a death (ms, default 1,000); doubles up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  /** Longest delay between restart attempts (ms, default 30,000). */
  maxRestartDelayMs?: number;
  /**
   * Runs after each restart, once the RPC answers and before the chain is reported up again: the
   * service repairs there what the restart lost (the registry, roots, revocations). A failure is
   * reported through `onEvent` and the chain is reported up all the same.
   */
  onRestart?: () => Promise<void>;
  onEvent?: (event: SupervisorEvent, details: Record<string, unknown>) => void;
}

export type SupervisorEvent =
  "chain.exited" | "chain.restarted" | "chain.restart_failed" | "chain.repair_failed";

export interface SupervisedAnvil {
  readonly url: string;
  readonly port: number;
  /** The pid of the anvil running now (-1 while down). */
  pid(): number;
  health(): ChainHealth;
  /** Clean shutdown: no restart after it; anvil writes its state file. */
  stop(): Promise<void>;
}

/** A run of at least this long resets the restart delay to its first value. */
const STABLE_RUN_MS = 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether process `pid` is an anvil using `stateFile` (Linux /proc; elsewhere assumed not). */
function isAnvilOn(pid: number, stateFile: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.some((arg) => arg.endsWith("anvil")) && args.includes(path.resolve(stateFile));
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** State files supervised in this process (resolved paths). */
const claimed = new Set<string>();

/**
 * Takes the state file for this process: refuses it while another live service (or another
 * supervisor of this process) holds it, and
 * stops an anvil a killed service left running on it, so that two anvils never write one file.
 */
async function claimStateFile(pidFile: string, stateFile: string): Promise<void> {
  if (claimed.has(stateFile))
    throw new HocbaError("CHAIN_UNAVAILABLE", `the embedded chain on ${stateFile} is already running here`);
  let held: { service?: number; anvil?: number } = {};
  try {
    held = JSON.parse(readFileSync(pidFile, "utf8")) as typeof held;
  } catch {
    return; // no record (or an unreadable one): nobody holds the file
  }
  if (held.service !== undefined && held.service !== process.pid && isAlive(held.service)) {
    throw new HocbaError(
      "CHAIN_UNAVAILABLE",
      `another hocba process (pid ${held.service}) runs the embedded chain on ${stateFile}`,
    );
  }
  const orphan = held.anvil;
  if (orphan !== undefined && isAlive(orphan) && isAnvilOn(orphan, stateFile)) {
    process.kill(orphan, "SIGTERM");
    if (!(await waitForExit(orphan, 10_000))) {
      process.kill(orphan, "SIGKILL");
      await waitForExit(orphan, 5_000);
    }
  }
}

function describeExit(exit: AnvilExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * Runs anvil on `stateFile` and keeps it running: when it dies (crash, OOM, `kill -9`) it is
 * started again from its state file on the same port, after a delay that doubles from
 * `restartDelayMs` up to `maxRestartDelayMs` while starts fail, and `onRestart` repairs what the
 * restart lost. Only one anvil runs at a time: a restart begins after the previous process has
 * exited, and the pid file keeps other services and orphaned anvils off the file.
 *
 * @example
 * const chain = await superviseAnvil({ stateFile: "data/chain/state.json", onRestart: reconcile });
 * chain.health(); // { state: "running", restarts: 0 }
 */
export async function superviseAnvil(options: SupervisedAnvilOptions): Promise<SupervisedAnvil> {
  const pidFile = options.pidFile ?? `${options.stateFile}.pid`;
  const stateFile = path.resolve(options.stateFile);
  await claimStateFile(pidFile, stateFile);
  claimed.add(stateFile);
  try {
    return await supervise(options, stateFile, pidFile);
  } catch (error) {
    claimed.delete(stateFile);
    throw error;
  }
}

async function supervise(
  options: SupervisedAnvilOptions,
  stateFile: string,
  pidFile: string,
): Promise<SupervisedAnvil> {
  const firstDelay = options.restartDelayMs ?? 1000;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  const event = options.onEvent ?? (() => undefined);
  const record = (anvilPid: number | undefined) =>
    writeFileSync(pidFile, JSON.stringify({ service: process.pid, anvil: anvilPid }) + "\n", { mode: 0o600 });

  let child = await startAnvil({ ...options, stateFile });
  const port = child.port;
  record(child.pid);
  let running = true;
  let stopping = false;
  let startedAt = Date.now();
  let delay = firstDelay;
  let restarts = 0;
  let downSince: Date | undefined;
  let lastExit: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const ended = new WeakSet<AnvilProcess>();

  const schedule = () => {
    timer = setTimeout(() => {
      timer = undefined;
      restarting = restart().finally(() => (restarting = undefined));
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const watch = (current: AnvilProcess) =>
    void current.exited.then((exit) => {
      ended.add(current);
      if (stopping || current !== child) return;
      running = false;
      downSince = new Date();
      lastExit = describeExit(exit);
      if (Date.now() - startedAt >= STABLE_RUN_MS) delay = firstDelay;
      event("chain.exited", { pid: current.pid, exit: lastExit, restartInMs: delay });
      schedule();
    });

  async function restart(): Promise<void> {
    if (stopping) return;
    let next: AnvilProcess;
    try {
      next = await startAnvil({ ...options, port, stateFile });
    } catch (error) {
      event("chain.restart_failed", { error: String(error), retryInMs: delay });
      schedule();
      return;
    }
    if (stopping) {
      await next.stop();
      return;
    }
    child = next;
    startedAt = Date.now();
    restarts++;
    record(next.pid);
    watch(next);
    try {
      await options.onRestart?.();
    } catch (error) {
      event("chain.repair_failed", { error: String(error) });
    }
    if (ended.has(next)) return; // died again during the repair: already rescheduled
    running = true;
    downSince = undefined;
    event("chain.restarted", { pid: next.pid, restarts });
  }

  watch(child);
  return {
    url: child.url,
    port,
    pid: () => (running ? child.pid : -1),
    health: () => ({
      state: stopping ? "stopped" : running ? "running" : "down",
      restarts,
      ...(downSince ? { downSince: downSince.toISOString() } : {}),
      ...(lastExit ? { lastExit } : {}),
    }),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await restarting;
      await child.stop();
      rmSync(pidFile, { force: true });
      claimed.delete(stateFile);
    },
  };
}
