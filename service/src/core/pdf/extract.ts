/**
 * Reading the credential back out of a printable PDF (README, Printable PDF): the service embeds the
 * `hocba/1` file as a PDF attachment named `<id>.hocba.json`, so a verifier given the PDF (dropped
 * on the page, or `hocba verify transcript.pdf`) checks exactly what was signed and anchored — the
 * printed text is only for people. Browser-safe: pdf-lib parses the file; no node APIs.
 *
 * Attachments are found where PDF readers look for them: the document's EmbeddedFiles name tree
 * (ISO 32000 §7.11.4), and the catalog's associated files (/AF, PDF/A-3). The first file whose
 * name ends in `.hocba.json` wins; its JSON is returned unchecked — the verification's `format`
 * check judges it like any other credential.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFStream,
  PDFString,
  decodePDFRawStream,
  type PDFObject,
} from "pdf-lib";
import type { Problem } from "../documents/problems";
import { readTranscriptXml, xmlText } from "../documents/xml";
import { HocbaError } from "../errors";

/** How the credential attachment's file name ends. */
export const CREDENTIAL_ATTACHMENT_SUFFIX = ".hocba.json";
/** Its MIME type. */
export const CREDENTIAL_ATTACHMENT_TYPE = "application/json";

/** The name tree may nest; a malicious file must not make the walk endless. */
const MAX_TREE_DEPTH = 16;
/** "%PDF-" may follow some junk, but within the first kilobyte (ISO 32000 §7.5.2 readers' habit). */
const HEADER_WINDOW = 1024;

interface Attachment {
  name: string;
  spec: PDFDict;
}

function isPdf(bytes: Uint8Array): boolean {
  const header = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
  const end = Math.min(bytes.length - header.length, HEADER_WINDOW);
  for (let i = 0; i <= end; i++) {
    if (header.every((byte, k) => bytes[i + k] === byte)) return true;
  }
  return false;
}

function text(value: PDFObject | undefined): string | undefined {
  return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;
}

/** A file specification's name: the Unicode /UF, else /F, else the name-tree key. */
function fileName(spec: PDFDict, key: string | undefined): string {
  return text(spec.lookup(PDFName.of("UF"))) ?? text(spec.lookup(PDFName.of("F"))) ?? key ?? "";
}

/** The [key, file spec] pairs of an EmbeddedFiles name tree. */
function walkNameTree(node: PDFDict, depth: number, out: Attachment[]): void {
  if (depth > MAX_TREE_DEPTH) return;
  const names = node.lookup(PDFName.of("Names"));
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) {
      const spec = names.lookup(i + 1);
      if (spec instanceof PDFDict) out.push({ name: fileName(spec, text(names.lookup(i))), spec });
    }
  }
  const kids = node.lookup(PDFName.of("Kids"));
  if (kids instanceof PDFArray) {
    for (let i = 0; i < kids.size(); i++) {
      const kid = kids.lookup(i);
      if (kid instanceof PDFDict) walkNameTree(kid, depth + 1, out);
    }
  }
}

function attachments(doc: PDFDocument): Attachment[] {
  const found: Attachment[] = [];
  const names = doc.catalog.lookup(PDFName.of("Names"));
  const tree = names instanceof PDFDict ? names.lookup(PDFName.of("EmbeddedFiles")) : undefined;
  if (tree instanceof PDFDict) walkNameTree(tree, 0, found);
  const associated = doc.catalog.lookup(PDFName.of("AF"));
  if (associated instanceof PDFArray) {
    for (let i = 0; i < associated.size(); i++) {
      const spec = associated.lookup(i);
      if (spec instanceof PDFDict) found.push({ name: fileName(spec, undefined), spec });
    }
  }
  return found;
}

/** The decoded bytes of a file specification's embedded file stream. */
function contents(spec: PDFDict): Uint8Array {
  const ef = spec.lookup(PDFName.of("EF"));
  const stream =
    ef instanceof PDFDict ? (ef.lookup(PDFName.of("UF")) ?? ef.lookup(PDFName.of("F"))) : undefined;
  if (stream instanceof PDFRawStream) return decodePDFRawStream(stream).decode();
  if (stream instanceof PDFStream) return stream.getContents();
  throw new HocbaError("PDF_NO_CREDENTIAL", "the credential attachment of the PDF has no content");
}

