/**
 * Runs once before the suite: refuses a Node.js older than 24 (the suite then stops with a message
 * saying how to run it on 24), compiles the contracts (offline solc) so every test file can read
 * the artifacts without racing each other to compile, and builds the `hocba` bundle
 * (dist/hocba.cjs) so tests that run the real command run the code under test, never a stale build.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { oldNodeMessage } from "../../bin/node-version.mjs";

export default function setup(): void {
  const tooOld = oldNodeMessage("The test suite", "`npm test`, `npx vitest run <file>`");
  if (tooOld !== undefined) throw new Error(tooOld);
  execFileSync(process.execPath, [require.resolve("hardhat/internal/cli/bootstrap"), "compile", "--quiet"], {
    stdio: "inherit",
  });
  execFileSync(process.execPath, ["--import", "tsx", path.resolve(__dirname, "../../scripts/build.ts")], {
    stdio: "inherit",
  });
}
