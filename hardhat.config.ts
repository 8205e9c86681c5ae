/**
 * Hardhat 2 configuration. Compilation is offline: the npm `solc` package (pinned exactly in
 * package.json) provides soljson.js, and the GET_SOLC_BUILD subtask is overridden so Hardhat
 * never tries to download a compiler (builds run offline; docs/decisions.md).
 *
 * Contract tests are vitest files driving the chain through ethers. `hardhat test` (and so
 * `hardhat coverage`, which runs it on solidity-coverage's instrumented in-process network) serves
 * this process's network over JSON-RPC on 127.0.0.1 and runs those vitest files in a child process
 * pointed at it (HOCBA_CONTRACTS_RPC_URL). Hits are collected here: every request goes through this
 * process's EDR provider, whose execution traces feed solidity-coverage's step listener.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_NODE_CREATE_SERVER,
  TASK_TEST_RUN_MOCHA_TESTS,
} from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-ethers";
import "solidity-coverage";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- solc ships CommonJS only
const solc = require("solc") as { version(): string };
export const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, (args: { solcVersion: string }) => {
  if (args.solcVersion !== SOLC_VERSION) {
    throw new Error(`only solc ${SOLC_VERSION} is available offline (asked for ${args.solcVersion})`);
  }
  return Promise.resolve({
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten\.clang$/, ""),
  });
});

interface JsonRpcServerLike {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/** The vitest config of the contract tests that run against a served network (coverage). */
const CONTRACT_TESTS_CONFIG = path.join("test", "contracts", "vitest.rpc.config.mts");

subtask(TASK_TEST_RUN_MOCHA_TESTS, async (args: { bail?: boolean; grep?: string }, hre) => {
  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: "127.0.0.1",
    port: 0,
    provider: hre.network.provider,
  })) as JsonRpcServerLike;
  const { port } = await server.listen();
  const vitest = path.join(path.dirname(require.resolve("vitest/package.json")), "vitest.mjs");
  const argv = [vitest, "run", "--config", CONTRACT_TESTS_CONFIG];
  if (args.bail) argv.push("--bail", "1");
  if (args.grep !== undefined) argv.push("-t", args.grep);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, argv, {
        cwd: hre.config.paths.root,
        stdio: "inherit",
        env: { ...process.env, HOCBA_CONTRACTS_RPC_URL: `http://127.0.0.1:${port}` },
      });
      child.on("error", reject);
      child.on("exit", (status) => resolve(status ?? 1));
    });
    // Hardhat counts failed tests; vitest's exit status says only whether any failed.
    return code === 0 ? 0 : 1;
  } finally {
    await server.close();
  }
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Besu QBFT networks in the field may predate Shanghai (PUSH0): target Paris.
      evmVersion: "paris",
    },
  },
  networks: {
    hardhat: { chainId: 31337 },
    localhost: { url: process.env.CHAIN_RPC_URL ?? "http://127.0.0.1:8545", chainId: 31337 },
    // A `hardhat node` started by test/contracts/deploy-script.test.ts (unlocked accounts).
    testnode: { url: process.env.HOCBA_TESTNODE_RPC_URL ?? "http://127.0.0.1:8545" },
    // The production Besu QBFT network (deployments/besu/README.md): gas-free, Paris EVM.
    besu: {
      url: process.env.BESU_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: 8401,
      gasPrice: 0,
      accounts: process.env.DEPLOYER_PRIVATE_KEY ? [process.env.DEPLOYER_PRIVATE_KEY] : [],
    },
  },
  paths: { sources: "contracts", tests: "test/contracts", artifacts: "artifacts", cache: "cache" },
};

export default config;
