/**
 * `hocba serve` in its production shape (PostgreSQL, BullMQ on Redis, an external `hardhat node`)
 * must stop when its process manager sends SIGTERM: systemd, Kubernetes and Docker wait a grace
 * period and then kill, which would cut an anchoring round short — and it must stop even when Redis
 * has gone away. The real command, as a child process.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { startRedis, stopped } from "../helpers/redis-server";
import { exited, productionStack, type ProductionStack } from "../helpers/serve-process";
import { serviceAvailable } from "../helpers/services";

const ready = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));

let stack: ProductionStack | undefined;
const redises = new Set<ChildProcess>();

beforeAll(async () => {
  if (ready) stack = await productionStack("shutdown");
});
afterAll(async () => {
  for (const redis of redises) redis.kill("SIGKILL");
  await stack?.dispose();
});

/** `hocba serve` with anchoring rounds running: scheduler ticks and Redis's blocking reads in flight. */
async function startServe(extra: Record<string, string> = {}) {
  const serve = await stack!.serve(extra);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return serve;
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
