/**
 * Merkle proof verification, identical to OpenZeppelin's `MerkleProof.verify` (sorted-pair
 * keccak-256): the browser verifier and the service check inclusion offline with it, without
 * loading the tree builder (merkletreejs needs a `buffer` module a browser bundle lacks).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { fromHex, toHex } from "../documents/hash";
import { BoundedCache } from "../pki/bounded-cache";
import { assertBytes32 } from "./bytes32";

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
 * Parents already computed, by the sorted pair of children (lowercase hex, the first without its
 * 0x): keccak-256 in JavaScript is the largest part of a proof's cost, and the proofs of one
 * batch share their upper nodes — a thousand credentials of one tree need about a thousand pair
 * hashes, not ten thousand. A pure function's memo: every step of every proof still yields
 * exactly the keccak of its two children.
 */
const parents = new BoundedCache<string, string>(65_536);

/** The parent of two lowercase 0x-hex nodes: {@link hashSortedPair}, memoized. */
function parentOf(a: string, b: string): string {
  // Equal-length lowercase hex strings order exactly as the bytes they spell.
  const key = a < b ? a + b.slice(2) : b + a.slice(2);
  let parent = parents.get(key);
  if (parent === undefined) {
    parent = toHex(hashSortedPair(fromHex(a), fromHex(b)));
    parents.set(key, parent);
  }
  return parent;
}

/** `value` checked to be a bytes32 hex value, in lowercase. */
function lowerBytes32(value: string, what: string): string {
  assertBytes32(value, what);
  return value.toLowerCase();
}

/**
 * Whether `proof` leads from `leaf` to `root`, all 0x-hex bytes32. A one-leaf tree has an empty
 * proof and its root is the leaf.
 * @throws HocbaError SCHEMA_INVALID when any value is not a bytes32 hex string.
 * @example
 * verifyMerkleProof(tree.proof(0), tree.root, tree.leaves[0]); // true
 */
export function verifyMerkleProof(proof: readonly string[], root: string, leaf: string): boolean {
  const expected = lowerBytes32(root, "root");
  let node = lowerBytes32(leaf, "leaf");
  proof.forEach((sibling, i) => {
    node = parentOf(node, lowerBytes32(sibling, `proof[${i}]`));
  });
  return node === expected;
}
