/**
 * Redis goes away while schools keep submitting: the API keeps accepting (PostgreSQL is the source
 * of truth), readiness reports the queue down, and once Redis is back — empty, as a Redis without
 * persistence restarts — everything accepted meanwhile is anchored. The service is the real
 * composition (startServer) with its own redis-server process, real PostgreSQL and the embedded chain.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { loadSignerFromPem } from "../../service/src/adapters/pki/keys";
import { loadConfig } from "../../service/src/config/config";
import { canonicalBytes } from "../../service/src/core/documents";
import { signDetached } from "../../service/src/core/pki";
import { makeTranscript } from "../../service/src/demo/documents";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { eventually } from "../helpers/chain";
import { startRedis, stopped } from "../helpers/redis-server";
import { isolatedPostgres, POSTGRES_URL, serviceAvailable } from "../helpers/services";

const ready = await serviceAvailable("postgres");
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-redis-down-"));
let redis: ChildProcess | undefined;
afterAll(() => {
  redis?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(ready)("Redis down while the API keeps accepting", () => {
  it("accepts transcripts during the outage and anchors them all once Redis is back", async () => {
    const pg = await isolatedPostgres();
    const schema = (await pg.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    let server: RunningServer | undefined;
    try {
      server = await startServer(
        loadConfig({
          DATA_DIR: dir,
          PORT: "0",
          DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          REDIS_PREFIX: `hocba-test-${randomBytes(4).toString("hex")}`,
          ANCHOR_INTERVAL_MS: "200",
          LOG_LEVEL: "silent",
          DEMO: "on",
        }),
        { banner: null },
      );
      const demoDir = path.join(dir, "demo");
      const apiKey = readFileSync(path.join(demoDir, "DEMO01.apikey"), "utf8").trim();
      const signer = await loadSignerFromPem({
        keyPem: readFileSync(path.join(demoDir, "DEMO01.key.pem"), "utf8"),
        certPem: readFileSync(path.join(demoDir, "DEMO01.chain.pem"), "utf8"),
      });
      const url = server.url;
      const submit = async (seed: number) => {
        const document = makeTranscript({
          seed,
          school: { code: "DEMO01", name: "Trường THCS Demo", province: "01", level: "THCS" },
        });
        const signature = Buffer.from(await signDetached(canonicalBytes(document), [signer])).toString(
          "base64",
        );
        const response = await fetch(`${url}/api/v1/transcripts`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ document, signature }),
        });
        return { status: response.status, id: document.id };
      };
      const statusOf = async (id: string) =>
        (
          (await (
            await fetch(`${url}/api/v1/transcripts/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })
          ).json()) as { status: string }
        ).status;

      const before = await submit(1);
      await eventually(async () => (await statusOf(before.id)) === "anchored");

      await stopped(redis);
      const during = await Promise.all([submit(2), submit(3), submit(4)]);
      expect(during.map((d) => d.status)).toEqual([202, 202, 202]);
      const readiness = await fetch(`${url}/readyz`);
      expect([readiness.status, await readiness.json()]).toEqual([
        503,
        { ready: false, checks: { database: "ok", chain: "ok", queue: "down" } },
      ]);
      expect(await Promise.all(during.map((d) => statusOf(d.id)))).toEqual(["pending", "pending", "pending"]);

      redis = await startRedis(redisPort); // empty: no scheduler, no jobs
      await eventually(
        async () => (await Promise.all(during.map((d) => statusOf(d.id)))).every((s) => s === "anchored"),
        30_000,
      );
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await server?.close();
      await pg.dispose();
    }
  }, 120_000);
});
