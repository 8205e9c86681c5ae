import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, id } from "ethers";
import {
  deployRegistry,
  readDeploymentFile,
  writeDeploymentFile,
  type RegistryDeployment,
} from "../../../service/src/adapters/chain/deploy-registry";
import { HocbaError } from "../../../service/src/core/errors";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hocba-deployments-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error instanceof HocbaError ? error.toJSON() : error;
  }
  throw new Error("expected a failure");
}

const INFO: RegistryDeployment = {
  contract: "TranscriptRegistry",
  address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  chainId: 31337,
  deployTx: id("tx"),
  blockNumber: 1,
  deployedAt: "2026-11-23T00:00:00.000Z",
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  admin: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  anchorers: [],
  revokers: [],
  abiHash: id("abi"),
  solcVersion: "0.8.28+commit.7893614a",
};

describe("deployment files", () => {
  it("writes deployments/<network>.json and reads it back", () => {
    const dir = tempDir();
    const file = writeDeploymentFile("testnet", INFO, path.join(dir, "deployments"));
    expect({
      file,
      text: readFileSync(file, "utf8"),
      read: readDeploymentFile("testnet", path.join(dir, "deployments")),
    }).toEqual({
      file: path.join(dir, "deployments", "testnet.json"),
      text: JSON.stringify(INFO, null, 2) + "\n",
      read: INFO,
    });
  });

  it("refuses a network name that is not a plain file name", async () => {
    expect(await failure(() => writeDeploymentFile("../escape", INFO, tempDir()))).toEqual({
      code: "CONFIG_INVALID",
      message: '"../escape" is not a usable network name',
      details: { network: "../escape" },
    });
  });

  it("reports a missing deployment file as not found", async () => {
    const dir = tempDir();
    expect(await failure(() => readDeploymentFile("nowhere", dir))).toEqual({
      code: "NOT_FOUND",
      message: `no deployment file ${path.join(dir, "nowhere.json")}`,
      details: { file: path.join(dir, "nowhere.json") },
    });
  });

  it("refuses a file that is not a deployment record", async () => {
    const dir = tempDir();
    const file = path.join(dir, "broken.json");
    const outcomes = [];
    for (const text of ["{not json", JSON.stringify({ address: "0x1" })]) {
      writeFileSync(file, text);
      outcomes.push(await failure(() => readDeploymentFile("broken", dir)));
    }
    expect(outcomes).toEqual(
      [1, 2].map(() => ({
        code: "CONFIG_INVALID",
        message: `${file} is not a registry deployment record`,
        details: { file },
      })),
    );
  });
});

describe("deployRegistry", () => {
  // No chain is reached: the addresses are checked before anything is sent.
  const offline = new JsonRpcProvider("http://127.0.0.1:9", 31337, { staticNetwork: true });
  const signer = new Wallet(id("test deployer key"), offline);

  it("refuses a malformed role address before sending anything", async () => {
    expect(await failure(() => deployRegistry(signer, { anchorers: ["0xnot-an-address"] }))).toEqual({
      code: "CONFIG_INVALID",
      message: 'anchorers: "0xnot-an-address" is not an Ethereum address',
      details: { what: "anchorers", value: "0xnot-an-address" },
    });
  });

  it("refuses a signer without a provider", async () => {
    expect(await failure(() => deployRegistry(new Wallet(id("test deployer key"))))).toEqual({
      code: "CONFIG_INVALID",
      message: "the deploying signer has no provider",
    });
  });
});
