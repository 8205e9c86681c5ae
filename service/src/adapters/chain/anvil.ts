/**
 * The embedded chain of the default mode (README, Quick start): anvil as a child process, gas-free like
 * the permissioned Besu network, its state kept in a file under DATA_DIR so it survives a
 * restart. anvil writes the state on a clean exit and every `stateIntervalSeconds`; a crash loses
 * what came after the last write — the service reconciles that at start (re-anchors lost roots).
 * The binary comes from the npm package @foundry-rs/anvil-linux-amd64 (works offline); set
 * ANVIL_BIN to use another build on other platforms.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { HocbaError } from "../../core/errors";

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

export interface AnvilProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
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

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
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
