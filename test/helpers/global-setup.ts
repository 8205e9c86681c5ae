/**
 * Runs once before the suite: compiles the contracts (offline solc) so every test file can read
 * the artifacts without racing each other to compile, and builds the `hocba` bundle
 * (dist/hocba.cjs) so tests that run the real command run the code under test, never a stale build.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  execFileSync(process.execPath, [require.resolve("hardhat/internal/cli/bootstrap"), "compile", "--quiet"], {
    stdio: "inherit",
  });
  execFileSync(process.execPath, ["--import", "tsx", path.resolve(__dirname, "../../scripts/build.ts")], {
    stdio: "inherit",
  });
}
