/**
 * Builds the runtime: one CommonJS bundle of hocba's own code (dist/hocba.cjs) with every npm
 * package left external, plus the SQL migrations beside it. Node then loads ESM-only packages
 * (pkijs, @noble/hashes) through its native require(esm) — running them through tsx's transform
 * instead makes hashing ~17× slower (measured: SHA-256 of 3.7 KB, 19 µs vs 334 µs).
 * Then the public pages (verifier at /, graduation lookup at /tra-cuu) with Vite into
 * verifier-web/dist, which the service serves.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist");

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, "service/src/cli/main.ts")],
    outfile: path.join(out, "hocba.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
  });
  cpSync(path.join(root, "service/src/adapters/db/migrations"), path.join(out, "migrations"), {
    recursive: true,
  });
  // Vite's CLI in its own process: loaded in-process through tsx's CommonJS transform, Vite resolves
  // its browser helpers with the wrong export conditions.
  execFileSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve("vite/package.json")), "bin/vite.js"),
      "build",
      "--config",
      path.join(root, "verifier-web/vite.config.mts"),
    ],
    { cwd: root, stdio: "inherit" },
  );
  pruneStaleAssets(path.join(root, "verifier-web/dist/assets"), 60 * 60 * 1000);
}

/** Removes page assets that no build has written for `ageMs` (Vite rewrites every current one). */
function pruneStaleAssets(dir: string, ageMs: number): void {
  const cutoff = Date.now() - ageMs;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
