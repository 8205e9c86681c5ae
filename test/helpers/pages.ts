/**
 * A private build of the public pages (verifier-web, Vite) for a browser test file. The global
 * setup builds verifier-web/dist once, but every `vitest run` rebuilds it (emptying the folder
 * first), so a test file that serves the shared folder can load a page from a half-written build
 * while another run is in its setup. A build of its own in a temporary folder cannot.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** Builds the pages into `outDir` (created, emptied) and returns it, for `startListeningApp`'s `pagesDir`. */
export function buildPagesInto(outDir: string): string {
  execFileSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve("vite/package.json")), "bin/vite.js"),
      "build",
      "--config",
      path.join(ROOT, "verifier-web/vite.config.mts"),
      "--outDir",
      outDir,
      "--emptyOutDir",
    ],
    { cwd: ROOT, stdio: "pipe" },
  );
  return outDir;
}
