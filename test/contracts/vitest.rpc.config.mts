// The contract tests run by `hardhat test` / `hardhat coverage` (see hardhat.config.ts) against a
// network served over JSON-RPC: one file at a time, since all files share that one chain. The gas
// table and the deploy-script test are left out (instrumented bytecode, separate node).
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: path.resolve(import.meta.dirname, "..", ".."),
    include: ["test/contracts/registry*.test.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
