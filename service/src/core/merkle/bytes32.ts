/**
 * Parsing of the 0x-hex bytes32 values the Merkle code exchanges with the chain and with credential
 * files. Malformed input is a caller's data problem, reported with a stable code rather than a
 * silent `false`, so that "forged" and "garbled" stay distinguishable.
 */
import { HocbaError } from "../errors";
import { fromHex } from "../documents/hash";
import { BYTES32_PATTERN } from "../encoding";

const BYTES32 = new RegExp(BYTES32_PATTERN);

/** Whether `value` is a 0x-prefixed 32-byte hex string. */
export function isBytes32(value: unknown): value is string {
  return typeof value === "string" && BYTES32.test(value);
}

/**
 * Throws unless `value` is a 0x-prefixed 32-byte hex string.
 * @throws HocbaError SCHEMA_INVALID naming `what`.
 */
export function assertBytes32(value: unknown, what: string): asserts value is string {
  if (!isBytes32(value)) {
    throw new HocbaError("SCHEMA_INVALID", `${what} is not a 0x-prefixed 32-byte hex value`, {
      details: { what, value },
    });
  }
}

/**
 * The 32 bytes of a 0x-hex bytes32 value.
 * @throws HocbaError SCHEMA_INVALID when `value` is not 0x followed by 64 hex digits.
 */
export function bytes32ToBytes(value: string, what: string): Uint8Array {
  assertBytes32(value, what);
  return fromHex(value);
}
