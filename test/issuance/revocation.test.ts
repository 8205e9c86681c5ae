import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, Wallet, encodeBytes32String } from "ethers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import {
  confirmRevocations,
  reconcileRevocations,
  revokeDocument,
  revokePending,
  submitRevocations,
  type RevocationDeps,
} from "../../service/src/issuance/revocation";
import type { AnchorChainPort } from "../../service/src/issuance/anchoring";
import { addPendingDocuments, ANCHOR_KEY, startChain, stopChain, type TestChain } from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-revocation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const admin = { issuerCode: null, actor: "admin" };
const ANCHORER = new Wallet(ANCHOR_KEY).address;

describe.each(backends)("revocation on chain on $name against anvil", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let chain: TestChain;
  let deps: RevocationDeps;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
  });
  afterAll(() => opened.dispose());

  beforeEach(async () => {
    await db.exec("TRUNCATE documents, batches, revocations, share_tokens, audit_log CASCADE");
    chain = await startChain(path.join(dir, `${backend.name}-${Date.now()}.json`), undefined, undefined, {
      revoker: true,
    });
    deps = { db, chain: chain.registry, confirmations: 1 };
  });
  afterEach(() => stopChain(chain));

  /** Revokes `n` stored documents in the database; returns their leaves. */
  async function revoked(n: number): Promise<string[]> {
    const ids = await addPendingDocuments(db, n);
    for (const id of ids) await revokeDocument(db, admin, id, "nhập sai điểm");
    const { rows } = await db.query<{ leaf: string }>(
      "SELECT leaf FROM documents WHERE id = ANY($1::uuid[]) ORDER BY leaf",
      [ids],
    );
    return rows.map((r) => r.leaf);
  }

  /** Every LeafRevoked event of `leaf`: the transaction and the on-chain reason. */
  async function events(leaf: string): Promise<{ tx: string; reason: string }[]> {
    const event = REGISTRY_ABI.getEvent("LeafRevoked")!;
    const logs = await chain.provider.getLogs({
      address: chain.registry.address,
      topics: [event.topicHash, leaf],
      fromBlock: 0,
      toBlock: "latest",
    });
    return logs.map((log) => ({
      tx: log.transactionHash,
      reason: REGISTRY_ABI.decodeEventLog(event, log.data, log.topics)[1] as string,
    }));
  }

  async function rows() {
    const result = await db.query<{ leaf: string; state: string; tx_hash: string | null }>(
      "SELECT leaf, state, tx_hash FROM revocations ORDER BY leaf",
    );
    return result.rows;
  }

  /**
   * submitRevocations, again while the signer lock is held elsewhere (it is database-wide: on a
   * shared PostgreSQL another test file's anchoring round may hold it for a moment).
   */
  async function submit(d: RevocationDeps = deps): Promise<number> {
    let sent = 0;
    for (;;) {
      sent += await submitRevocations(d);
      const { rows } = await db.query<{ open: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM revocations WHERE state = 'pending') AS open",
      );
      if (!rows[0]?.open) return sent;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const nonce = () => chain.provider.getTransactionCount(ANCHORER, "latest");

  it("revokes pending leaves in one revokeBatch with the fixed reason code, confirmed by receipt", async () => {
    const leaves = await revoked(3);
    expect(await submit(deps)).toBe(3);
    expect(await confirmRevocations(deps)).toBe(3);
    const states = await rows();
    const tx = states[0]!.tx_hash!;
    const code = encodeBytes32String("revoked");
    expect([
      states,
      await Promise.all(leaves.map(events)),
      (await Promise.all(leaves.map((l) => chain.registry.revokedAt(l)))).every((t) => t > 0),
    ]).toEqual([
      leaves.map((leaf) => ({ leaf, state: "confirmed", tx_hash: tx })),
      leaves.map(() => [{ tx, reason: code }]),
      true,
    ]);
  });

  it("sends at most maxLeaves leaves per transaction", async () => {
    await revoked(5);
    expect(await submit({ ...deps, maxLeaves: 2 })).toBe(5);
    expect(await confirmRevocations(deps)).toBe(5);
    const hashes = new Set((await rows()).map((r) => r.tx_hash));
    expect(hashes.size).toBe(3);
  });

  it("re-broadcasts a revocation that was recorded but never sent, and sends nothing else", async () => {
    const [leaf] = await revoked(1);
    const lost: AnchorChainPort = {
      ...chain.registry,
      broadcast: () => Promise.resolve("sent" as const),
    };
    const before = await nonce();
    expect(await submit({ ...deps, chain: lost })).toBe(1);
    const recorded = (await rows())[0]!.tx_hash!;
    expect([await chain.registry.receipt(recorded), await chain.registry.revokedAt(leaf!)]).toEqual([
      null,
      0,
    ]);

    expect(await confirmRevocations(deps)).toBe(0); // re-broadcast now, mined at once (automine)
    expect(await confirmRevocations(deps)).toBe(1);
    expect([await rows(), await events(leaf!), (await nonce()) - before]).toEqual([
      [{ leaf, state: "confirmed", tx_hash: recorded }],
      [{ tx: recorded, reason: encodeBytes32String("revoked") }],
      1,
    ]);
  });

  it("never revokes a leaf twice: one the chain already holds is confirmed without a transaction", async () => {
    const [first] = await revoked(1);
    await submit(deps);
    await confirmRevocations(deps);
    // The database lost the confirmation (restored from a backup): the revocation looks pending.
    await db.query(
      "UPDATE revocations SET state = 'pending', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL",
    );
    const [second] = await revoked(1);
    const before = await nonce();
    expect(await submit(deps)).toBe(1);
    expect(await confirmRevocations(deps)).toBe(1);
    const states = await rows();
    const byLeaf = Object.fromEntries(states.map((r) => [r.leaf, r]));
    expect([
      byLeaf[first!]!.state,
      byLeaf[first!]!.tx_hash,
      byLeaf[second!]!.state,
      (await events(first!)).length,
      (await events(second!)).length,
      (await nonce()) - before,
    ]).toEqual(["confirmed", null, "confirmed", 1, 1, 1]);
  });

  it("signs again without the leaf another transaction revoked when the recorded one lost its nonce", async () => {
    const [a, b] = await revoked(2);
    const lost: AnchorChainPort = {
      ...chain.registry,
      broadcast: () => Promise.resolve("sent" as const),
    };
    await submit({ ...deps, chain: lost }); // recorded (a, b), never sent
    // Another transaction of the same key takes that nonce and revokes a.
    const other = new Contract(chain.registry.address, REGISTRY_ABI, new Wallet(ANCHOR_KEY, chain.provider));
    await (
      (await other.getFunction("revoke").send(a, encodeBytes32String("revoked"))) as {
        wait(): Promise<unknown>;
      }
    ).wait();

    expect(await confirmRevocations(deps)).toBe(1); // a confirmed from the chain; b back to pending
    expect((await rows()).map((r) => [r.leaf, r.state])).toEqual([
      [a, "confirmed"],
      [b, "pending"],
    ]);
    expect(await submit(deps)).toBe(1);
    expect(await confirmRevocations(deps)).toBe(1);
    expect([
      (await rows()).map((r) => r.state),
      (await events(a!)).length,
      (await events(b!)).length,
    ]).toEqual([["confirmed", "confirmed"], 1, 1]);
  });

  it("sends again, and reports, a revocation the chain lost in a crash", async () => {
    const [leaf] = await revoked(1);
    const port = chain.anvil.port;
    const address = chain.registry.address;
    await stopChain(chain); // clean stop: the deployment is in the state file
    chain = await startChain(chain.stateFile, port, address);
    deps = { ...deps, chain: chain.registry };
    await submit(deps);
    await confirmRevocations(deps);
    await stopChain(chain, "kill"); // the revocation was never written to the state file
    chain = await startChain(chain.stateFile, port, address);
    deps = { ...deps, chain: chain.registry };
    expect([await chain.registry.revokedAt(leaf!), await reconcileRevocations(deps)]).toEqual([0, [leaf]]);
    expect(await submit(deps)).toBe(1);
    expect(await confirmRevocations(deps)).toBe(1);
    const audit = await db.query("SELECT action, subject FROM audit_log WHERE actor = 'system'");
    expect([
      (await chain.registry.revokedAt(leaf!)) > 0,
      audit.rows,
      await reconcileRevocations(deps),
    ]).toEqual([true, [{ action: "revocation.lost", subject: leaf }], []]);
  });

  it("does not touch the chain when no revocation is open", async () => {
    const unreachable = () => Promise.reject(new Error("the chain must not be asked"));
    const port: AnchorChainPort = {
      ...chain.registry,
      nextNonce: unreachable,
      signAnchor: unreachable,
      signRevocation: unreachable,
      signIssuerChange: unreachable,
      broadcast: unreachable,
      receipt: unreachable,
      latestBlock: unreachable,
      findAnchor: unreachable,
      revokedAt: unreachable,
    };
    expect(await revokePending({ db, chain: port, confirmations: 1 })).toEqual({
      submitted: 0,
      confirmed: 0,
    });
  });
});
