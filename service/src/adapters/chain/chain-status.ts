/**
 * The service's chain port for verification (core/verification ChainStatusPort) over the registry
 * client, with a cache that stays correct under revocation, so that a verification needs at most
 * one chain call (its root's anchoring time) for a document of a batch not seen before and none
 * otherwise:
 *  - anchoredAt(root): a non-zero answer never changes (a root is anchored once) — cached forever;
 *  - revokedAt(leaf): answered from an index of every LeafRevoked event of the registry, built on
 *    first use (eth_getLogs from `fromBlock`, in chunks of `maxLogRange` blocks) and brought up to
 *    date at most once per `refreshMs` (shared by concurrent callers) before it answers. A leaf
 *    not in the index is not revoked — no per-leaf chain call at all. A revocation is therefore
 *    seen at most `refreshMs` after its block, and if the chain cannot be read then, the call fails
 *    (CHAIN_UNAVAILABLE) rather than answer from an index of unknown age. Revocations are rare
 *    (a few per school year), so the index is a plain map that never evicts: evicting would make
 *    it incomplete. The chain is a QBFT network with immediate finality, so no reorganisation is
 *    undone here;
 *  - isIssuerCertificate(code, fingerprint, at): the registry keeps intervals and a change takes
 *    the time of its block, so the answer for a time before the latest block is final — cached;
 *    for a later time it is asked every time.
 * Concurrent asks for the same root or the same (issuer, certificate, time) share one read: a
 * batch of 1,000 credentials of one Merkle tree costs one anchoredAt and one authorization call,
 * not 1,000 each (they all miss the cache together).
 */
import type { Log } from "ethers";
import { HocbaError } from "../../core/errors";
import { BoundedCache } from "../../core/pki/bounded-cache";
import type { ChainStatusPort } from "../../core/verification";
import { REGISTRY_ABI, type RegistryClient } from "./registry";
import { oncePer } from "../../core/once-per";

export interface ChainStatusOptions {
  /** How often the LeafRevoked events are read, at most (ms); a revocation is seen within it. Default 500. */
  refreshMs?: number;
  /** Entries per cache (roots, authorizations). Default 1,000,000. */
  capacity?: number;
  /** Blocks per eth_getLogs request when reading LeafRevoked events. Default 10,000. */
  maxLogRange?: number;
  /** The first block to read LeafRevoked events from (the registry's deployment block). Default 0. */
  fromBlock?: number;
}

export interface ChainStatus extends ChainStatusPort {
  /** Chain reads made so far (for tests and metrics). */
  readonly calls: number;
}

/** The block the cache is up to date with. */
interface Head {
  number: number;
  /** Block time in seconds. */
  timestamp: number;
  /** When it was read (ms, local clock). */
  readAt: number;
}

const LEAF_REVOKED = REGISTRY_ABI.getEvent("LeafRevoked")!.topicHash;

/** The read under way for `key`, or `read()` started and shared until it settles. */
function shared<T>(inflight: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = inflight.get(key);
  if (pending === undefined) {
    pending = read().finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

/**
 * @example
 * const chain = createChainStatus(registry);
 * await verifyCredential(credential, { trustAnchors, chain });
 */
export function createChainStatus(registry: RegistryClient, options: ChainStatusOptions = {}): ChainStatus {
  const refreshMs = options.refreshMs ?? 500;
  const capacity = options.capacity ?? 1_000_000;
  const maxLogRange = options.maxLogRange ?? 10_000;
  const fromBlock = options.fromBlock ?? 0;
  const provider = registry.provider;
  const anchored = new BoundedCache<string, number>(capacity);
  /** Every revocation of the registry up to `head`: leaf → block time. */
  const revocations = new Map<string, number>();
  const authorized = new BoundedCache<string, boolean>(capacity);
  const anchoring = new Map<string, Promise<number>>();
  const authorizing = new Map<string, Promise<boolean>>();
  let head: Head | undefined;
  let refreshing: Promise<Head> | undefined;
  let calls = 0;

  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    calls++;
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof HocbaError) throw cause;
      throw new HocbaError(
        "CHAIN_UNAVAILABLE",
        `chain unreachable while ${what}: ${(cause as Error)?.message ?? cause}`,
        {
          cause,
        },
      );
    }
  };

  /** Adds the LeafRevoked events of blocks `from`..`to` to the index. */
  async function scanRevocations(from: number, to: number): Promise<void> {
    for (let start = from; start <= to; start += maxLogRange) {
      const end = Math.min(to, start + maxLogRange - 1);
      const logs: Log[] = await read("reading LeafRevoked events", () =>
        provider.getLogs({
          address: registry.address,
          topics: [LEAF_REVOKED],
          fromBlock: start,
          toBlock: end,
        }),
      );
      const times = new Map<number, number>();
      for (const log of logs) {
        const leaf = log.topics[1]?.toLowerCase();
        if (leaf === undefined || revocations.has(leaf)) continue;
        let time = times.get(log.blockNumber);
        if (time === undefined) {
          const block = await read("reading a revocation's block", () => provider.getBlock(log.blockNumber));
          if (!block)
            throw new HocbaError("CHAIN_UNAVAILABLE", `the node returned no block ${log.blockNumber}`);
          time = block.timestamp;
          times.set(log.blockNumber, time);
        }
        revocations.set(leaf, time);
      }
    }
  }

  async function refresh(): Promise<Head> {
    const block = await read("reading the latest block", () => provider.getBlock("latest"));
    if (!block) throw new HocbaError("CHAIN_UNAVAILABLE", "the node returned no latest block");
    const from = head === undefined ? fromBlock : head.number + 1;
    if (block.number >= from) await scanRevocations(from, block.number);
    head = { number: block.number, timestamp: block.timestamp, readAt: Date.now() };
    return head;
  }

  /** The head, read again if older than refreshMs; concurrent callers share one read. */
  function current(): Promise<Head> {
    if (head !== undefined && Date.now() - head.readAt < refreshMs) return Promise.resolve(head);
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  return {
    chainId: registry.chainId,
    registry: registry.address,
    get calls() {
      return calls;
    },

    async anchoredAt(root) {
      const key = root.toLowerCase();
      const cached = anchored.get(key);
      if (cached !== undefined) return cached;
      return shared(anchoring, key, async () => {
        const at = await read("reading anchoredAt", () => registry.anchoredAt(key));
        if (at !== 0) anchored.set(key, at);
        return at;
      });
    },

    async revokedAt(leaf) {
      const key = leaf.toLowerCase();
      const known = revocations.get(key);
      if (known !== undefined) return known;
      await current();
      return revocations.get(key) ?? 0;
    },

    async isIssuerCertificate(issuerCode, fingerprint, at) {
      const seconds = Math.floor(at.getTime() / 1000);
      const key = `${issuerCode}|${fingerprint.toLowerCase()}|${seconds}`;
      const cached = authorized.get(key);
      if (cached !== undefined) return cached;
      return shared(authorizing, key, async () => {
        const { timestamp } = await current();
        const answer = await read("reading isIssuerCertificate", () =>
          registry.isIssuerCertificate(issuerCode, fingerprint, at),
        );
        if (seconds < timestamp) authorized.set(key, answer);
        return answer;
      });
    },
  };
}

/**
 * The one chain port of a registry client, made on first use: the routes that verify and the
 * public chain reads share its caches and its revocation index (one event poll, not one per route).
 */
export const chainStatusOf: (registry: RegistryClient) => ChainStatus = oncePer((registry: RegistryClient) =>
  createChainStatus(registry),
);
