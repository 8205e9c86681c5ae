import { createHash } from "node:crypto";
import { keccak256 } from "ethers";
import { canonicalize } from "json-canonicalize";
import { describe, expect, it } from "vitest";
import { makeGraduation, makeTranscript } from "../../../service/src/demo/documents";
import {
  canonicalBytes,
  docHash,
  docHashBytes,
  fromHex,
  inCanonicalForm,
  leafOf,
  toHex,
} from "../../../service/src/core/documents/hash";

const text = (value: unknown) => new TextDecoder().decode(canonicalBytes(value));

/** The double whose IEEE 754 bits are `hex`. */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("RFC 8785 canonicalization", () => {
  it("produces the §3.2.3 example output and its §3.2.4 UTF-8 bytes", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(text(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    const hex = [
      "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72",
      "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a",
      "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31",
      "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37",
      "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30",
      "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d",
    ].join(" ");
    expect(toHex(canonicalBytes(input))).toBe("0x" + hex.replace(/ /g, ""));
  });

  it("sorts properties by UTF-16 code units, ignoring locale (§3.2.3)", () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",' +
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",' +
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ) as unknown;
    expect(text(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // cyberphone/json-canonicalization testdata: input → output pairs.
  const files: [string, string, string][] = [
    ["arrays", '[56, {"d": true, "10": null, "1": [ ]}]', '[56,{"1":[],"10":null,"d":true}]'],
    [
      "french",
      '{"peach": "This sorting order", "péché": "is wrong according to French",' +
        ' "pêche": "but canonicalization MUST", "sin": "ingnore locale"}',
      '{"peach":"This sorting order","péché":"is wrong according to French",' +
        '"pêche":"but canonicalization MUST","sin":"ingnore locale"}',
    ],
    [
      "structures",
      '{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }}',
      '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
    ],
    ["unicode", '{"Unnormalized Unicode":"\\u1e0d\\u0307"}', '{"Unnormalized Unicode":"\u1e0d\u0307"}'],
    [
      "values",
      '{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],' +
        ' "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
      '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],' +
        '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
    ],
    [
      "weird",
      '{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", "\\ud83d\\ude02": "Smiley",' +
        ' "\\u00f6": "Latin Small Letter O With Diaeresis", "\\ufb33": "Hebrew Letter Dalet With Dagesh",' +
        ' "</script>": "Browser Challenge"}',
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😂":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ],
  ];
  it.each(files)("canonicalizes the %s test file", (_name, input, output) => {
    expect(text(JSON.parse(input))).toBe(output);
  });

  it("keeps unnormalized Unicode as it is (NFC is the document's job, not JCS's)", () => {
    expect(canonicalBytes({ a: "e\u0301" })).not.toEqual(canonicalBytes({ a: "\u00e9" }));
  });

  // Appendix B: IEEE 754 bit patterns and their canonical text.
  const numbers: [string, string][] = [
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ];
  it.each(numbers)("serialises the double 0x%s as %s (Appendix B)", (bits, expected) => {
    expect(text(double(bits))).toBe(expected);
  });

  it.each([["7fffffffffffffff"], ["7ff0000000000000"]])(
    "refuses the non-finite double 0x%s (Appendix B: NaN and Infinity are errors)",
    (bits) => {
      expect(() => canonicalBytes([double(bits)])).toThrow();
    },
  );
});

describe("hocba's RFC 8785 serialiser against json-canonicalize", () => {
  it("writes exactly what json-canonicalize writes for 200 generated transcripts and graduation records", () => {
    const documents = [
      ...Array.from({ length: 100 }, (_, seed) => makeTranscript({ seed })),
      ...Array.from({ length: 100 }, (_, seed) => makeGraduation({ seed })),
    ];
    expect(documents.map((d) => text(d))).toEqual(documents.map((d) => canonicalize(d)));
  });

  it("agrees on nesting, escapes, numbers, empty containers, undefined members and elements, toJSON, a __proto__ member and array-index-like keys", () => {
    const values: unknown[] = [
      { z: [{}, [], [[]], { "": null }], a: { "\u0000": "\u001f\u2028\ud800", b: -0, c: 1e21, d: 1e-7 } },
      { kept: 1, dropped: undefined, list: [1, undefined, 3] },
      { when: new Date(Date.UTC(2024, 5, 5, 1, 0, 0)) },
      [true, false, null, "", 0.1 + 0.2, -1.5e-300, Number.MAX_SAFE_INTEGER],
      JSON.parse('{"__proto__": {"x": 1}, "b": [2]}'),
      { nested: { "10": 1, "9": 2, a: { "0": [] } }, top: "index-like keys sort as text" },
      "just a string",
      42,
    ];
    expect(values.map((v) => text(v))).toEqual(values.map((v) => canonicalize(v)));
  });

  it("writes a value already in canonical member order as it writes the same value in any other order", () => {
    const documents = [makeTranscript({ seed: 3 }), makeGraduation({ seed: 4 })];
    const inOrder = documents.map((d) => JSON.parse(canonicalize(d)) as unknown);
    const values: unknown[] = [
      ...inOrder,
      { a: 1, b: { c: [{ d: 1, e: undefined }, undefined], f: "\u2028" }, g: -0 },
      { a: { "10": 1, "9": 2 }, b: 1 },
      { "": 1, A: 2, a: 3, é: 4, "\ud83d\ude00": 5, "\uff61": 6 },
    ];
    expect([...values.map((v) => text(v)), ...documents.map((d) => text(d))]).toEqual([
      ...values.map((v) => canonicalize(v)),
      ...inOrder.map((d) => canonicalize(d)),
    ]);
  });

  it("refuses a non-finite number or a function inside a value already in canonical order", () => {
    expect(() => canonicalBytes({ a: 1, b: [NaN] })).toThrow("Non-finite number (NaN)");
    expect(() => canonicalBytes({ a: { b: () => 1 } })).toThrow("function is not JSON data");
  });

  it('refuses what JSON cannot hold instead of writing "undefined"', () => {
    expect(() => canonicalBytes(undefined)).toThrow("undefined is not JSON data");
    expect(() => canonicalBytes({ f: () => 1 })).toThrow("function is not JSON data");
    expect(() => canonicalBytes({ "1": { f: () => 1 } })).toThrow("function is not JSON data");
    expect(() => canonicalBytes({ n: 10n })).toThrow("bigint is not JSON data");
  });
});

describe("document hashes", () => {
  const doc = {
    type: "hocba.transcript/v1",
    student: { fullName: "Nguyễn Thị Ánh" },
    score: 8.0,
    list: [2, 1],
  };
  const canonical =
    '{"list":[2,1],"score":8,"student":{"fullName":"Nguyễn Thị Ánh"},"type":"hocba.transcript/v1"}';

  it("hashes the canonical UTF-8 bytes with SHA-256, as node:crypto computes independently", () => {
    const expected = "0x" + createHash("sha256").update(canonical, "utf8").digest("hex");
    expect([docHash(doc), toHex(docHashBytes(doc))]).toEqual([expected, expected]);
  });

  it("gives the same hash whatever the property order of the input", () => {
    const reordered = {
      list: [2, 1],
      student: { fullName: "Nguyễn Thị Ánh" },
      type: "hocba.transcript/v1",
      score: 8,
    };
    expect(docHash(reordered)).toBe(docHash(doc));
  });

  it("gives a document in canonical member order with its docHash, for credential files", () => {
    const form = inCanonicalForm(doc);
    expect([Object.keys(form.document as object), form.document, form.docHash]).toEqual([
      ["list", "score", "student", "type"],
      doc,
      docHash(doc),
    ]);
    expect(JSON.stringify(form.document)).toBe(canonical);
  });

  it("pins the hash of a known document", () => {
    expect(docHash(doc)).toBe(docHash(JSON.parse(canonical)));
    expect(docHash({})).toBe("0x44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  });

  it("makes the Merkle leaf keccak256 of the 32 docHash bytes, as ethers computes independently", () => {
    const hash = docHash(doc);
    const expected = keccak256(fromHex(hash));
    expect([leafOf(hash), leafOf(docHashBytes(doc)), leafOf(hash.toUpperCase().replace("0X", "0x"))]).toEqual(
      [expected, expected, expected],
    );
  });

  it("round-trips hex with and without the 0x prefix", () => {
    const bytes = Uint8Array.from([0, 1, 171, 255]);
    expect([toHex(bytes), fromHex("0x0001abff"), fromHex("0001abff"), fromHex("0X0001ABFF")]).toEqual([
      "0x0001abff",
      bytes,
      bytes,
      bytes,
    ]);
  });
});
