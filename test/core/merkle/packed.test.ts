import { keccak256, toBeHex } from "ethers";
import { describe, expect, it } from "vitest";
import { buildMerkleTree, verifyMerkleProof } from "../../../service/src/core/merkle";
import {
  buildPackedTree,
  layerSizes,
  leafFromPacked,
  proofFromPacked,
} from "../../../service/src/core/merkle/packed";

const leaves = (n: number) => Array.from({ length: n }, (_, i) => keccak256(toBeHex(i + 1, 32)));

describe("packed batch trees", () => {
  it.each([1, 2, 3, 5, 8, 13, 1000, 1001])(
    "give the same root and proofs as the tree builder for %i leaves",
    (n) => {
      const batch = leaves(n);
      const tree = buildMerkleTree(batch);
      const packed = buildPackedTree(batch);
      expect(packed.root).toBe(tree.root);
      expect(packed.packed.length).toBe(layerSizes(n).reduce((a, b) => a + b, 0) * 32);
      const indexes = n <= 13 ? batch.map((_, i) => i) : [0, 1, 2, n - 2, n - 1, Math.floor(n / 2)];
      for (const i of indexes) {
        const proof = proofFromPacked(packed.packed, n, i);
        expect(proof).toEqual(tree.proof(i));
        expect([leafFromPacked(packed.packed, i), verifyMerkleProof(proof, packed.root, batch[i]!)]).toEqual([
          batch[i],
          true,
        ]);
      }
    },
  );

  it("lays out layers halving and rounding up down to the root", () => {
    expect([layerSizes(1), layerSizes(2), layerSizes(5), layerSizes(8)]).toEqual([
      [1],
      [2, 1],
      [5, 3, 2, 1],
      [8, 4, 2, 1],
    ]);
  });

  it("refuses an index outside the batch and bytes that do not match the leaf count", () => {
    const packed = buildPackedTree(leaves(3));
    expect(() => proofFromPacked(packed.packed, 3, 3)).toThrow("leaf index 3 is outside the batch of 3");
    expect(() => proofFromPacked(packed.packed, 4, 0)).toThrow(
      `packed tree of ${packed.packed.length} bytes does not hold 4 leaves`,
    );
  });
});
