import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, Wallet, encodeBytes32String, keccak256, toBeHex } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainStatus } from "../../../service/src/adapters/chain/chain-status";
import { REGISTRY_ABI, issuerCodeBytes32 } from "../../../service/src/adapters/chain/registry";
import type { HocbaError } from "../../../service/src/core/errors";
import { ANCHOR_KEY, startChain, stopChain, type TestChain } from "../../helpers/chain";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-chain-status-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const fresh = (): string => keccak256(toBeHex(++counter + 7_000_000, 32));
const FINGERPRINT = keccak256(toBeHex(42, 32));

describe("the service's chain port with its cache", () => {
  let chain: TestChain;
  let writer: Contract;

  beforeAll(async () => {
    chain = await startChain(path.join(dir, "chain.json"), undefined, undefined, { revoker: true });
    writer = new Contract(chain.registry.address, REGISTRY_ABI, new Wallet(ANCHOR_KEY, chain.provider));
  });
  afterAll(async () => {
    if (chain) await stopChain(chain, "kill");
  });

  /** Sends a registry transaction and returns its block time in seconds. */
  async function mined(send: Promise<{ wait(): Promise<{ blockNumber: number } | null> }>): Promise<number> {
    const receipt = await (await send).wait();
    const block = await chain.provider.getBlock(receipt!.blockNumber);
    return block!.timestamp;
  }
  const anchor = (root: string) => mined(writer.getFunction("anchor").send(root, 1));
  const revoke = (leaf: string) =>
    mined(writer.getFunction("revoke").send(leaf, encodeBytes32String("test")));

  it("names the registry's chain and address", () => {
    const status = createChainStatus(chain.registry);
    expect({ chainId: status.chainId, registry: status.registry }).toEqual({
      chainId: 31337,
      registry: chain.registry.address,
    });
  });

  it("keeps an anchoring time once the root is anchored, and asks again while it is not", async () => {
    const status = createChainStatus(chain.registry);
    const root = fresh();
    const before = [await status.anchoredAt(root), await status.anchoredAt(root), status.calls];
    const at = await anchor(root);
    const after = [
      await status.anchoredAt(root),
      await status.anchoredAt(root.toUpperCase().replace("0X", "0x")),
    ];
    expect({ before, after, calls: status.calls }).toEqual({ before: [0, 0, 2], after: [at, at], calls: 3 });
  });

  it("answers any leaf from its index of LeafRevoked events, with no chain call per leaf", async () => {
    const status = createChainStatus(chain.registry, { refreshMs: 3_600_000 });
    const first = await status.revokedAt(fresh());
    const callsAfterFirst = status.calls;
    const others = await Promise.all(Array.from({ length: 100 }, () => status.revokedAt(fresh())));
    expect({ first, others: new Set(others), calls: status.calls }).toEqual({
      first: 0,
      others: new Set([0]),
      calls: callsAfterFirst, // the latest block and the event history, once
    });
  });

  it("knows a revocation made before it existed, with its block time, reading the history in chunks", async () => {
    const leaf = fresh();
    const at = await revoke(leaf);
    const latest = await chain.provider.getBlockNumber();
    const status = createChainStatus(chain.registry, { refreshMs: 3_600_000, maxLogRange: 7 });
    const answers = [await status.revokedAt(leaf), await status.revokedAt(fresh())];
    const revocationBlocks = new Set(
      (
        await chain.provider.getLogs({
          address: chain.registry.address,
          topics: [REGISTRY_ABI.getEvent("LeafRevoked")!.topicHash],
          fromBlock: 0,
          toBlock: latest,
        })
      ).map((log) => log.blockNumber),
    ).size;
    expect({ answers, calls: status.calls }).toEqual({
      answers: [at, 0],
      // the latest block, one getLogs per 7 blocks, one block read per block holding revocations
      calls: 1 + Math.ceil((latest + 1) / 7) + revocationBlocks,
    });
  });

  it("sees a revocation made after a cached 'not revoked', through the LeafRevoked events", async () => {
    const status = createChainStatus(chain.registry, { refreshMs: 0 });
    const leaf = fresh();
    const other = fresh();
    const before = [await status.revokedAt(leaf), await status.revokedAt(other)];
    const callsBefore = status.calls;
    // A cached answer costs only the head read when no block is new.
    const cached = await status.revokedAt(other);
    const callsCached = status.calls - callsBefore;
    const at = await revoke(leaf);
    const after = [await status.revokedAt(leaf), await status.revokedAt(other)];
    const callsAfter = status.calls;
    const again = await status.revokedAt(leaf);
    expect({
      before,
      cached,
      callsCached,
      after,
      again,
      revokedCallsFree: status.calls === callsAfter,
    }).toEqual({
      before: [0, 0],
      cached: 0,
      callsCached: 1,
      after: [at, 0],
      again: at,
      revokedCallsFree: true,
    });
  });

  it("keeps an authorization answer for a time before the latest block, and asks for a later time", async () => {
    const status = createChainStatus(chain.registry, { refreshMs: 3_600_000 });
    const code = "79009901";
    const added = await mined(
      chain.admin.getFunction("addIssuerCertificate").send(issuerCodeBytes32(code), FINGERPRINT),
    );
    // The next block is later than the addition (anvil may give blocks of one second the same time).
    await chain.provider.send("evm_mine", [added + 2]);
    const past = new Date(added * 1000);
    const future = new Date((added + 3600) * 1000);
    await status.revokedAt(fresh()); // reads the head (and the revocation history) once
    const warm = status.calls;
    const answers = [
      await status.isIssuerCertificate(code, FINGERPRINT, new Date((added - 1) * 1000)),
      await status.isIssuerCertificate(code, FINGERPRINT, past),
    ];
    const callsPast = status.calls;
    answers.push(await status.isIssuerCertificate(code, FINGERPRINT, past));
    const callsCached = status.calls - callsPast;
    answers.push(await status.isIssuerCertificate(code, FINGERPRINT, future));
    answers.push(await status.isIssuerCertificate(code, FINGERPRINT, future));
    expect({
      answers,
      callsPast: callsPast - warm,
      callsCached,
      callsFuture: status.calls - callsPast,
    }).toEqual({
      answers: [false, true, true, true, true],
      callsPast: 2, // two answers
      callsCached: 0,
      callsFuture: 2,
    });
  });

  it("makes one chain read for many concurrent asks about the same root or authorization", async () => {
    const status = createChainStatus(chain.registry, { refreshMs: 3_600_000 });
    const root = fresh();
    const at = await anchor(root);
    const code = "79009902";
    const added = await mined(
      chain.admin.getFunction("addIssuerCertificate").send(issuerCodeBytes32(code), FINGERPRINT),
    );
    await chain.provider.send("evm_mine", [added + 2]);
    const when = new Date(added * 1000);
    await status.revokedAt(fresh()); // reads the head (and the revocation history) once
    const warm = status.calls;
    const [anchoredTimes, authorizations] = await Promise.all([
      Promise.all(Array.from({ length: 100 }, () => status.anchoredAt(root))),
      Promise.all(Array.from({ length: 100 }, () => status.isIssuerCertificate(code, FINGERPRINT, when))),
    ]);
    expect({
      anchoredTimes: new Set(anchoredTimes),
      authorizations: new Set(authorizations),
      calls: status.calls - warm,
    }).toEqual({
      anchoredTimes: new Set([at]),
      authorizations: new Set([true]),
      calls: 2, // anchoredAt once, isIssuerCertificate once
    });
  });

  it("fails with CHAIN_UNAVAILABLE when the chain is down, but still answers what can never change", async () => {
    const status = createChainStatus(chain.registry, { refreshMs: 0 });
    const root = fresh();
    const at = await anchor(root);
    await status.anchoredAt(root);
    await chain.anvil.kill();
    const reasons = await Promise.all(
      [
        status.revokedAt(fresh()),
        status.anchoredAt(fresh()),
        status.isIssuerCertificate("79000701", FINGERPRINT, new Date()),
      ].map((pending) =>
        pending.then(
          () => "answered",
          (error: HocbaError) => error.code,
        ),
      ),
    );
    expect({ reasons, cached: await status.anchoredAt(root) }).toEqual({
      reasons: ["CHAIN_UNAVAILABLE", "CHAIN_UNAVAILABLE", "CHAIN_UNAVAILABLE"],
      cached: at,
    });
  });
});
