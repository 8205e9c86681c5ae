/**
 * A real `hardhat node` JSON-RPC process on 127.0.0.1 (a free port), for tests that must talk to
 * Hardhat's network over JSON-RPC rather than to anvil or the in-process network.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { freePort } from "../../service/src/adapters/chain/anvil";

export const ROOT = path.resolve(__dirname, "..", "..");
export const HARDHAT = require.resolve("hardhat/internal/cli/bootstrap");

export interface HardhatNode {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hardhat node` and resolves once it answers eth_chainId (90 s at most). */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = spawn(process.execPath, [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
      if (Date.now() > deadline) throw new Error("hardhat node did not answer eth_chainId in 90 s");
      const ok = await provider.send("eth_chainId", []).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    provider.destroy();
  }
  return {
    url,
    process: node,
    async stop() {
      if (node.exitCode !== null || node.signalCode !== null) return;
      const exited = new Promise((resolve) => node.once("exit", resolve));
      node.kill("SIGTERM");
      await exited;
    },
  };
}
