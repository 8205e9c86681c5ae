/**
 * The printable PDF of a credential (README, Printable PDF): an A4 học bạ laid out as the paper one of
 * Thông tư 22/2021 — the national motto header, the school, the student, and per school year the
 * subjects with their term and year results, the learning and conduct results, absences, the
 * outcome and the homeroom teacher — followed by how to check it: a QR code that opens the verifier
 * page on a share link, and where and when it was anchored.
 *
 * The printed text is for people; the proof is the credential file itself, embedded as the PDF
 * attachment `<id>.hocba.json`, so dropping the PDF on the verifier checks exactly what was signed
 * (core/pdf/extract.ts reads it back). What is printed is minimised: the citizen ID is masked to its
 * last digits and the ethnicity (sensitive personal data, docs/school-records.md) is left out — both stay
 * in the signed attachment, which cannot be changed without breaking the signature. Every signer is
 * printed by role and name, with the time the signature says it was made.
 *
 * With a seal (`options.seal`, adapters/pdf/seal.ts) the PDF is a conversion of the electronic
 * document in the sense of the 2023 Law on E-Transactions: a framed block at the end says so and names
 * the converter (the seal certificate's holder), the time of conversion and the source (document id
 * and docHash), and the whole file is signed with PAdES by that certificate.
 */
import { AFRelationship, PDFDocument } from "pdf-lib";
import fontkit from "@pdf-lib/fontkit";
import type { HocbaDocument } from "../../core/documents";
import { vietnameseDate } from "../../core/documents/display";
import { docHash } from "../../core/documents/hash";
import { HocbaError } from "../../core/errors";
import { CREDENTIAL_ATTACHMENT_SUFFIX, CREDENTIAL_ATTACHMENT_TYPE } from "../../core/pdf/extract";
import { readableDocument, type Credential } from "../../core/verification";
import { conversionBlock, footers, printedSigners, signatureBlock, verification } from "./blocks";
import type { DocumentLayout } from "./document-layout";
import { pdfFontBytes } from "./fonts";
import { graduationLayout } from "./graduation-layout";
import { CONTENT_WIDTH, GREY, MARGIN, PageCursor, type Fonts } from "./page-cursor";
import { sealPdf, type PdfSeal } from "./seal";
import { transcriptLayout } from "./transcript-layout";

/** What the PDF is made from: the credential file exactly as served. */
export type PdfCredential = Credential;

export interface TranscriptPdfOptions {
  /** The verifier page link the QR code opens (a share link: see issuance/share-links.ts). */
  verifierLink: string;
  /** Where the verifier page is, printed for people who type rather than scan. */
  verifierPage: string;
  /** Printed in the footer (and, sealed, the time of conversion); default now. */
  printedAt?: Date;
  /** The operator's seal: with it the PDF carries the conversion block and a PAdES signature. */
  seal?: PdfSeal;
}

/**
 * OpenType features fontkit would run on every measured or drawn string. Vietnamese text in NFC
 * (what documents hold: validate.ts) uses precomposed letters, so none is needed, and shaping
 * was most of the rendering time in a CPU profile (fontkit's GSUB/GPOS lookups on every string).
 */
const NO_SHAPING = Object.fromEntries(
  ["rvrn", "ltra", "ltrm", "frac", "numr", "dnom", "ccmp", "locl", "rlig", "mark", "mkmk"]
    .concat(["calt", "clig", "liga", "rclt", "curs", "kern"])
    .map((tag) => [tag, false]),
);

/** The layout of each printable document type (each takes documents of its own `type` only). */
const LAYOUTS: readonly DocumentLayout<HocbaDocument>[] = [transcriptLayout, graduationLayout];

/** The layout of the document's type; undefined for a document of no known type. */
function layoutOf(document: unknown): DocumentLayout<HocbaDocument> | undefined {
  const type = (document as { type?: unknown } | null)?.type;
  return LAYOUTS.find((layout) => layout.type === type);
}

/**
 * Renders the printable PDF of `credential` with the credential embedded as `<id>.hocba.json`,
 * sealed when `options.seal` is given.
 * @throws HocbaError SCHEMA_INVALID when the document is of no known type; PDF_SEAL_FAILED.
 */
export async function renderTranscriptPdf(
  credential: PdfCredential,
  options: TranscriptPdfOptions,
): Promise<Uint8Array> {
  // A hocba/2 credential's document is the signed, selectively disclosable form: print it as disclosed.
  const { document } = readableDocument(credential);
  const layout = layoutOf(document);
  if (layout === undefined) {
    throw new HocbaError(
      "SCHEMA_INVALID",
      "the credential's document is neither a transcript nor a graduation",
    );
  }
  const shown = document as HocbaDocument;
  const printedAt = options.printedAt ?? new Date();
  const anchoredAt = new Date(credential.anchor.anchoredAt);
  const bytes = await pdfFontBytes();
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const embed = (font: Uint8Array) => doc.embedFont(font, { subset: true, features: NO_SHAPING });
  const fonts: Fonts = {
    regular: await embed(bytes.regular),
    bold: await embed(bytes.bold),
    italic: await embed(bytes.italic),
  };
  const cursor = new PageCursor(doc, fonts);
  const { kind } = layout;

  layout.body(cursor, shown, kind);
  signatureBlock(
    cursor,
    layout.place(shown),
    shown.issuedAt,
    printedSigners(credential.signature, layout.defaultSignerRole),
  );
  cursor.paragraph(
    `Văn bản ${layout.signedBy} ngày ${vietnameseDate(shown.issuedAt)} và được neo trên chuỗi khối. ` +
      "Bản in chỉ để đọc: giá trị xác thực nằm ở tệp đính kèm và mã QR.",
    MARGIN.left,
    CONTENT_WIDTH,
    { font: "italic", size: 8.5, color: GREY },
  );
  verification(cursor, credential.anchor, shown.id, kind, options);
  const { seal } = options;
  const placement = seal
    ? conversionBlock(cursor, seal.converter, printedAt, shown.id, docHash(shown), kind)
    : undefined;
  footers(cursor, shown.id, kind, printedAt);

  doc.setTitle(layout.title(shown));
  doc.setSubject(`hocba ${shown.id}`);
  doc.setAuthor(layout.author(shown));
  doc.setCreator("hocba");
  doc.setProducer("hocba (pdf-lib)");
  doc.setLanguage("vi-VN");
  doc.setCreationDate(printedAt);
  doc.setModificationDate(printedAt);
  await doc.attach(
    new TextEncoder().encode(JSON.stringify(credential, null, 2)),
    `${shown.id}${CREDENTIAL_ATTACHMENT_SUFFIX}`,
    {
      mimeType: CREDENTIAL_ATTACHMENT_TYPE,
      description:
        "Học bạ số (hocba/1 hoặc hocba/2): tệp để kiểm tra bằng trang kiểm tra hoặc lệnh hocba verify",
      creationDate: anchoredAt,
      modificationDate: anchoredAt,
      afRelationship: AFRelationship.Source,
    },
  );
  if (!seal || !placement) return doc.save();
  return sealPdf(doc, seal, { ...placement, at: printedAt });
}
