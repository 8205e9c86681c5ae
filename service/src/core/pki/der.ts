/**
 * A strict, allocation-light DER reader for the verification hot path. Walking the few fields of a
 * CMS SignedData by offset costs microseconds, where building asn1js/pkijs object trees for the
 * same bytes costs most of a millisecond (~90% of pkijs verification time, measured). It reads
 * DER only: definite, minimally encoded lengths, low tag numbers, nothing left over.
 */

export class DerError extends Error {
  override readonly name = "DerError";
}

/** One element: `bytes[start, end)` is the whole TLV, `bytes[contentStart, end)` its value. */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
  context1: 0xa1,
  context0Primitive: 0x80,
} as const;

/** Reads the element at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at offset ${offset}`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag number at offset ${offset}`);
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at offset ${offset}`);
    if (count > 4) throw new DerError(`length too large at offset ${offset}`);
    if (contentStart + count > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    if (bytes[contentStart] === 0 || length < 0x80)
      throw new DerError(`non-minimal length at offset ${offset}`);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`element at offset ${offset} runs past its container`);
  return { tag, start: offset, contentStart, end };
}

/** Reads a whole buffer that must hold exactly one element. */
export function readRoot(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.end !== bytes.length) throw new DerError("trailing bytes after the outer element");
  return tlv;
}

/** The elements inside a constructed element; they must fill it exactly. */
export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw new DerError(`element at offset ${parent.start} is not constructed`);
  const result: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readTlv(bytes, offset, parent.end);
    result.push(child);
    offset = child.end;
  }
  return result;
}

/** Asserts the tag of an element (or of an absent one, for a clearer message). */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) throw new DerError(`${what} is missing`);
  if (tlv.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

export function elementOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function readOid(bytes: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, TAG.oid, "object identifier");
  if (tlv.end === tlv.contentStart) throw new DerError("empty object identifier");
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const byte = bytes[i]!;
    if (value === 0 && byte === 0x80) throw new DerError("non-minimal object identifier");
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("object identifier arc too large");
    if ((byte & 0x80) === 0) {
      if (parts.length === 0)
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  if ((bytes[tlv.end - 1]! & 0x80) !== 0) throw new DerError("truncated object identifier");
  return parts.join(".");
}

/** A small non-negative INTEGER (versions). */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv): number {
  expectTag(tlv, TAG.integer, "integer");
  const length = tlv.end - tlv.contentStart;
  if (length < 1 || length > 4) throw new DerError("integer out of range");
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = value * 256 + bytes[i]!;
  if (bytes[tlv.contentStart]! & 0x80) throw new DerError("negative integer");
  return value;
}

/** UTCTime or GeneralizedTime in their DER forms (UTC, "Z", seconds present). */
export function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = String.fromCharCode(...contentOf(bytes, tlv));
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.utcTime) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (match === null) throw new DerError(`malformed UTCTime "${text}"`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === TAG.generalizedTime) {
    match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d*[1-9]))?Z$/.exec(text);
    if (match === null) throw new DerError(`malformed GeneralizedTime "${text}"`);
    year = Number(match[1]);
  } else {
    throw new DerError(`expected a time, got tag 0x${tlv.tag.toString(16)}`);
  }
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new DerError(`not a real time "${text}"`);
  }
  return date;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** DER of one element: tag, minimal definite length, content. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header: number[] = [tag];
  if (length < 0x80) header.push(length);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise order of two encodings (DER orders a SET OF by it). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
