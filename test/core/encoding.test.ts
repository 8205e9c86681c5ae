import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE64_PATTERN, decodeBase64 } from "../../service/src/core/encoding";

const pattern = new RegExp(BASE64_PATTERN);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

describe("decodeBase64", () => {
  it("decodes padded standard base64 to the bytes Node would decode", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        expect(decodeBase64(Buffer.from(bytes).toString("base64"))).toEqual(bytes);
      }),
    );
  });

  it("accepts exactly the strings BASE64_PATTERN accepts, the schemas' definition of base64", () => {
    const near = fc
      .array(fc.constantFrom(...ALPHABET, "=", "-", "_", " ", "\n"), { maxLength: 12 })
      .map((chars) => chars.join(""));
    fc.assert(
      fc.property(near, (text) => {
        expect(decodeBase64(text) !== undefined).toBe(pattern.test(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it("refuses what is not base64 of at least one byte", () => {
    expect(
      ["", "QQ", "QQ=", "Q===", "====", "QUJD=", "QU=D", "QUJD\n", "QUJ-", 42, null, undefined].map(
        decodeBase64,
      ),
    ).toEqual(Array.from({ length: 12 }, () => undefined));
  });
});
