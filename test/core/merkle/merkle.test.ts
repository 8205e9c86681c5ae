import { describe, expect, it } from "vitest";
import { concat, keccak256 } from "ethers";
import { buildMerkleLayers, buildMerkleTree, verifyMerkleProof } from "../../../service/src/core/merkle";
import { toHex } from "../../../service/src/core/documents/hash";
import { HocbaError } from "../../../service/src/core/errors";
import { sampleLeaves } from "../../helpers/leaves";

/** Independent oracle for an inner node: ethers' keccak over the sorted pair (OpenZeppelin's rule). */
function pair(a: string, b: string): string {
  return keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a]));
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof HocbaError ? error.toJSON() : error;
  }
  throw new Error("expected a throw");
}

describe("buildMerkleTree", () => {
  it("makes a one-leaf tree whose root is the leaf and whose proof is empty", () => {
    const [leaf] = sampleLeaves(1) as [string];
    const tree = buildMerkleTree([leaf]);
    expect({ root: tree.root, leaves: tree.leaves, proofs: tree.allProofs() }).toEqual({
      root: leaf,
      leaves: [leaf],
      proofs: [[]],
    });
    expect(verifyMerkleProof([], tree.root, leaf)).toBe(true);
  });

  it("hashes two leaves as their sorted pair", () => {
    const [a, b] = sampleLeaves(2) as [string, string];
    const tree = buildMerkleTree([a, b]);
    expect({ root: tree.root, proofs: tree.allProofs() }).toEqual({ root: pair(a, b), proofs: [[b], [a]] });
  });

  it("promotes the lonely third leaf of a three-leaf tree without hashing it again", () => {
    const [a, b, c] = sampleLeaves(3) as [string, string, string];
    const tree = buildMerkleTree([a, b, c]);
    expect({ root: tree.root, proofs: tree.allProofs() }).toEqual({
      root: pair(pair(a, b), c),
      proofs: [[b, c], [a, c], [pair(a, b)]],
    });
  });

  it("gives every leaf of a 1,000-leaf tree a proof that verifies, and only for its own leaf", () => {
    const leaves = sampleLeaves(1000);
    const tree = buildMerkleTree(leaves);
    const proofs = tree.allProofs();
    expect(proofs.map((proof, i) => verifyMerkleProof(proof, tree.root, leaves[i]!))).toEqual(
      leaves.map(() => true),
    );
    expect(verifyMerkleProof(proofs[0]!, tree.root, leaves[1]!)).toBe(false);
    expect(verifyMerkleProof(proofs[999]!, tree.root, leaves[998]!)).toBe(false);
  });

  it("returns the same proof by index as in the list of all proofs", () => {
    const tree = buildMerkleTree(sampleLeaves(37));
    const all = tree.allProofs();
    expect([0, 17, 36].map((i) => tree.proof(i))).toEqual([all[0], all[17], all[36]]);
  });

  it("keeps duplicate leaves apart by position", () => {
    const [a, b] = sampleLeaves(2) as [string, string];
    const tree = buildMerkleTree([a, a, b]);
    expect(tree.allProofs()).toEqual([[a, b], [a, b], [pair(a, a)]]);
  });

  it("writes leaves and proofs in lowercase hex whatever case it was given", () => {
    const [a, b] = sampleLeaves(2) as [string, string];
    const tree = buildMerkleTree([a.toUpperCase().replace("0X", "0x"), b]);
    expect({ leaves: tree.leaves, proof: tree.proof(1) }).toEqual({ leaves: [a, b], proof: [a] });
  });

  it("refuses an empty batch", () => {
    expect(thrown(() => buildMerkleTree([]))).toEqual({
      code: "INTERNAL",
      message: "cannot build a Merkle tree of no leaves",
    });
  });

  it("refuses a leaf that is not a bytes32 hex value", () => {
    const [a] = sampleLeaves(1) as [string];
    expect(thrown(() => buildMerkleTree([a, "0x1234"]))).toEqual({
      code: "SCHEMA_INVALID",
      message: "leaves[1] is not a 0x-prefixed 32-byte hex value",
      details: { what: "leaves[1]", value: "0x1234" },
    });
  });

  it("refuses a proof index outside the batch", () => {
    const tree = buildMerkleTree(sampleLeaves(2));
    expect([2, -1, 0.5].map((i) => thrown(() => tree.proof(i)))).toEqual(
      [2, -1, 0.5].map((i) => ({ code: "INTERNAL", message: `leaf index ${i} is outside the batch of 2` })),
    );
  });
});

describe("buildMerkleLayers", () => {
  it("lays out the same tree as buildMerkleTree, leaves first and the root alone last", () => {
    const [a, b, c] = sampleLeaves(3) as [string, string, string];
    const layers = buildMerkleLayers([a, b, c]).map((layer) => layer.map((node) => toHex(node)));
    expect(layers).toEqual([[a, b, c], [pair(a, b), c], [buildMerkleTree([a, b, c]).root]]);
  });

  it("refuses an empty batch", () => {
    expect(thrown(() => buildMerkleLayers([]))).toEqual({
      code: "INTERNAL",
      message: "cannot build a Merkle tree of no leaves",
    });
  });
});

describe("verifyMerkleProof", () => {
  it("rejects a proof against another root", () => {
    const tree = buildMerkleTree(sampleLeaves(4));
    const other = buildMerkleTree(sampleLeaves(4, "other"));
    expect(verifyMerkleProof(tree.proof(2), other.root, tree.leaves[2]!)).toBe(false);
  });

  it("rejects a proof with one sibling altered", () => {
    const tree = buildMerkleTree(sampleLeaves(8));
    const proof = tree.proof(5);
    const altered = [proof[0]!, keccak256(proof[1]!), proof[2]!];
    expect(verifyMerkleProof(altered, tree.root, tree.leaves[5]!)).toBe(false);
  });

  it("answers the same for every proof of a tree verified twice, in upper or lower case, and still refuses a tampered one after the genuine ones", () => {
    const tree = buildMerkleTree(sampleLeaves(1000));
    const all = () => tree.leaves.map((leaf, i) => verifyMerkleProof(tree.proof(i), tree.root, leaf));
    expect(all()).toEqual(Array(1000).fill(true));
    expect(all()).toEqual(Array(1000).fill(true));
    const upper = (hex: string) => `0x${hex.slice(2).toUpperCase()}`;
    expect(verifyMerkleProof(tree.proof(7).map(upper), upper(tree.root), upper(tree.leaves[7]!))).toBe(true);
    const proof = tree.proof(7);
    const tampered = [...proof.slice(0, -1), keccak256(proof[proof.length - 1]!)];
    expect(verifyMerkleProof(tampered, tree.root, tree.leaves[7]!)).toBe(false);
    expect(verifyMerkleProof(proof, tree.root, tree.leaves[8]!)).toBe(false);
  });

  it("reports which value of a proof is malformed", () => {
    const tree = buildMerkleTree(sampleLeaves(2));
    expect(thrown(() => verifyMerkleProof([tree.leaves[1]!, "0xzz"], tree.root, tree.leaves[0]!))).toEqual({
      code: "SCHEMA_INVALID",
      message: "proof[1] is not a 0x-prefixed 32-byte hex value",
      details: { what: "proof[1]", value: "0xzz" },
    });
  });
});
