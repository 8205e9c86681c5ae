/**
 * `npm run deploy -- --network <name>`: deploys TranscriptRegistry to a network of
 * hardhat.config.ts and writes deployments/<name>.json. Thin: the work is deployRegistry, the same
 * code the service runs without Hardhat.
 *
 * Environment: REGISTRY_ADMIN (default: the deployer), ANCHORER_ADDRESSES and REVOKER_ADDRESSES
 * (comma-separated), DEPLOYMENTS_DIR (default: ./deployments). The network's `gasPrice` from the
 * config is sent explicitly (0 on the gas-free Besu network).
 */
import path from "node:path";
import hre from "hardhat";
import { deployRegistry, writeDeploymentFile } from "../service/src/adapters/chain/deploy-registry";

function addressList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

async function main(): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  if (deployer === undefined) throw new Error(`network ${hre.network.name} has no account to deploy from`);
  const configured = hre.network.config.gasPrice;
  const info = await deployRegistry(deployer, {
    admin: process.env.REGISTRY_ADMIN?.trim() || undefined,
    anchorers: addressList(process.env.ANCHORER_ADDRESSES),
    revokers: addressList(process.env.REVOKER_ADDRESSES),
    gasPrice: typeof configured === "number" ? BigInt(configured) : undefined,
  });
  const dir = process.env.DEPLOYMENTS_DIR || path.join(hre.config.paths.root, "deployments");
  const file = writeDeploymentFile(hre.network.name, info, dir);
  console.log(
    `TranscriptRegistry deployed at ${info.address} on chain ${info.chainId} (block ${info.blockNumber})`,
  );
  console.log(
    `  admin ${info.admin}; anchorers [${info.anchorers.join(", ")}]; revokers [${info.revokers.join(", ")}]`,
  );
  console.log(`  wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
