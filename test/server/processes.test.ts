/**
 * `hocba serve` with HTTP_PROCESSES=2 on the production parts: two processes share the port, the
 * public rate limits count once across them (Redis), a process that dies is replaced, and SIGTERM
 * stops them all. The real command, as a child process.
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { eventually } from "../helpers/chain";
import { exited, productionStack, type ProductionStack } from "../helpers/serve-process";
import { serviceAvailable } from "../helpers/services";

const ready = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

let stack: ProductionStack | undefined;

beforeAll(async () => {
  if (ready) stack = await productionStack("processes");
});
afterAll(async () => {
  await stack?.dispose();
});

/** Pids of the live processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(ppid) === pid && state !== "Z";
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}

/** `hocba serve` with two processes on a fixed port, once both listen. */
async function serveTwo(extra: Record<string, string> = {}) {
  const serve = await stack!.serve({ HTTP_PROCESSES: "2", PORT: String(await freePort()), ...extra });
  await eventually(
    () => Promise.resolve(serve.stdout().includes("hocba serve: 2 processes listening")),
    60_000,
  );
  return serve;
}

/** A search on a connection of its own (so the primary hands it to the next process in turn). */
async function search(url: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/graduates/search?diplomaSerial=A0000001`, {
    headers: { connection: "close" },
  });
  await response.arrayBuffer();
  return response.status;
}

describe.runIf(ready)("hocba serve with HTTP_PROCESSES=2", () => {
  it("serves from two processes on one port, counting the public rate limit once across them", async () => {
    const serve = await stack!.serve({
      HTTP_PROCESSES: "2",
      LOOKUP_SERIAL_RATE_MAX: "3",
      LOOKUP_RATE_WINDOW_MS: "60000",
    });
    try {
      expect(childrenOf(serve.child.pid!)).toHaveLength(2);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await search(serve.url));
      // Counted per process, round robin would have given each process 3 searches: all 200.
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      expect(serve.stdout().match(/listening on/g)).toHaveLength(1);
    } finally {
      serve.child.kill("SIGTERM");
      expect([await exited(serve.child), serve.stderr()]).toEqual([{ code: 0, signal: null }, ""]);
    }
  }, 120_000);

  it("replaces a process that dies, and stops every process on SIGTERM", async () => {
    const serve = await serveTwo();
    const [first, second] = childrenOf(serve.child.pid!);
    process.kill(first!, "SIGKILL");
    await eventually(() => {
      const now = childrenOf(serve.child.pid!);
      return Promise.resolve(now.length === 2 && !now.includes(first!) && now.includes(second!));
    }, 60_000);
    await eventually(async () => (await fetch(`${serve.url}/readyz`)).status === 200); // the same port
    const replaced = childrenOf(serve.child.pid!);
    serve.child.kill("SIGTERM");
    expect(await exited(serve.child)).toEqual({ code: 0, signal: null });
    expect(replaced.filter((pid) => readdirSync("/proc").includes(String(pid)))).toEqual([]);
    expect(serve.stderr()).toBe(`hocba serve: process ${first} ended (SIGKILL); starting another\n`);
  }, 120_000);

  it("stops with exit code 1 when its processes cannot start", async () => {
    const serve = stack!.serve({ HTTP_PROCESSES: "2", TRUST_ANCHORS_DIR: "/nonexistent/roots" });
    await expect(serve).rejects.toThrow(
      /hocba serve exited early \(code 1\): .*before it listened; stopping/s,
    );
  }, 120_000);
});
