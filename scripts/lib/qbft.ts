/**
 * QBFT genesis `extraData` (Besu): RLP([32-byte vanity, [validator addresses], no vote, round 0,
 * no committed seals]) — the layout `besu rlp encode --type=QBFT_EXTRA_DATA` produces.
 */
import { ZeroHash, encodeRlp, getAddress } from "ethers";

/** QBFT genesis extraData for `validators` (any address case; written lowercase). */
export function qbftExtraData(validators: readonly string[]): string {
  return encodeRlp([ZeroHash, validators.map((v) => getAddress(v).toLowerCase()), [], "0x", []]);
}
