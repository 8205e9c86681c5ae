/**
 * Merkle proof verification, identical to OpenZeppelin's `MerkleProof.verify` (sorted-pair
 * keccak-256): the browser verifier and the service check inclusion offline with it, without
 * loading the tree builder (merkletreejs needs a `buffer` module a browser bundle lacks).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytes32ToBytes } from "./bytes32";

/** Unsigned lexicographic comparison of two equal-length byte strings (bytes32 `<` in Solidity). */
function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** keccak256 of the sorted concatenation of two nodes (OpenZeppelin `Hashes.commutativeKeccak256`). */
export function hashSortedPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(64);
  const [first, second] = lessThan(b, a) ? [b, a] : [a, b];
  joined.set(first, 0);
  joined.set(second, 32);
  return keccak_256(joined);
}

/**
 * Whether `proof` leads from `leaf` to `root`, all 0x-hex bytes32. A one-leaf tree has an empty
 * proof and its root is the leaf.
 * @throws HocbaError SCHEMA_INVALID when any value is not a bytes32 hex string.
 * @example
 * verifyMerkleProof(tree.proof(0), tree.root, tree.leaves[0]); // true
 */
export function verifyMerkleProof(proof: readonly string[], root: string, leaf: string): boolean {
  const expected = bytes32ToBytes(root, "root");
  let node = bytes32ToBytes(leaf, "leaf");
  proof.forEach((sibling, i) => {
    node = hashSortedPair(node, bytes32ToBytes(sibling, `proof[${i}]`));
  });
  return node.every((byte, i) => byte === expected[i]);
}
