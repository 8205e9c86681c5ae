/**
 * Merkle leaves for tests: `keccak256(docHash)` of small distinct documents, exactly as the
 * service derives them (docs/formats.md), so trees in tests look like real batches.
 */
import { docHash, leafOf } from "../../service/src/core/documents/hash";

/** `count` distinct leaves; `label` keeps leaves of different test trees apart. */
export function sampleLeaves(count: number, label = "batch"): string[] {
  return Array.from({ length: count }, (_, i) => leafOf(docHash({ type: "hocba.test/v1", label, i })));
}
