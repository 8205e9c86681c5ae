/**
 * scripts/deploy.ts end to end, as an operator runs it: a real `hardhat node` JSON-RPC process on
 * 127.0.0.1 (started and stopped here), `hardhat run scripts/deploy.ts --network testnode` with the
 * roles in the environment, and deployments/testnode.json read back — written to a temporary
 * directory (DEPLOYMENTS_DIR) so no test file lands in deployments/.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, ZeroHash, id } from "ethers";
import { abiHash, registryArtifact } from "../../service/src/adapters/chain/compiled-registry";
import { readDeploymentFile } from "../../service/src/adapters/chain/deploy-registry";
import { HARDHAT, ROOT, startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";

let node: HardhatNode;
let url: string;
let provider: JsonRpcProvider;
let dir: string;

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  node = await startHardhatNode();
  url = node.url;
  dir = mkdtempSync(path.join(tmpdir(), "hocba-deploy-"));
  provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
});

afterAll(async () => {
  provider?.destroy();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("scripts/deploy.ts", () => {
  it("deploys the registry to a hardhat node, grants the roles from the environment and records it", async () => {
    const accounts = (await provider.send("eth_accounts", [])) as string[];
    const [deployer, anchorer1, anchorer2, revoker, admin] = accounts.slice(0, 5).map((a) => a.toLowerCase());
    const result = await run(["run", "scripts/deploy.ts", "--network", "testnode", "--no-compile"], {
      HOCBA_TESTNODE_RPC_URL: url,
      DEPLOYMENTS_DIR: dir,
      REGISTRY_ADMIN: admin!,
      ANCHORER_ADDRESSES: `${anchorer1}, ${anchorer2}`,
      REVOKER_ADDRESSES: revoker!,
    });
    expect({ code: result.code, wrote: result.output.includes(path.join(dir, "testnode.json")) }).toEqual({
      code: 0,
      wrote: true,
    });

    const info = readDeploymentFile("testnode", dir);
    const receipt = await provider.getTransactionReceipt(info.deployTx);
    const code = await provider.getCode(info.address);
    const registry = new Contract(info.address, registryArtifact.abi as never[], provider);
    const hasRole = (role: string, account: string) =>
      registry.getFunction("hasRole")(role, account) as Promise<boolean>;
    const lower = (value: string) => value.toLowerCase();
    expect({
      chainId: info.chainId,
      deployer: lower(info.deployer),
      admin: lower(info.admin),
      anchorers: info.anchorers.map(lower),
      revokers: info.revokers.map(lower),
      abiHash: info.abiHash,
      receipt: [lower(receipt!.contractAddress!), receipt!.blockNumber, receipt!.status],
      deployedCode: code === registryArtifact.deployedBytecode,
      roles: {
        adminIsAdmin: await hasRole(ZeroHash, admin!),
        deployerIsAdmin: await hasRole(ZeroHash, deployer!),
        anchorers: [
          await hasRole(id("ANCHORER_ROLE"), anchorer1!),
          await hasRole(id("ANCHORER_ROLE"), anchorer2!),
        ],
        revoker: await hasRole(id("REVOKER_ROLE"), revoker!),
      },
    }).toEqual({
      chainId: 31337,
      deployer,
      admin,
      anchorers: [anchorer1, anchorer2],
      revokers: [revoker],
      abiHash: abiHash(registryArtifact.abi),
      receipt: [lower(info.address), info.blockNumber, 1],
      deployedCode: true,
      roles: { adminIsAdmin: true, deployerIsAdmin: false, anchorers: [true, true], revoker: true },
    });
  });
});
