import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import {
  anvilBinary,
  startAnvil,
  superviseAnvil,
  type AnvilProcess,
} from "../../../service/src/adapters/chain/anvil";
import type { HocbaError } from "../../../service/src/core/errors";

// anvil's first well-known development account (public test key, funded at genesis).
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECIPIENT = "0x000000000000000000000000000000000000dEaD";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-anvil-"));
const running: AnvilProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((chain) => chain.kill()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(stateFile: string, stateIntervalSeconds = 1): Promise<AnvilProcess> {
  const chain = await startAnvil({ stateFile, stateIntervalSeconds });
  running.push(chain);
  return chain;
}

async function pay(url: string, ether: string): Promise<void> {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = new Wallet(DEV_KEY, provider);
  const tx = await wallet.sendTransaction({ to: RECIPIENT, value: parseEther(ether), gasPrice: 0 });
  await tx.wait();
  provider.destroy();
}

async function balanceOf(url: string, address = RECIPIENT): Promise<bigint> {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true });
  const balance = await provider.getBalance(address);
  provider.destroy();
  return balance;
}

describe("the embedded anvil chain", () => {
  it("finds the anvil binary shipped through npm", () => {
    expect(path.basename(anvilBinary())).toBe("anvil");
  });

  it("prefers ANVIL_BIN when it is set", () => {
    expect(anvilBinary({ ANVIL_BIN: "/opt/foundry/anvil" })).toBe("/opt/foundry/anvil");
  });

  it("keeps its state across a clean restart and charges no gas", async () => {
    const stateFile = path.join(dir, "clean.json");
    const first = await start(stateFile);
    await pay(first.url, "1.5");
    await first.stop();

    const second = await start(stateFile);
    expect([await balanceOf(second.url), await balanceOf(second.url, new Wallet(DEV_KEY).address)]).toEqual([
      parseEther("1.5"),
      parseEther("10000") - parseEther("1.5"), // genesis funds minus the value: no gas paid
    ]);
    await second.stop();
  });

  it("loses what came after its last state dump when it is killed", async () => {
    const stateFile = path.join(dir, "crash.json");
    const first = await start(stateFile, 3600);
    await pay(first.url, "1");
    await first.stop(); // dumped: 1 ether
    const second = await start(stateFile, 3600);
    await pay(second.url, "2"); // not dumped before the kill
    await second.kill();

    const third = await start(stateFile, 3600);
    expect(await balanceOf(third.url)).toBe(parseEther("1"));
    await third.stop();
  });

  it("fails with CHAIN_UNAVAILABLE when the binary cannot start", async () => {
    await expect(startAnvil({ binary: path.join(dir, "no-such-anvil") })).rejects.toMatchObject({
      code: "CHAIN_UNAVAILABLE",
    });
  });
});

