/**
 * The configured public limits reach the routes of the real composition (startServer), counted in
 * a real Redis shared by every process: VERIFY_RATE_MAX counts credentials (single and batch
 * together), LOOKUP_RATE_MAX and LOOKUP_SERIAL_RATE_MAX count searches apart and no key lifts
 * them, and TRUST_PROXY decides whose address is counted behind a proxy. Real PostgreSQL and
 * Redis, the embedded chain.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/src/config/config";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { isolatedPostgres, POSTGRES_URL, REDIS_URL, serviceAvailable } from "../helpers/services";

const ready = (await serviceAvailable("postgres")) && (await serviceAvailable("redis"));
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-verify-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real composition on real PostgreSQL (a schema of `pg`), its files in `dir`/`name`, with `env`. */
async function serve(
  pg: Awaited<ReturnType<typeof isolatedPostgres>>,
  name: string,
  env: Record<string, string>,
): Promise<RunningServer> {
  const schema = (await pg.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
  return startServer(
    loadConfig({
      DATA_DIR: path.join(dir, name),
      PORT: "0",
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      LOG_LEVEL: "silent",
      DEMO: "on",
      ...env,
    }),
    { banner: null },
  );
}

describe.runIf(ready)("the public limits of the configuration, counted in Redis", () => {
  it("counts credentials for verification, searches by kind for everyone, and clients behind TRUST_PROXY", async () => {
    const pg = await isolatedPostgres();
    const prefix = `hocba-test-${randomBytes(4).toString("hex")}`;
    const redis = new Redis(REDIS_URL);
    let server: RunningServer | undefined;
    try {
      server = await serve(pg, "redis", {
        REDIS_URL,
        REDIS_PREFIX: prefix,
        VERIFY_RATE_MAX: "3",
        VERIFY_RATE_WINDOW_MS: "600000",
        LOOKUP_RATE_MAX: "2",
        LOOKUP_SERIAL_RATE_MAX: "1",
        TRUST_PROXY: "127.0.0.1, ::1",
      });
      const url = server.url;
      const admin = readFileSync(path.join(dir, "redis", "demo", "admin.token"), "utf8").trim();
      const post = async (route: string, body: unknown, client: string) => {
        const response = await fetch(`${url}${route}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": client },
          body: JSON.stringify(body),
        });
        const answer = (await response.json()) as { valid?: boolean; error?: { code: string } };
        return [response.status, response.headers.get("x-ratelimit-remaining"), answer.error?.code ?? "ok"];
      };
      const search = async (query: Record<string, string>, client: string, token?: string) =>
        (
          await fetch(`${url}/api/v1/graduates/search?${new URLSearchParams(query).toString()}`, {
            headers: { "x-forwarded-for": client, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          })
        ).status;

      const verifications = [
        await post("/api/v1/verify", {}, "198.51.100.7"),
        await post("/api/v1/verify/batch", { credentials: [{}, {}, {}] }, "198.51.100.7"),
        await post("/api/v1/verify/batch", { credentials: [{}, {}] }, "198.51.100.7"),
        await post("/api/v1/verify", {}, "198.51.100.7"),
        // Another client behind the same proxy has its own count.
        await post("/api/v1/verify/batch", { credentials: [{}, {}, {}] }, "198.51.100.8"),
        // The same /64 is one client.
        await post("/api/v1/verify/batch", { credentials: [{}, {}] }, "2001:db8:7::1"),
        await post("/api/v1/verify/batch", { credentials: [{}, {}] }, "2001:db8:7::2"),
      ];
      expect(verifications).toEqual([
        [200, "2", "ok"],
        [429, "2", "RATE_LIMITED"],
        [200, "0", "ok"],
        [429, "0", "RATE_LIMITED"],
        [200, "0", "ok"],
        [200, "1", "ok"],
        [429, "1", "RATE_LIMITED"],
      ]);
      const keys = await redis.keys(`${prefix}:rate-limit:quota:verify:*`);
      expect(keys.sort()).toEqual(
        [
          `${prefix}:rate-limit:quota:verify:198.51.100.7`,
          `${prefix}:rate-limit:quota:verify:198.51.100.8`,
          `${prefix}:rate-limit:quota:verify:2001:db8:7::`,
        ].sort(),
      );

      const byName = { fullName: "Không Có Ai", dateOfBirth: "2009-01-01" };
      const bySerial = { diplomaSerial: "Z1" };
      expect([
        await search(byName, "203.0.113.5"),
        await search(byName, "203.0.113.5", admin),
        await search(byName, "203.0.113.5", admin),
        await search(bySerial, "203.0.113.5", admin),
        await search(bySerial, "203.0.113.5"),
        await search(bySerial, "203.0.113.6"),
      ]).toEqual([200, 200, 429, 200, 429, 200]);
    } finally {
      await server?.close();
      const left = await redis.keys(`${prefix}:*`);
      if (left.length > 0) await redis.del(...left);
      redis.disconnect();
      await pg.dispose();
    }
  }, 180_000);

  it("counts the connection's address when TRUST_PROXY is unset, whatever X-Forwarded-For says", async () => {
    const pg = await isolatedPostgres();
    let server: RunningServer | undefined;
    try {
      server = await serve(pg, "memory", { VERIFY_RATE_MAX: "1" });
      const statuses = [];
      for (const client of ["198.51.100.1", "198.51.100.2"]) {
        const response = await fetch(`${server.url}/api/v1/verify`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": client },
          body: "{}",
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 429]);
    } finally {
      await server?.close();
      await pg.dispose();
    }
  }, 180_000);
});
