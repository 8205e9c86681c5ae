/**
 * `hocba deploy` against a real `hardhat node` JSON-RPC process: the registry is deployed with
 * the roles asked for and the deployment file is written; every bad input has its code.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, ZeroHash, id } from "ethers";
import { abiHash, registryArtifact } from "../../service/src/adapters/chain/compiled-registry";
import { readDeploymentFile } from "../../service/src/adapters/chain/deploy-registry";
import { REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import { deployCommand, DEPLOYER_KEY_ENV } from "../../service/src/cli/commands/deploy";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";

/** Hardhat's well-known first two development accounts (public test keys, no value anywhere). */
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ANCHORER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const REVOKER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

const tmp = tempDir("cli-deploy");
let node: HardhatNode;
let provider: JsonRpcProvider;

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
}, 120_000);
afterAll(async () => {
  provider?.destroy();
  await node?.stop();
  tmp.dispose();
});

describe("hocba deploy", () => {
  it("deploys the registry, grants the roles asked for and writes deployments/<network>.json", async () => {
    const keyFile = tmp.path("deployer.key");
    writeFileSync(keyFile, DEPLOYER_KEY.slice(2) + "\n");
    const outDir = tmp.path("deployments");
    const result = await runCli([
      "deploy",
      "--rpc",
      node.url,
      "--network",
      "testnode",
      "--key-file",
      keyFile,
      "--anchorer",
      ANCHORER,
      "--revoker",
      REVOKER,
      "--out-dir",
      outDir,
    ]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const info = readDeploymentFile("testnode", outDir);
    expect(result.stdout).toBe(
      `TranscriptRegistry deployed at ${info.address} on chain 31337 (block ${info.blockNumber})\n` +
        `  admin ${DEPLOYER}; anchorers [${ANCHORER}]; revokers [${REVOKER}]\n` +
        `  wrote ${outDir}/testnode.json\n`,
    );
    expect(info).toEqual({
      contract: "TranscriptRegistry",
      address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) as unknown,
      chainId: 31337,
      deployTx: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
      blockNumber: expect.any(Number) as unknown,
      deployedAt: expect.any(String) as unknown,
      deployer: DEPLOYER,
      admin: DEPLOYER,
      anchorers: [ANCHORER],
      revokers: [REVOKER],
      abiHash: abiHash(registryArtifact.abi),
      solcVersion: registryArtifact.solcLongVersion,
    });
    const registry = new Contract(info.address, REGISTRY_ABI, provider);
    const has = (role: string, who: string) => registry.getFunction("hasRole")(role, who) as Promise<boolean>;
    expect(
      await Promise.all([
        has(ZeroHash, DEPLOYER),
        has(id("ANCHORER_ROLE"), ANCHORER),
        has(id("REVOKER_ROLE"), REVOKER),
        has(id("ANCHORER_ROLE"), REVOKER),
      ]),
    ).toEqual([true, true, true, false]);
  });

  it("takes the key from DEPLOYER_PRIVATE_KEY when no key file is given", async () => {
    const io = captureIo({ [DEPLOYER_KEY_ENV]: DEPLOYER_KEY });
    const outDir = tmp.path("from-env");
    const code = await deployCommand(
      ["--rpc", node.url, "--network", "envnet", "--admin", ANCHORER, "--out-dir", outDir],
      io,
    );
    expect(code).toBe(0);
    expect(readDeploymentFile("envnet", outDir)).toMatchObject({ deployer: DEPLOYER, admin: ANCHORER });
  });

  it("refuses every bad input with its code and deploys nothing", async () => {
    const blockBefore = await provider.getBlockNumber();
    const io = captureIo({});
    const run = (args: string[], env: Record<string, string> = {}) =>
      commandError(deployCommand(args, { ...io, env }));
    const badKeyFile = tmp.path("bad.key");
    writeFileSync(badKeyFile, "not a key");
    const firstLine = async (result: Promise<{ code: string; message: string }>) => {
      const { code, message } = await result;
      return { code, message: message.split("\n")[0] };
    };
    expect(
      await Promise.all([
        firstLine(run(["--network", "x"], { [DEPLOYER_KEY_ENV]: DEPLOYER_KEY })),
        firstLine(run(["--rpc", node.url], { [DEPLOYER_KEY_ENV]: DEPLOYER_KEY })),
        firstLine(run(["--rpc", node.url, "--network", "../etc"], { [DEPLOYER_KEY_ENV]: DEPLOYER_KEY })),
        firstLine(run(["--rpc", node.url, "--network", "x"])),
        firstLine(run(["--rpc", node.url, "--network", "x", "--key-file", badKeyFile])),
        firstLine(run(["--rpc", node.url, "--network", "x", "--key-file", tmp.path("missing.key")])),
        firstLine(
          run(["--rpc", node.url, "--network", "x", "--gas-price", "cheap"], {
            [DEPLOYER_KEY_ENV]: DEPLOYER_KEY,
          }),
        ),
        firstLine(
          run(["--rpc", node.url, "--network", "x", "--admin", "nobody"], {
            [DEPLOYER_KEY_ENV]: DEPLOYER_KEY,
          }),
        ),
        firstLine(
          run(["--rpc", "http://127.0.0.1:9", "--network", "x"], { [DEPLOYER_KEY_ENV]: DEPLOYER_KEY }),
        ),
        firstLine(run(["--bogus"])),
      ]),
    ).toEqual([
      { code: "USAGE", message: "--rpc is missing" },
      { code: "USAGE", message: "--network must be a name of letters, digits, - or _" },
      { code: "USAGE", message: "--network must be a name of letters, digits, - or _" },
      { code: "USAGE", message: `give --key-file or set ${DEPLOYER_KEY_ENV}` },
      { code: "KEY_INVALID", message: "the deployer key is not a 32-byte hex private key" },
      { code: "IO", message: `cannot read key file ${tmp.path("missing.key")}: no such file` },
      { code: "USAGE", message: "--gas-price must be a whole number of wei" },
      { code: "CONFIG_INVALID", message: 'admin: "nobody" is not an Ethereum address' },
      { code: "CHAIN_UNAVAILABLE", message: "cannot reach the chain at http://127.0.0.1:9" },
      { code: "USAGE", message: expect.stringContaining("--bogus") as unknown },
    ]);
    expect(await provider.getBlockNumber()).toBe(blockBefore);
  });
});
