/**
 * The DER reader accepts DER only: what BER allows but DER forbids (indefinite or non-minimal
 * lengths), and anything running past its container, is refused rather than guessed at.
 */
import { describe, expect, it } from "vitest";
import {
  DerError,
  childrenOf,
  readOid,
  readRoot,
  readTime,
  readTlv,
} from "../../../service/src/core/pki/der";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("the DER reader", () => {
  it("reads nested elements by offset", () => {
    const der = bytes(0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xff);
    const root = readRoot(der);
    expect(root).toEqual({ tag: 0x30, start: 0, contentStart: 2, end: 8 });
    expect(childrenOf(der, root)).toEqual([
      { tag: 0x02, start: 2, contentStart: 4, end: 5 },
      { tag: 0x04, start: 5, contentStart: 7, end: 8 },
    ]);
  });

  it.each([
    ["an indefinite length", bytes(0x30, 0x80, 0x00, 0x00), /indefinite length/],
    ["a non-minimal long length", bytes(0x04, 0x81, 0x01, 0x00), /non-minimal length/],
    [
      "a length with a leading zero byte",
      bytes(0x04, 0x82, 0x00, 0x81, ...new Array<number>(0x81).fill(0)),
      /non-minimal length/,
    ],
    ["a high tag number", bytes(0x1f, 0x81, 0x01, 0x00), /high tag number/],
    ["an element longer than its buffer", bytes(0x04, 0x05, 0x00), /runs past/],
    ["trailing bytes", bytes(0x05, 0x00, 0x00), /trailing bytes/],
    ["a lone tag byte", bytes(0x30), /truncated/],
  ])("refuses %s", (_label, der, message) => {
    expect(() => readRoot(der)).toThrow(DerError);
    expect(() => readRoot(der)).toThrow(message);
  });

  it("refuses children that overrun their parent", () => {
    const der = bytes(0x30, 0x03, 0x04, 0x02, 0x00, 0x00);
    expect(() => readRoot(der)).toThrow(/trailing bytes/);
    const inner = bytes(0x30, 0x03, 0x04, 0x02, 0x00);
    expect(() => childrenOf(inner, readTlv(inner, 0))).toThrow(/runs past/);
  });

  it("decodes object identifiers, including the first-arc rule and long arcs", () => {
    const sha256 = bytes(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01);
    expect(readOid(sha256, readRoot(sha256))).toBe("2.16.840.1.101.3.4.2.1");
    const truncated = bytes(0x06, 0x02, 0x2a, 0x86);
    expect(() => readOid(truncated, readRoot(truncated))).toThrow(/truncated object identifier/);
  });

  it.each([
    ["UTCTime in the 2000s", 0x17, "260605010000Z", "2026-06-05T01:00:00.000Z"],
    ["UTCTime in the 1900s", 0x17, "990101000000Z", "1999-01-01T00:00:00.000Z"],
    ["GeneralizedTime with a fraction", 0x18, "20500101120000.5Z", "2050-01-01T12:00:00.500Z"],
  ])("reads %s", (_label, tag, text, iso) => {
    const der = bytes(tag, text.length, ...Array.from(text, (c) => c.charCodeAt(0)));
    expect(readTime(der, readRoot(der)).toISOString()).toBe(iso);
  });

  it.each([
    ["a time without Z", 0x17, "2606050100000"],
    ["a non-existent date", 0x17, "260231010000Z"],
    ["an hour of 24", 0x18, "20260605240000Z"],
  ])("refuses %s", (_label, tag, text) => {
    const der = bytes(tag, text.length, ...Array.from(text, (c) => c.charCodeAt(0)));
    expect(() => readTime(der, readRoot(der))).toThrow(DerError);
  });
});
