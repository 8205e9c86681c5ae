/**
 * The service's chain port for verification (core/verification ChainStatusPort) over the registry
 * client, with a cache that stays correct under revocation, so that a verification needs at most
 * one chain call for a document not seen before and none for one seen before:
 *  - anchoredAt(root): a non-zero answer never changes (a root is anchored once) — cached forever;
 *  - revokedAt(leaf): a revocation never goes away — cached forever; "not revoked" is cached too,
 *    but every call first brings the cache up to date with the registry's LeafRevoked events
 *    (eth_getLogs from the last block seen, at most once per `refreshMs`, shared by concurrent
 *    callers), and an event drops the leaf's cached "not revoked". A revocation is therefore seen
 *    at most `refreshMs` after its block, and if the chain cannot be read then, the call fails
 *    (CHAIN_UNAVAILABLE) rather than answer from a cache of unknown age;
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

export interface ChainStatusOptions {
  /** How often the LeafRevoked events are read, at most (ms); a revocation is seen within it. Default 500. */
  refreshMs?: number;
  /** Entries per cache (roots, leaves, authorizations). Default 1,000,000. */
  capacity?: number;
  /** A gap of more blocks than this since the last read is not scanned: the "not revoked" cache is dropped instead. */
  maxLogRange?: number;
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
  const provider = registry.provider;
  const anchored = new BoundedCache<string, number>(capacity);
  const revoked = new BoundedCache<string, number>(capacity);
  let notRevoked = new BoundedCache<string, true>(capacity);
  /** Leaves seen in LeafRevoked events: an answer "0" read before the event must not be cached. */
  const revokedSeen = new BoundedCache<string, true>(capacity);
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

  async function refresh(): Promise<Head> {
    const block = await read("reading the latest block", () => provider.getBlock("latest"));
    if (!block) throw new HocbaError("CHAIN_UNAVAILABLE", "the node returned no latest block");
    if (head !== undefined && block.number > head.number) {
      if (block.number - head.number > maxLogRange) {
        notRevoked = new BoundedCache<string, true>(capacity);
      } else {
        const from = head.number + 1;
        const logs: Log[] = await read("reading LeafRevoked events", () =>
          provider.getLogs({
            address: registry.address,
            topics: [LEAF_REVOKED],
            fromBlock: from,
            toBlock: block.number,
          }),
        );
        for (const log of logs) {
          const leaf = log.topics[1]?.toLowerCase();
          if (leaf === undefined) continue;
          revokedSeen.set(leaf, true);
          notRevoked.delete(leaf);
        }
      }
    }
    // First read: nothing is cached yet, so there is no history to scan.
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
      const known = revoked.get(key);
      if (known !== undefined) return known;
      await current();
      if (notRevoked.get(key) !== undefined) return 0;
      const at = await read("reading revokedAt", () => registry.revokedAt(key));
      if (at !== 0) revoked.set(key, at);
      else if (revokedSeen.get(key) === undefined) notRevoked.set(key, true);
      return at;
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
