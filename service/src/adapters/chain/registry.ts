/**
 * The TranscriptRegistry through ethers v6: the use cases' registry port (issuance/ports.ts: sign
 * anchors, revocations and issuer-certificate changes locally, broadcast, follow receipts, find
 * where a root was anchored) and the reads verification and authorization need. ABI names and
 * bytes32 encodings stay here.
 * Provider settings (docs/decisions.md): a static network, no response cache (a cached
 * nonce is a reused nonce), no request batching, 250 ms polling. Connection failures become
 * CHAIN_UNAVAILABLE so callers can tell "chain down" from "forged".
 */
import {
  Contract,
  Interface,
  JsonRpcProvider,
  Network,
  Transaction,
  Wallet,
  encodeBytes32String,
  isError,
  type JsonFragment,
  type Log,
} from "ethers";
import { HocbaError, isHocbaError } from "../../core/errors";
import type {
  AnchorRecord,
  MinedReceipt,
  RegistryHistory,
  RegistryPort,
  SignedTx,
} from "../../issuance/ports";
import { registryArtifact } from "./compiled-registry";

export const REGISTRY_ABI = new Interface(registryArtifact.abi as JsonFragment[]);

export interface RegistryClientOptions {
  rpcUrl: string;
  chainId: number;
  address: string;
  /** Hex private key of the account that anchors and revokes; reads need none. */
  privateKey?: string;
  /** Fixed gas price in wei (0 on the gas-free permissioned chain); default: the node's price. */
  gasPrice?: bigint;
  /** Gas limit of an anchor or issuer-certificate transaction (they use ~50–100k). */
  callGasLimit?: bigint;
  /** Blocks per eth_getLogs request when reading the registry's history (Besu allows 5,000 by default). */
  maxLogRange?: number;
}

export interface RegistryClient extends RegistryPort, RegistryHistory {
  readonly address: string;
  readonly chainId: number;
  readonly provider: JsonRpcProvider;
  anchoredAt(root: string): Promise<number>;
  close(): void;
}

/** A provider tuned for a service (see the module comment). */
export function createProvider(rpcUrl: string, chainId: number): JsonRpcProvider {
  const network = Network.from(chainId);
  return new JsonRpcProvider(rpcUrl, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    batchMaxCount: 1,
    pollingInterval: 250,
  });
}

function isConnectionError(error: unknown): boolean {
  if (isError(error, "NETWORK_ERROR") || isError(error, "TIMEOUT") || isError(error, "SERVER_ERROR"))
    return true;
  const code = (error as { code?: string; error?: { code?: string } })?.code;
  return (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    (code === "UNKNOWN_ERROR" && /fetch failed|ECONN/.test(String(error)))
  );
}

