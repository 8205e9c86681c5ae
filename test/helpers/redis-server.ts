/**
 * A private `redis-server` process on a port of its own, for tests that take Redis away (the
 * shared Redis on 6379 must stay up for every other test file). No persistence: a restart comes
 * back empty, as a Redis without persistence does in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { eventually } from "./chain";

/** Starts redis-server on 127.0.0.1:`port` and resolves once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`);
    return fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== "ECONNREFUSED",
    );
  });
  return child;
}

/** Kills `child` (SIGKILL: Redis gone without a goodbye) and resolves once it has exited. */
export function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
