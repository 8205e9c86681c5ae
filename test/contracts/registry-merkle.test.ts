/**
 * Proofs built off chain by core/merkle (merkletreejs, sorted pairs, leaves keccak256(docHash))
 * verified on chain by TranscriptRegistry.verify (OpenZeppelin MerkleProof); see docs/formats.md
 * and docs/contract.md.
 * One fixture: the registry with four anchored trees of 1, 2, 3 and 1,000 leaves.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeBytes32String, id } from "ethers";
import { buildMerkleTree, verifyMerkleProof, type MerkleBatchTree } from "../../service/src/core/merkle";
import { sampleLeaves } from "../helpers/leaves";
import { connectTestChain, mined, snapshotFixture, type TestChain } from "./helpers/chain";
import { deployCast, type Registry, type RegistryCast } from "./helpers/registry";

const SIZES = [1, 2, 3, 1000] as const;

let chain: TestChain;
let cast: RegistryCast;
let registry: Registry;
const trees = new Map<number, MerkleBatchTree>();
const fixture = snapshotFixture(
  () => chain,
  async () => {
    cast = await deployCast(chain);
    registry = cast.as();
    for (const size of SIZES) {
      const tree = buildMerkleTree(sampleLeaves(size, `tree of ${size}`));
      trees.set(size, tree);
      await mined(cast.as(cast.anchorer).anchor(tree.root, size));
    }
  },
);

beforeAll(async () => {
  chain = await connectTestChain();
  await fixture.init();
});
beforeEach(() => fixture.reset());
afterAll(() => chain.provider.destroy());

function tree(size: number): MerkleBatchTree {
  const found = trees.get(size);
  if (!found) throw new Error(`no tree of ${size}`);
  return found;
}

/** Indices checked in the 1,000-leaf tree: both ends, the short proofs near the end, a spread between. */
const SAMPLE = [
  ...Array.from({ length: 10 }, (_, i) => i),
  ...Array.from({ length: 20 }, (_, i) => 10 + i * 49),
  ...Array.from({ length: 10 }, (_, i) => 990 + i),
];

describe("verify", () => {
  for (const size of [1, 2, 3]) {
    it(`accepts every proof of a ${size}-leaf tree`, async () => {
      const t = tree(size);
      const proofs = t.allProofs();
      const results = await Promise.all(t.leaves.map((leaf, i) => registry.verify(proofs[i]!, t.root, leaf)));
      expect(results).toEqual(t.leaves.map(() => true));
    });
  }

  it("takes a one-leaf tree's root to be its leaf, with an empty proof", async () => {
    const t = tree(1);
    expect({
      root: t.root,
      proof: t.proof(0),
      onChain: await registry.verify([], t.root, t.leaves[0]!),
    }).toEqual({
      root: t.leaves[0],
      proof: [],
      onChain: true,
    });
  });

  it("accepts the proofs of a 1,000-leaf tree, first and last included, as core/merkle does", async () => {
    const t = tree(1000);
    const proofs = t.allProofs();
    const onChain = await Promise.all(SAMPLE.map((i) => registry.verify(proofs[i]!, t.root, t.leaves[i]!)));
    const offChain = SAMPLE.map((i) => verifyMerkleProof(proofs[i]!, t.root, t.leaves[i]!));
    expect({ onChain, offChain }).toEqual({
      onChain: SAMPLE.map(() => true),
      offChain: SAMPLE.map(() => true),
    });
  });

  it("rejects a leaf that is not in the tree", async () => {
    const t = tree(1000);
    const stranger = sampleLeaves(1, "not in any tree")[0]!;
    expect([
      await registry.verify(t.proof(5), t.root, stranger),
      await registry.verify(t.proof(5), t.root, t.leaves[6]!),
      await registry.verify([], tree(3).root, tree(3).leaves[0]!),
    ]).toEqual([false, false, false]);
  });

  it("rejects a valid proof against a root that was never anchored", async () => {
    const unanchored = buildMerkleTree(sampleLeaves(3, "never anchored"));
    expect({
      offChain: verifyMerkleProof(unanchored.proof(1), unanchored.root, unanchored.leaves[1]!),
      onChain: await registry.verify(unanchored.proof(1), unanchored.root, unanchored.leaves[1]!),
    }).toEqual({ offChain: true, onChain: false });
  });

  it("rejects a proof leading to another anchored root", async () => {
    const t = tree(3);
    expect(await registry.verify(t.proof(0), tree(2).root, t.leaves[0]!)).toBe(false);
  });

  it("rejects a revoked leaf and still accepts its neighbours", async () => {
    const t = tree(1000);
    await mined(cast.as(cast.revoker).revoke(t.leaves[500]!, encodeBytes32String("CORRECTED")));
    expect(
      await Promise.all([499, 500, 501].map((i) => registry.verify(t.proof(i), t.root, t.leaves[i]!))),
    ).toEqual([true, false, true]);
  });

  it("rejects a proof with an altered sibling", async () => {
    const t = tree(1000);
    const proof = t.proof(123);
    proof[3] = id("tampered");
    expect(await registry.verify(proof, t.root, t.leaves[123]!)).toBe(false);
  });
});
