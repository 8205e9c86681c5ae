/**
 * Deploys TranscriptRegistry from the committed artifact with plain ethers (no Hardhat at
 * runtime: the service's first start, the `hocba deploy` command and scripts/deploy.ts all use
 * this), grants the anchoring and revoking roles, hands the admin role over, and records the
 * deployment in deployments/<network>.json.
 *
 * The deployer is the first admin so that it can grant roles in the same run; when another admin
 * is named, the deployer grants it DEFAULT_ADMIN_ROLE and then renounces its own, so no key keeps
 * more power than configured. Transactions are sent one at a time, each waited for: a handful of
 * transactions, and no nonce juggling on chains where the node assigns nonces.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, getAddress, type Signer, type TransactionResponse } from "ethers";
import { HocbaError } from "../../core/errors";
import { abiHash, registryArtifact, type RegistryArtifact } from "./compiled-registry";

export interface DeployRegistryParams {
  /** Receives DEFAULT_ADMIN_ROLE; default: the deployer. */
  admin?: string;
  /** Receive ANCHORER_ROLE. */
  anchorers?: readonly string[];
  /** Receive REVOKER_ROLE. */
  revokers?: readonly string[];
  /** Another build of the contract (tests use Hardhat's fresh or instrumented output). */
  artifact?: RegistryArtifact;
  /** Gas price for every transaction: `0n` on a gas-free Besu network (ethers cannot guess it). */
  gasPrice?: bigint;
}

/** What deployments/<network>.json records. */
export interface RegistryDeployment {
  contract: string;
  address: string;
  chainId: number;
  deployTx: string;
  blockNumber: number;
  deployedAt: string;
  deployer: string;
  admin: string;
  anchorers: string[];
  revokers: string[];
  /** keccak256 of the canonical (RFC 8785) ABI JSON. */
  abiHash: string;
  solcVersion: string;
}

const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);

function checkedAddresses(values: readonly string[], what: string): string[] {
  const out: string[] = [];
  for (const value of values) {
    let address: string;
    try {
      address = getAddress(value.trim());
    } catch (cause) {
      throw new HocbaError("CONFIG_INVALID", `${what}: "${value}" is not an Ethereum address`, {
        details: { what, value },
        cause,
      });
    }
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

async function mined(tx: TransactionResponse | null): Promise<{ blockNumber: number; hash: string }> {
  const receipt = tx === null ? null : await tx.wait();
  if (receipt === null) throw new HocbaError("CHAIN_UNAVAILABLE", "the chain returned no receipt");
  return { blockNumber: receipt.blockNumber, hash: receipt.hash };
}

/**
 * Deploys the registry with `signer`, grants roles and returns the deployment record.
 * @throws HocbaError CONFIG_INVALID for a malformed address; ethers errors from the chain as they come.
 * @example
 * const info = await deployRegistry(wallet, { anchorers: [anchorKey.address], gasPrice: 0n });
 * writeDeploymentFile("besu", info);
 */
export async function deployRegistry(
  signer: Signer,
  params: DeployRegistryParams = {},
): Promise<RegistryDeployment> {
  const artifact = params.artifact ?? registryArtifact;
  const provider = signer.provider;
  if (provider === null) throw new HocbaError("CONFIG_INVALID", "the deploying signer has no provider");
  const deployer = getAddress(await signer.getAddress());
  const [admin = deployer] = checkedAddresses(params.admin === undefined ? [] : [params.admin], "admin");
  const anchorers = checkedAddresses(params.anchorers ?? [], "anchorers");
  const revokers = checkedAddresses(params.revokers ?? [], "revokers");
  const overrides = params.gasPrice === undefined ? {} : { gasPrice: params.gasPrice };

  const factory = new ContractFactory(artifact.abi as never[], artifact.bytecode, signer);
  const deployed = await factory.deploy(deployer, overrides);
  const deployment = await mined(deployed.deploymentTransaction());
  const address = getAddress(await deployed.getAddress());
  const registry = new Contract(address, artifact.abi as never[], signer);

  const send = async (method: string, ...args: unknown[]): Promise<void> => {
    await mined((await registry.getFunction(method)(...args, overrides)) as TransactionResponse);
  };
  const anchorerRole = (await registry.getFunction("ANCHORER_ROLE")()) as string;
  const revokerRole = (await registry.getFunction("REVOKER_ROLE")()) as string;
  for (const account of anchorers) await send("grantRole", anchorerRole, account);
  for (const account of revokers) await send("grantRole", revokerRole, account);
  if (admin !== deployer) {
    await send("grantRole", DEFAULT_ADMIN_ROLE, admin);
    await send("renounceRole", DEFAULT_ADMIN_ROLE, deployer);
  }

  const [network, block] = await Promise.all([
    provider.getNetwork(),
    provider.getBlock(deployment.blockNumber),
  ]);
  return {
    contract: artifact.contractName,
    address,
    chainId: Number(network.chainId),
    deployTx: deployment.hash,
    blockNumber: deployment.blockNumber,
    deployedAt: new Date(Number(block?.timestamp ?? 0) * 1000).toISOString(),
    deployer,
    admin,
    anchorers,
    revokers,
    abiHash: abiHash(artifact.abi),
    solcVersion: artifact.solcLongVersion,
  };
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function deploymentPath(network: string, dir: string): string {
  if (!NETWORK_NAME.test(network)) {
    throw new HocbaError("CONFIG_INVALID", `"${network}" is not a usable network name`, {
      details: { network },
    });
  }
  return path.join(dir, `${network}.json`);
}

/**
 * Writes `<dir>/<network>.json` (default dir: ./deployments) and returns its path.
 * @throws HocbaError CONFIG_INVALID for a network name that is not a plain file name.
 */
export function writeDeploymentFile(network: string, info: RegistryDeployment, dir = "deployments"): string {
  const file = deploymentPath(network, dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(info, null, 2) + "\n");
  return file;
}

/**
 * Reads `<dir>/<network>.json` back.
 * @throws HocbaError NOT_FOUND when there is no such file; CONFIG_INVALID when it is not a deployment record.
 */
export function readDeploymentFile(network: string, dir = "deployments"): RegistryDeployment {
  const file = deploymentPath(network, dir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new HocbaError("NOT_FOUND", `no deployment file ${file}`, { details: { file }, cause });
  }
  let value: Partial<RegistryDeployment> | null = null;
  try {
    value = JSON.parse(text) as Partial<RegistryDeployment>;
  } catch {
    // reported below as not a deployment record
  }
  if (
    value === null ||
    typeof value.address !== "string" ||
    typeof value.chainId !== "number" ||
    typeof value.abiHash !== "string"
  ) {
    throw new HocbaError("CONFIG_INVALID", `${file} is not a registry deployment record`, {
      details: { file },
    });
  }
  return value as RegistryDeployment;
}
