/**
 * The chain the contract tests drive, through ethers v6 only (as the service and outside tools do):
 * Hardhat's in-process network by default, or a JSON-RPC node when HOCBA_CONTRACTS_RPC_URL is set —
 * `npm run coverage:contracts` sets it to a server on solidity-coverage's instrumented in-process
 * network (see hardhat.config.ts). The contract is always Hardhat's own compile output in
 * artifacts/ (instrumented under coverage); a separate test checks the committed service artifact
 * equals it.
 */
import path from "node:path";
import {
  BrowserProvider,
  JsonRpcProvider,
  type Contract,
  type ContractTransactionResponse,
  type JsonRpcApiProvider,
  type JsonRpcSigner,
  Result,
  type TransactionReceipt,
} from "ethers";
import type { RegistryArtifact } from "../../../service/src/adapters/chain/compiled-registry";
import { buildRegistryArtifact } from "../../../scripts/lib/registry-artifact";

export const RPC_URL_ENV = "HOCBA_CONTRACTS_RPC_URL";

export interface TestChain {
  provider: JsonRpcApiProvider;
  accounts: JsonRpcSigner[];
  /** A raw JSON-RPC call (evm_snapshot, evm_mine, …). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
}

/** Connects to the test chain chosen by the environment. */
export async function connectTestChain(): Promise<TestChain> {
  const url = process.env[RPC_URL_ENV];
  let provider: JsonRpcApiProvider;
  if (url) {
    provider = new JsonRpcProvider(url, undefined, {
      cacheTimeout: -1,
      batchMaxCount: 1,
      pollingInterval: 50,
    });
  } else {
    // Hardhat's CLI registers ts-node before loading hardhat.config.ts; as a library it does not.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a side-effect hook, on purpose
    if (!(".ts" in require.extensions)) require("ts-node/register/transpile-only");
    const { default: hre } = await import("hardhat");
    provider = new BrowserProvider(hre.network.provider, undefined, {
      cacheTimeout: -1,
      pollingInterval: 50,
    });
  }
  const accounts = await provider.listAccounts();
  return {
    provider,
    accounts,
    rpc: (method, params = []) => provider.send(method, params) as Promise<unknown>,
  };
}

/** TranscriptRegistry as Hardhat compiled it in this run (instrumented under coverage). */
export function compiledRegistryArtifact(): RegistryArtifact {
  return buildRegistryArtifact(path.resolve(__dirname, "..", "..", "..", "artifacts"));
}

/**
 * One fixture per test file: `setup` runs once, then every test starts from the chain state right
 * after it (evm_snapshot / evm_revert).
 */
export function snapshotFixture<T>(chain: () => TestChain, setup: () => Promise<T>) {
  let snapshot: unknown;
  let value: T | undefined;
  return {
    async init(): Promise<T> {
      value = await setup();
      snapshot = await chain().rpc("evm_snapshot");
      return value;
    },
    async reset(): Promise<void> {
      await chain().rpc("evm_revert", [snapshot]);
      snapshot = await chain().rpc("evm_snapshot");
    },
  };
}

/** ethers Results (and nested ones) as plain arrays, for whole-value assertions. */
export function plain(value: unknown): unknown {
  return value instanceof Result ? [...value].map(plain) : value;
}

export interface Decoded {
  name: string;
  args: unknown[];
}

/** Finds the revert data in an ethers error, wherever the provider put it. */
function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const item = queue.shift();
    if (item === null || typeof item !== "object" || seen.has(item)) continue;
    seen.add(item);
    const record = item as Record<string, unknown>;
    if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/.test(record.data)) return record.data;
    queue.push(record.data, record.error, record.info, record.cause);
  }
  return undefined;
}

/**
 * The custom error a call or transaction reverted with, decoded with the contract's interface
 * (never by matching message strings).
 */
export async function revertOf(contract: Contract, action: Promise<unknown>): Promise<Decoded> {
  try {
    await action;
  } catch (error) {
    const data = revertData(error);
    if (data === undefined) throw error;
    const parsed = contract.interface.parseError(data);
    if (parsed === null) throw new Error(`unknown revert data ${data}`, { cause: error });
    return { name: parsed.name, args: plain(parsed.args) as unknown[] };
  }
  throw new Error("expected a revert, the call succeeded");
}

/** Sends a contract transaction and returns its mined receipt. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt;
}

/** The events `contract` emitted in `receipt`, decoded, in log order. */
export function eventsOf(contract: Contract, receipt: TransactionReceipt): Decoded[] {
  const address = (contract.target as string).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => {
      const parsed = contract.interface.parseLog(log);
      if (parsed === null) throw new Error(`unknown log topic ${log.topics[0]}`);
      return { name: parsed.name, args: plain(parsed.args) as unknown[] };
    });
}

/** Block time of the block that included `receipt`. */
export async function blockTime(chain: TestChain, receipt: TransactionReceipt): Promise<bigint> {
  const block = await chain.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error(`no block ${receipt.blockNumber}`);
  return BigInt(block.timestamp);
}
