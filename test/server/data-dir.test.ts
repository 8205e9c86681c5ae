/**
 * Data at rest on the embedded default (startServer: PGlite, the embedded anvil, the demo): after a
 * start, DATA_DIR and everything hocba keeps under it — PGlite's files, the chain's state and key,
 * the demo keys and tokens — are directories 0700 and files 0600, an older installation's looser
 * modes included; and /readyz tells an anonymous caller which part is up, nothing more.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/src/config/config";
import { startServer, type RunningServer } from "../../service/src/server/server";
import { tempDir } from "../helpers/files";

const tmp = tempDir("data-dir-server");
afterAll(() => tmp.dispose());

/** Every path under `dir` whose mode is not 0700 (folders) or 0600 (files), with its mode. */
function loose(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    const stat = lstatSync(at);
    const mode = stat.mode & 0o7777;
    if (stat.isDirectory() ? mode !== 0o700 : mode !== 0o600)
      out.push(`${path.relative(dir, at) || "."} ${mode.toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(at)) walk(path.join(at, name));
  };
  walk(dir);
  return out;
}

describe("DATA_DIR on the embedded default", () => {
  it("is 0700/0600 throughout after a start, an old installation's modes fixed, and /readyz says only what is up", async () => {
    const dir = tmp.path("data");
    // An installation from before: world-readable folder and admin token.
    mkdirSync(path.join(dir, "demo"), { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, "demo", "admin.token"), "old-admin-token-0123456789\n", { mode: 0o644 });
    chmodSync(path.join(dir, "demo", "admin.token"), 0o644);
    let server: RunningServer | undefined;
    try {
      server = await startServer(loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent", DEMO: "on" }), {
        banner: null,
      });
      const readiness = await fetch(`${server.url}/readyz`);
      expect([readiness.status, await readiness.json()]).toEqual([
        200,
        { ready: true, checks: { database: "ok", chain: "ok", queue: "ok" } },
      ]);
      const listing = readdirSync(dir).sort();
      expect(listing).toEqual(["chain", "demo", "idp", "pglite"]);
      expect(loose(dir)).toEqual([]);
    } finally {
      await server?.close();
    }
    // anvil writes its state file on the way out; PGlite flushes on close.
    expect(loose(dir)).toEqual([]);
  }, 180_000);
});