describe("the supervised embedded anvil", () => {
  it("restarts a killed anvil on the same port from its state file, with the events and health to show it", async () => {
    const stateFile = path.join(dir, "supervised.json");
    const events: string[] = [];
    let repaired = 0;
    const chain = await superviseAnvil({
      stateFile,
      restartDelayMs: 200,
      onRestart: () => Promise.resolve(void repaired++),
      onEvent: (event, details) => events.push(`${event} ${detail(details.exit ?? details.restarts)}`),
    });
    await pay(chain.url, "1");
    await chain.stop(); // a clean stop writes the payment into the state file
    const again = await superviseAnvil({
      stateFile,
      restartDelayMs: 200,
      onRestart: () => Promise.resolve(void repaired++),
      onEvent: (event, details) => events.push(`${event} ${detail(details.exit ?? details.restarts)}`),
    });
    try {
      const first = again.pid();
      process.kill(first, "SIGKILL");
      const down = await waitFor(
        () => again.health().state === "down",
        () => again.health(),
      );
      const up = await waitFor(
        () => again.health().state === "running",
        () => again.health(),
      );
      expect({
        down: { ...down, downSince: typeof down.downSince },
        up,
        pid: again.pid() !== first && again.pid() > 0,
        balance: await balanceOf(again.url),
        repaired,
        events,
        pidFile: JSON.parse(readFileSync(`${stateFile}.pid`, "utf8")) as unknown,
      }).toEqual({
        down: { state: "down", restarts: 0, downSince: "string", lastExit: "signal SIGKILL" },
        up: { state: "running", restarts: 1, lastExit: "signal SIGKILL" },
        pid: true,
        balance: parseEther("1"),
        repaired: 1,
        events: ["chain.exited signal SIGKILL", "chain.restarted 1"],
        pidFile: { service: process.pid, anvil: again.pid() },
      });
    } finally {
      await again.stop();
    }
    expect([again.health().state, existsSync(`${stateFile}.pid`)]).toEqual(["stopped", false]);
  });

  it("retries with a growing delay while the port is taken, and reports a failed repair but runs on", async () => {
    const stateFile = path.join(dir, "retried.json");
    const events: string[] = [];
    const chain = await superviseAnvil({
      stateFile,
      restartDelayMs: 300,
      onRestart: () => Promise.reject(new Error("registry lost")),
      onEvent: (event, details) =>
        events.push(`${event} ${detail(details.retryInMs ?? details.restartInMs ?? details.error)}`),
    });
    const squatter = net.createServer((socket) => socket.destroy());
    try {
      const killed = chain.pid();
      process.kill(killed, "SIGKILL");
      await waitFor(
        () => chain.health().state === "down",
        () => chain.health(),
      );
      await new Promise<void>((resolve) => squatter.listen(chain.port, "127.0.0.1", resolve));
      await waitFor(
        () => events.length >= 2,
        () => events,
        30_000,
      );
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      const up = await waitFor(
        () => chain.health().state === "running",
        () => chain.health(),
        30_000,
      );
      expect({ up, events }).toEqual({
        up: { state: "running", restarts: 1, lastExit: "signal SIGKILL" },
        // the restart after 300 ms fails (port taken); the next try, 600 ms later, succeeds
        events: [
          "chain.exited 300",
          "chain.restart_failed 600",
          "chain.repair_failed Error: registry lost",
          "chain.restarted ",
        ],
      });
    } finally {
      squatter.close();
      await chain.stop();
    }
  });

  it("never runs two anvils on one state file: a second supervisor and another live service are refused", async () => {
    const stateFile = path.join(dir, "guarded.json");
    const chain = await superviseAnvil({ stateFile });
    const sleeper = spawn("sleep", ["30"]);
    try {
      const here = await superviseAnvil({ stateFile }).then(
        () => "started",
        (error: HocbaError) => `${error.code}: ${error.message}`,
      );
      await chain.stop();
      const other = path.join(dir, "other-service.json");
      writeFileSync(`${other}.pid`, JSON.stringify({ service: sleeper.pid, anvil: 1 }));
      const elsewhere = await superviseAnvil({ stateFile: other }).then(
        () => "started",
        (error: HocbaError) => `${error.code}: ${error.message}`,
      );
      expect([here, elsewhere]).toEqual([
        `CHAIN_UNAVAILABLE: the embedded chain on ${stateFile} is already running here`,
        `CHAIN_UNAVAILABLE: another hocba process (pid ${sleeper.pid}) runs the embedded chain on ${other}`,
      ]);
    } finally {
      sleeper.kill("SIGKILL");
      await chain.stop();
    }
  });

  it("stops an anvil a killed service left on the state file (it writes its state) before starting its own", async () => {
    const stateFile = path.join(dir, "orphan.json");
    const orphan = await startAnvil({ stateFile, stateIntervalSeconds: 3600 });
    await pay(orphan.url, "2");
    writeFileSync(`${stateFile}.pid`, JSON.stringify({ service: 999_999_999, anvil: orphan.pid }));
    const chain = await superviseAnvil({ stateFile, stateIntervalSeconds: 3600 });
    try {
      expect([await orphan.exited, await balanceOf(chain.url)]).toEqual([
        { code: 0, signal: null },
        parseEther("2"),
      ]);
    } finally {
      await chain.stop();
    }
  });
});

/** A supervisor event's detail as text ("" for none). */
function detail(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

async function waitFor<T>(condition: () => boolean, value: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return value();
}
