/**
 * The in-browser half of "verified on the chain": the Merkle proof the service returned is
 * re-hashed here, leaf to root, with the same code the service and the verifier use
 * (service/src/core/merkle/verify — imported directly so the tree builder stays out of the bundle).
 * A parent does not have to trust the page's green mark alone: the root and transaction shown next
 * to it can be looked up on any node of the chain.
 */
import { verifyMerkleProof } from "../../../service/src/core/merkle/verify";
import type { GraduateAnchor } from "./api";

/** `valid`: the proof leads from the leaf to the anchored root; `invalid`: it does not, or is garbled. */
export type ProofCheck = "valid" | "invalid";

/**
 * Re-checks an anchor's Merkle proof locally.
 * @example
 * checkAnchorProof(result.anchor); // "valid"
 */
export function checkAnchorProof(anchor: GraduateAnchor): ProofCheck {
  try {
    return verifyMerkleProof(anchor.proof, anchor.merkleRoot, anchor.leaf) ? "valid" : "invalid";
  } catch {
    // A malformed hex value (SCHEMA_INVALID) proves nothing either.
    return "invalid";
  }
}
