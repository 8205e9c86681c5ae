/**
 * Access to the real services the integration tests use: PostgreSQL and Redis on this machine.
 * Under CI=true an unreachable service fails the suite (CI must exercise them); elsewhere the
 * tests that need it are skipped and the rest still pass on embedded defaults.
 */
import net from "node:net";
import { randomBytes } from "node:crypto";
import { createPostgresDatabase, type Database } from "../../service/src/adapters/db/database";

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Whether the service answers. Under CI it must: throws instead of returning false, so the test
 * file fails loudly rather than skipping.
 */
export async function serviceAvailable(name: "postgres" | "redis"): Promise<boolean> {
  const ok = name === "postgres" ? await reachable(POSTGRES_URL, 5432) : await reachable(REDIS_URL, 6379);
  if (!ok && IN_CI) {
    throw new Error(
      `${name} is not reachable (${name === "postgres" ? POSTGRES_URL : REDIS_URL}) and CI=true`,
    );
  }
  return ok;
}

/** A PostgreSQL database in a schema of its own, dropped by `dispose`. */
export async function isolatedPostgres(): Promise<{ db: Database; dispose: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = createPostgresDatabase({ url: POSTGRES_URL, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = createPostgresDatabase({ url: POSTGRES_URL, schema, poolSize: 8 });
  return {
    db,
    dispose: async () => {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}
