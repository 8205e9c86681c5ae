/**
 * hocba's XML form of `hocba.transcript/v1` (core/documents/xml.ts; docs/formats.md): read with
 * fast-xml-parser, mapped to the JSON model member for member, so that validateDocument judges it
 * as it judges JSON; what does not map is a problem at the member's JSON pointer; XML of another
 * vocabulary is left alone; XML that is not well-formed (or has a DOCTYPE) is XML_MALFORMED.
 */
import { describe, expect, it } from "vitest";
import { validateDocument } from "../../../service/src/core/documents";
import { readTranscriptXml, xmlText } from "../../../service/src/core/documents/xml";
import { schoolTranscript } from "../../helpers/credentials";
import { thrownBy } from "../../helpers/errors";
import { transcriptXml } from "../../helpers/transcript-xml";

const transcript = schoolTranscript(17_101);

const read = (xml: string) => readTranscriptXml(xml, "hoc-ba.xml");

describe("hocba's XML form of a transcript", () => {
  it("maps to exactly the JSON transcript, with a default or a prefixed namespace, and passes the same rules", () => {
    const plain = read(transcriptXml(transcript));
    const prefixed = read(transcriptXml(transcript, { prefix: "hb" }));
    expect([plain, prefixed]).toEqual([
      { vocabulary: "hocba", document: transcript, problems: [] },
      { vocabulary: "hocba", document: transcript, problems: [] },
    ]);
    expect(validateDocument(plain.vocabulary === "hocba" ? plain.document : {})).toEqual({
      ok: true,
      document: transcript,
    });
  });

  it("reads numbers as decimal text and an empty or absent supersedes as null; other text stays text for the rules to judge", () => {
    const xml = transcriptXml(transcript)
      .replace(/<daysAbsent>\d+<\/daysAbsent>/, "<daysAbsent> 2 </daysAbsent>")
      .replace(/<grade>\d+<\/grade>/, "<grade>tám</grade>")
      .replace("  <supersedes/>\n", "");
    const result = read(xml);
    if (result.vocabulary !== "hocba") throw new Error("not hocba's vocabulary");
    const year = (result.document.years as Record<string, unknown>[])[0]!;
    expect([year.daysAbsent, year.grade, result.document.supersedes, result.problems]).toEqual([
      2,
      "tám",
      null,
      [],
    ]);
    const validation = validateDocument(result.document);
    expect(validation.ok ? [] : validation.problems.filter((p) => p.path === "/years/0/grade")).toEqual([
      { path: "/years/0/grade", code: "WRONG_TYPE", message: expect.any(String) as unknown },
    ]);
  });

  it("names, at the member's JSON pointer, every part that is not hocba's XML form", () => {
    const xml = transcriptXml(transcript)
      .replace("<student>", '<student id="1">')
      .replace("<school>", "<school>lạc chỗ")
      .replace(/<grade>(\d+)<\/grade>/, "<grade><value>$1</value></grade>")
      .replace(
        "</transcript>",
        `  <nonce>AAAAAAAAAAAAAAAAAAAAAA</nonce>\n  <note>x</note>\n  <type>hocba.transcript/v1</type>\n  <x:extra xmlns:x="urn:example:other">1</x:extra>\n</transcript>`,
      );
    const result = read(xml);
    if (result.vocabulary !== "hocba") throw new Error("not hocba's vocabulary");
    expect([...result.problems].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      {
        path: "/extra",
        code: "UNKNOWN_FIELD",
        message: "element extra of namespace urn:example:other is not part of hocba's XML form",
      },
      { path: "/nonce", code: "WRONG_TYPE", message: "element nonce appears 2 times; it is not a list" },
      { path: "/note", code: "UNKNOWN_FIELD", message: "element note is not part of hocba's XML form" },
      { path: "/school", code: "WRONG_TYPE", message: "expected child elements, found text beside them" },
      { path: "/student", code: "UNKNOWN_FIELD", message: "attribute id is not part of hocba's XML form" },
      {
        path: "/type",
        code: "UNKNOWN_FIELD",
        message: "there is no type element: the namespace states the type",
      },
      { path: "/years/0/grade", code: "WRONG_TYPE", message: "expected text, found child elements" },
    ]);
  });

  it("says which root element of its namespace it expects", () => {
    expect(read('<hb:hocBa xmlns:hb="urn:hocba:transcript:v1"/>')).toEqual({
      vocabulary: "hocba",
      document: {},
      problems: [
        {
          path: "",
          code: "DOCUMENT_TYPE_INVALID",
          message: "the root element of urn:hocba:transcript:v1 is transcript, not hocBa",
        },
      ],
    });
  });

  it("leaves XML of another vocabulary alone: another root, or another namespace", () => {
    expect([
      read("<hocBa><hoTen>Nguyễn Thị Ánh</hoTen></hocBa>"),
      read('<t:transcript xmlns:t="urn:example:sis"><t:id>1</t:id></t:transcript>'),
    ]).toEqual([
      { vocabulary: "other", root: "hocBa", namespace: null },
      { vocabulary: "other", root: "transcript", namespace: "urn:example:sis" },
    ]);
  });

  it("refuses XML that is not well-formed, has a DOCTYPE or two roots, saying where", () => {
    expect([
      thrownBy(() => read("<transcript><id></transcript>")),
      thrownBy(() => read('<!DOCTYPE t [<!ENTITY e "x">]><transcript>&e;</transcript>')),
      thrownBy(() => read("<a/><b/>")),
      thrownBy(() => read("học bạ")),
    ]).toEqual([
      {
        code: "XML_MALFORMED",
        message:
          "hoc-ba.xml is not well-formed XML: Expected closing tag 'id' (opened in line 1, col 13) instead of closing tag 'transcript'. (line 1, column 17)",
        details: { line: 1, column: 17 },
      },
      { code: "XML_MALFORMED", message: "hoc-ba.xml has a DOCTYPE: hocba reads XML without DTDs" },
      { code: "XML_MALFORMED", message: "hoc-ba.xml is not well-formed XML: it has 2 root elements" },
      {
        code: "XML_MALFORMED",
        message: "hoc-ba.xml is not well-formed XML: char 'h' is not expected. (line 1, column 1)",
        details: { line: 1, column: 1 },
      },
    ]);
  });

  it("reads UTF-8 and UTF-16 with its byte order mark, and refuses other bytes or declared encodings", () => {
    const xml = '<?xml version="1.0" encoding="UTF-16"?><a>Ánh</a>';
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(xml, "utf16le"))]);
    expect([
      xmlText(new TextEncoder().encode("<a>Ánh</a>"), "a.xml"),
      xmlText(utf16, "a.xml"),
      thrownBy(() => xmlText(new Uint8Array([0x3c, 0x61, 0x3e, 0xc1, 0x3c, 0x2f, 0x61, 0x3e]), "a.xml")),
      thrownBy(() =>
        xmlText(new TextEncoder().encode('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), "a.xml"),
      ),
    ]).toEqual([
      "<a>Ánh</a>",
      xml,
      { code: "XML_MALFORMED", message: "a.xml is not UTF-8 (or UTF-16 with a byte order mark) text" },
      {
        code: "XML_MALFORMED",
        message: "a.xml declares the encoding ISO-8859-1; hocba reads XML in UTF-8 or UTF-16",
      },
    ]);
  });
});
