/**
 * Anchoring against a real `hardhat node` JSON-RPC process (Hardhat's network, with its base fee:
 * gas is priced by the node, not zero as on the permissioned chain), on every database backend.
 */
import { Contract, JsonRpcProvider, Network, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import {
  createRegistryClient,
  REGISTRY_ABI,
  type RegistryClient,
} from "../../service/src/adapters/chain/registry";
import { migrate } from "../../service/src/adapters/db/migrate";
import { proofFromPacked } from "../../service/src/core/merkle/packed";
import { anchorPending } from "../../service/src/issuance/anchoring";
import { BATCH_OF_DOCUMENT, LEAF_INDEX_SQL } from "../../service/src/issuance/stores/batches";
import { addPendingDocuments, ADMIN_KEY, ANCHOR_KEY } from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";

const backends = await databaseBackends();
let node: HardhatNode;
let provider: JsonRpcProvider;
let registry: Contract;
let address: string;

beforeAll(async () => {
  node = await startHardhatNode();
  const network = Network.from(31337);
  provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
  ({ address } = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
    anchorers: [new Wallet(ANCHOR_KEY).address],
  }));
  registry = new Contract(address, REGISTRY_ABI, provider);
});
afterAll(async () => {
  provider.destroy();
  await node.stop();
});

describe.each(backends)("anchoring on $name against a hardhat node", (backend) => {
  let client: RegistryClient;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  beforeAll(async () => {
    opened = await backend.open();
    await migrate(opened.db);
    // No fixed gas price: the client pays what the node asks.
    client = createRegistryClient({ rpcUrl: node.url, chainId: 31337, address, privateKey: ANCHOR_KEY });
  });
  afterAll(async () => {
    client.close();
    await opened.dispose();
  });

  it("anchors pending documents in batches whose stored proofs verify on chain", async () => {
    const { db } = opened;
    await addPendingDocuments(db, 45);
    expect(await anchorPending({ db, chain: client, maxBatch: 20, confirmations: 1 })).toEqual({
      batches: 3,
      confirmed: 3,
    });
    const { rows } = await db.query<{
      id: number;
      root: string;
      leaf_count: number;
      tree: Uint8Array;
      state: string;
    }>("SELECT id, root, leaf_count, tree, state FROM batches ORDER BY id");
    expect(rows.map((b) => [b.leaf_count, b.state])).toEqual([
      [20, "confirmed"],
      [20, "confirmed"],
      [5, "confirmed"],
    ]);
    for (const batch of rows) {
      const docs = await db.query<{ leaf: string; leaf_index: number }>(
        `SELECT d.leaf, ${LEAF_INDEX_SQL} AS leaf_index FROM documents d JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE b.id = $1 ORDER BY d.seq`,
        [batch.id],
      );
      const last = docs.rows[docs.rows.length - 1]!;
      const proof = proofFromPacked(batch.tree, batch.leaf_count, last.leaf_index);
      expect(await registry.getFunction("verify").staticCall(proof, batch.root, last.leaf)).toBe(true);
    }
  });

  it("lets two anchorers race without anchoring a root twice", async () => {
    const { db } = opened;
    await addPendingDocuments(db, 30);
    const other = createRegistryClient({ rpcUrl: node.url, chainId: 31337, address, privateKey: ANCHOR_KEY });
    const deps = { db, maxBatch: 7, confirmations: 1 };
    await Promise.all([anchorPending({ ...deps, chain: client }), anchorPending({ ...deps, chain: other })]);
    await anchorPending({ ...deps, chain: client });
    other.close();
    const { rows } = await db.query<{ root: string }>("SELECT root FROM batches WHERE state = 'confirmed'");
    const logs = await provider.getLogs({
      address,
      topics: [REGISTRY_ABI.getEvent("RootAnchored")!.topicHash],
      fromBlock: 0,
    });
    const onChain = logs.map((log) => log.topics[1]);
    // The node is shared by both backends' suites: count each of this database's roots on chain.
    expect(rows.map((r) => onChain.filter((root) => root === r.root).length)).toEqual(rows.map(() => 1));
    const pending = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT} WHERE b.state IS DISTINCT FROM 'confirmed'`,
    );
    expect(pending.rows).toEqual([{ n: 0 }]);
  });
});