/** Runs a chain call, turning "cannot reach the node" into CHAIN_UNAVAILABLE. */
async function reach<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isHocbaError(error)) throw error;
    if (isConnectionError(error) || !(error instanceof Error) || !("code" in error)) {
      throw new HocbaError(
        "CHAIN_UNAVAILABLE",
        `chain unreachable while ${what}: ${(error as Error)?.message ?? error}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * @example
 * const registry = createRegistryClient({ rpcUrl, chainId: 31337, address, privateKey, gasPrice: 0n });
 * await registry.anchoredAt(root); // seconds since epoch, 0 if never
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const provider = createProvider(options.rpcUrl, options.chainId);
  const contract = new Contract(options.address, REGISTRY_ABI, provider);
  const wallet = options.privateKey ? new Wallet(options.privateKey, provider) : undefined;
  const needWallet = (): Wallet => {
    if (!wallet)
      throw new HocbaError("CONFIG_INVALID", "no anchoring key configured (ANCHOR_KEY or ANCHOR_KEY_FILE)");
    return wallet;
  };
  const view = async <T>(name: string, args: unknown[]): Promise<T> =>
    reach(`calling ${name}`, () => contract.getFunction(name).staticCall(...args) as Promise<T>);
  /** Signs a registry call locally with the given nonce; sends nothing. */
  const signCall = async (
    fn: string,
    args: readonly unknown[],
    nonce: number,
    gasLimit = options.callGasLimit ?? 150_000n,
  ): Promise<SignedTx> => {
    const signer = needWallet();
    const gasPrice =
      options.gasPrice ?? (await reach("reading the gas price", () => provider.getFeeData())).gasPrice ?? 0n;
    const rawTx = await signer.signTransaction({
      type: 0,
      chainId: options.chainId,
      to: options.address,
      data: REGISTRY_ABI.encodeFunctionData(fn, args),
      nonce,
      gasLimit,
      gasPrice,
      value: 0n,
    });
    return { rawTx, txHash: Transaction.from(rawTx).hash!, nonce };
  };

  const maxLogRange = options.maxLogRange ?? 5_000;
  /** Every log of `event` the registry emitted from `fromBlock` to the latest block, in order. */
  const eventLogs = async (event: "RootAnchored" | "LeafRevoked", fromBlock: number): Promise<Log[]> => {
    const topic = REGISTRY_ABI.getEvent(event)!.topicHash;
    const latest = await reach("reading the block number", () => provider.getBlockNumber());
    const logs: Log[] = [];
    for (let start = fromBlock; start <= latest; start += maxLogRange) {
      const toBlock = Math.min(latest, start + maxLogRange - 1);
      logs.push(
        ...(await reach(`reading ${event} events`, () =>
          provider.getLogs({ address: options.address, topics: [topic], fromBlock: start, toBlock }),
        )),
      );
    }
    return logs;
  };

  const client: RegistryClient = {
    address: options.address,
    chainId: options.chainId,
    provider,

    nextNonce: () =>
      reach("reading the nonce", () => provider.getTransactionCount(needWallet().address, "pending")),

    signAnchor: (root, count, nonce) => signCall("anchor", [root, count], nonce),
    signRevocation: (leaves, reason, nonce) =>
      signCall(
        "revokeBatch",
        [leaves, encodeBytes32String(reason)],
        nonce,
        60_000n + 40_000n * BigInt(leaves.length),
      ),
    signIssuerChange: (change, nonce) =>
      signCall(
        change.action === "add" ? "addIssuerCertificate" : "removeIssuerCertificate",
        [issuerCodeBytes32(change.issuerCode), change.fingerprint],
        nonce,
      ),

    async broadcast(rawTx) {
      const hash = Transaction.from(rawTx).hash!;
      return reach("broadcasting", async () => {
        if (await provider.getTransaction(hash)) return "known";
        try {
          await provider.broadcastTransaction(rawTx);
          return "sent";
        } catch (error) {
          if (isError(error, "NONCE_EXPIRED")) return "stale-nonce";
          if (/already known|already imported|known transaction/i.test(String((error as Error).message)))
            return "known";
          throw error;
        }
      });
    },

    async receipt(txHash): Promise<MinedReceipt | null> {
      return reach("reading a receipt", async () => {
        const receipt = await provider.getTransactionReceipt(txHash);
        if (!receipt) return null;
        const block = await provider.getBlock(receipt.blockNumber);
        return {
          status: receipt.status === 1 ? "success" : "reverted",
          blockNumber: receipt.blockNumber,
          blockTime: new Date((block?.timestamp ?? 0) * 1000),
        };
      });
    },

    latestBlock: () => reach("reading the block number", () => provider.getBlockNumber()),

    async findAnchor(root): Promise<AnchorRecord | null> {
      const at = Number(await view<bigint>("anchoredAt", [root]));
      if (at === 0) return null;
      const logs: Log[] = await reach("reading RootAnchored events", () =>
        provider.getLogs({
          address: options.address,
          topics: [REGISTRY_ABI.getEvent("RootAnchored")!.topicHash, root],
          fromBlock: 0,
          toBlock: "latest",
        }),
      );
      const log = logs[0];
      if (!log)
        throw new HocbaError("INTERNAL", `root ${root} is anchored but its RootAnchored event was not found`);
      return { txHash: log.transactionHash, blockNumber: log.blockNumber, anchoredAt: new Date(at * 1000) };
    },

    async anchoredRoots(fromBlock) {
      return (await eventLogs("RootAnchored", fromBlock)).map((log) => {
        const parsed = REGISTRY_ABI.parseLog(log)!;
        return {
          root: String(parsed.args[0]).toLowerCase(),
          count: Number(parsed.args[1]),
          blockNumber: log.blockNumber,
          txHash: log.transactionHash,
        };
      });
    },
    async revokedLeaves(fromBlock) {
      return (await eventLogs("LeafRevoked", fromBlock)).map((log) => ({
        leaf: log.topics[1]!.toLowerCase(),
        blockNumber: log.blockNumber,
        txHash: log.transactionHash,
      }));
    },

    anchoredAt: async (root) => Number(await view<bigint>("anchoredAt", [root])),
    revokedAt: async (leaf) => Number(await view<bigint>("revokedAt", [leaf])),
    isIssuerCertificate: (issuerCode, fingerprint, at) =>
      view<boolean>("isIssuerCertificate", [
        issuerCodeBytes32(issuerCode),
        fingerprint,
        Math.floor(at.getTime() / 1000),
      ]),
    close: () => provider.destroy(),
  };
  return client;
}

/** An issuer code (school or district code) as the registry's bytes32 key (docs/contract.md). */
export function issuerCodeBytes32(code: string): string {
  try {
    return encodeBytes32String(code);
  } catch (cause) {
    throw new HocbaError("SCHEMA_INVALID", `issuer code "${code}" does not fit in bytes32`, { cause });
  }
}