/**
 * The credential embedded in a PDF made by hocba, parsed from its `*.hocba.json` attachment.
 *
 * @throws HocbaError PDF_INVALID (not a PDF, or unreadable), PDF_NO_CREDENTIAL (no such
 *   attachment), JSON_MALFORMED (the attachment is not JSON).
 *
 * @example
 * const credential = await extractCredentialFromPdf(new Uint8Array(await file.arrayBuffer()));
 * const result = await verifyCredential(deps, credential);
 */
export async function extractCredentialFromPdf(bytes: Uint8Array): Promise<unknown> {
  if (!isPdf(bytes)) throw new HocbaError("PDF_INVALID", "the file is not a PDF");
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch (cause) {
    throw new HocbaError("PDF_INVALID", "the PDF cannot be read", { cause });
  }
  let found: Attachment | undefined;
  try {
    found = attachments(doc).find((a) => a.name.toLowerCase().endsWith(CREDENTIAL_ATTACHMENT_SUFFIX));
  } catch (cause) {
    throw new HocbaError("PDF_INVALID", "the PDF's attachments cannot be read", { cause });
  }
  if (!found) {
    throw new HocbaError(
      "PDF_NO_CREDENTIAL",
      `the PDF carries no credential: no attached file named *${CREDENTIAL_ATTACHMENT_SUFFIX}`,
    );
  }
  let json: string;
  try {
    json = new TextDecoder("utf-8", { fatal: true }).decode(contents(found.spec));
  } catch (cause) {
    if (cause instanceof HocbaError) throw cause;
    throw new HocbaError("JSON_MALFORMED", `the attachment ${found.name} is not UTF-8 text`, { cause });
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (cause) {
    throw new HocbaError("JSON_MALFORMED", `the attachment ${found.name} is not valid JSON`, { cause });
  }
}

/** The `type` of the structured học bạ a school's signed PDF may carry as an attachment. */
const TRANSCRIPT_ATTACHMENT_TYPE = "hocba.transcript/v1";

/** A structured học bạ found attached to a signed PDF, not yet validated. */
export type AttachedTranscript =
  | { name: string; format: "json"; document: unknown }
  /** hocba's XML form, mapped to the JSON model; `problems` are what the mapping could not place. */
  | { name: string; format: "xml"; document: Record<string, unknown>; problems: Problem[] };

/**
 * The structured học bạ attached to a school's signed PDF (issue 17): the first attached `*.json`
 * file whose JSON is a `hocba.transcript/v1` document, else the first attached `*.xml` file in
 * hocba's XML form (core/documents/xml.ts), mapped to the JSON model; unchecked (the caller
 * validates it with the JSON path's rules); undefined when the PDF carries neither. JSON
 * attachments that are not UTF-8 JSON, and XML of another vocabulary, are passed over: they are
 * not this one. An XML attachment that is not well-formed is refused: it cannot be told apart.
 * @throws HocbaError PDF_INVALID (not a PDF, or unreadable), XML_MALFORMED (an attached *.xml that
 *   is not well-formed UTF-8/UTF-16 XML, or has a DOCTYPE).
 */
export async function extractTranscriptFromPdf(bytes: Uint8Array): Promise<AttachedTranscript | undefined> {
  if (!isPdf(bytes)) throw new HocbaError("PDF_INVALID", "the file is not a PDF");
  let found: Attachment[];
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
    found = attachments(doc);
  } catch (cause) {
    throw new HocbaError("PDF_INVALID", "the PDF or its attachments cannot be read", { cause });
  }
  const named = (suffix: string) => found.filter((a) => a.name.toLowerCase().endsWith(suffix));
  for (const attachment of named(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(contents(attachment.spec)));
    } catch {
      continue;
    }
    if ((value as { type?: unknown } | null)?.type === TRANSCRIPT_ATTACHMENT_TYPE)
      return { name: attachment.name, format: "json", document: value };
  }
  let first: AttachedTranscript | undefined;
  for (const attachment of named(".xml")) {
    let xml: Uint8Array;
    try {
      xml = contents(attachment.spec);
    } catch {
      continue; // a file specification without an embedded file: nothing to read
    }
    const read = readTranscriptXml(xmlText(xml, attachment.name), attachment.name);
    if (read.vocabulary === "hocba")
      first ??= { name: attachment.name, format: "xml", document: read.document, problems: read.problems };
  }
  return first;
}
