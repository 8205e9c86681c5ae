/**
 * Canonical bytes and hashes of a document (docs/formats.md):
 *   canonical bytes = UTF-8 of RFC 8785 (JCS) serialisation
 *   docHash         = SHA-256(canonical bytes)        — also the CMS message-digest attribute
 *   leaf            = keccak256(docHash)              — the Merkle leaf anchored on chain
 * Hex values are lowercase and 0x-prefixed, as ethers writes bytes32.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { canonicalJson } from "./jcs";

const encoder = new TextEncoder();

/** RFC 8785 canonical UTF-8 bytes of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** SHA-256 of the canonical bytes, as raw bytes. */
export function docHashBytes(value: unknown): Uint8Array {
  return sha256(canonicalBytes(value));
}

/** SHA-256 of the canonical bytes, 0x-hex. */
export function docHash(value: unknown): string {
  return toHex(docHashBytes(value));
}

/**
 * A copy of a document with its members in canonical order, and its docHash: the form in which
 * credential files carry documents (any member order verifies; this one needs no reordering).
 */
export function inCanonicalForm(value: unknown): { document: unknown; docHash: string } {
  const text = canonicalJson(value);
  return { document: JSON.parse(text) as unknown, docHash: toHex(sha256(encoder.encode(text))) };
}

/** The Merkle leaf for a docHash (0x-hex or raw bytes): keccak256 of its 32 bytes. */
export function leafOf(docHashValue: string | Uint8Array): string {
  const bytes = typeof docHashValue === "string" ? fromHex(docHashValue) : docHashValue;
  return toHex(keccak_256(bytes));
}

export function toHex(bytes: Uint8Array): string {
  return "0x" + bytesToHex(bytes);
}

export function fromHex(hex: string): Uint8Array {
  return hexToBytes(hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex);
}
