/**
 * The configured public verify limits (VERIFY_RATE_MAX per VERIFY_RATE_WINDOW_MS) reach the routes
 * of the real composition (startServer): not only the route's default of 600 per minute. Real
 * PostgreSQL and the embedded chain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/src/config/config";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { isolatedPostgres, POSTGRES_URL, serviceAvailable } from "../helpers/services";

const ready = await serviceAvailable("postgres");
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-verify-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(ready)("the verify rate limits of the configuration", () => {
  it("refuses the third anonymous verification in the window when VERIFY_RATE_MAX is 2", async () => {
    const pg = await isolatedPostgres();
    const schema = (await pg.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
    let server: RunningServer | undefined;
    try {
      server = await startServer(
        loadConfig({
          DATA_DIR: dir,
          PORT: "0",
          DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
          VERIFY_RATE_MAX: "2",
          VERIFY_RATE_WINDOW_MS: "600000",
          LOG_LEVEL: "silent",
          DEMO: "on",
        }),
        { banner: null },
      );
      const answers = [];
      for (const url of ["/api/v1/verify", "/api/v1/verify", "/api/v1/verify", "/api/v1/verify/batch"]) {
        const response = await fetch(`${server.url}${url}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(url.endsWith("batch") ? { credentials: [{}] } : {}),
        });
        const body = (await response.json()) as { valid?: boolean; error?: { code: string } };
        answers.push({
          status: response.status,
          limit: response.headers.get("x-ratelimit-limit"),
          answer: body.error?.code ?? body.valid,
        });
      }
      expect(answers).toEqual([
        { status: 200, limit: "2", answer: false },
        { status: 200, limit: "2", answer: false },
        { status: 429, limit: "2", answer: "RATE_LIMITED" },
        // The batch route is limited on its own.
        { status: 200, limit: "2", answer: undefined },
      ]);
    } finally {
      await server?.close();
      await pg.dispose();
    }
  }, 120_000);
});
