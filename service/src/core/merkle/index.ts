/**
 * Merkle trees of anchoring batches: building (service side) and proof verification (service and
 * browser). Import `./verify` directly where the builder is not wanted in a bundle.
 */
export { buildMerkleLayers, buildMerkleTree, type MerkleBatchTree } from "./tree";
export { verifyMerkleProof, hashSortedPair } from "./verify";
export { isBytes32 } from "./bytes32";
