/**
 * Reading the credential back out of a PDF: wherever a PDF writer may have put the attachment
 * (a flat or nested EmbeddedFiles name tree, after other attachments), and a coded error for
 * everything that is not a PDF carrying one.
 */
import { PDFArray, PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { isHocbaError } from "../../../service/src/core/errors";
import { extractCredentialFromPdf } from "../../../service/src/core/pdf/extract";

const CREDENTIAL = {
  format: "hocba/1",
  document: { student: { fullName: "Nguyễn Thị Ánh" } },
  signature: "AA==",
};
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A one-page PDF with the given attachments. */
async function pdfWith(attachments: [name: string, bytes: Uint8Array][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  for (const [name, bytes] of attachments) await doc.attach(bytes, name, { mimeType: "application/json" });
  return doc.save();
}

/** The code of the HocbaError `promise` rejects with, and its message. */
async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    if (isHocbaError(error)) return [error.code, error.message];
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("extractCredentialFromPdf", () => {
  it("returns the parsed *.hocba.json attachment, skipping other attachments", async () => {
    const pdf = await pdfWith([
      ["readme.txt", new TextEncoder().encode("hello")],
      ["b7c1.hocba.json", json(CREDENTIAL)],
    ]);
    expect(await extractCredentialFromPdf(pdf)).toEqual(CREDENTIAL);
  });

  it("finds the attachment in a nested name tree and after bytes before the %PDF header", async () => {
    const doc = await PDFDocument.load(await pdfWith([["x.hocba.json", json(CREDENTIAL)]]));
    const names = doc.catalog.lookup(PDFName.of("Names"), PDFDict);
    const flat = names.lookup(PDFName.of("EmbeddedFiles"), PDFDict);
    const kid = doc.context.obj({ Names: flat.lookup(PDFName.of("Names"), PDFArray) });
    names.set(PDFName.of("EmbeddedFiles"), doc.context.obj({ Kids: [doc.context.register(kid)] }));
    const nested = await doc.save();
    const junk = new Uint8Array([...new TextEncoder().encode("junk\n"), ...nested]);
    expect([await extractCredentialFromPdf(nested), await extractCredentialFromPdf(junk)]).toEqual([
      CREDENTIAL,
      CREDENTIAL,
    ]);
  });

  it("refuses what is not a PDF, or not a readable one, with PDF_INVALID", async () => {
    const truncated = new TextEncoder().encode("%PDF-1.7\n%garbage that is no PDF at all");
    expect([
      await failure(extractCredentialFromPdf(json(CREDENTIAL))),
      await failure(extractCredentialFromPdf(new Uint8Array())),
      await failure(extractCredentialFromPdf(truncated)),
    ]).toEqual([
      ["PDF_INVALID", "the file is not a PDF"],
      ["PDF_INVALID", "the file is not a PDF"],
      ["PDF_INVALID", "the PDF's attachments cannot be read"],
    ]);
  });

  it("answers PDF_NO_CREDENTIAL for a PDF without the attachment, JSON_MALFORMED for one that is not JSON", async () => {
    expect([
      await failure(extractCredentialFromPdf(await pdfWith([["notes.json", json({})]]))),
      await failure(
        extractCredentialFromPdf(await pdfWith([["a.hocba.json", new TextEncoder().encode("{")]])),
      ),
    ]).toEqual([
      ["PDF_NO_CREDENTIAL", "the PDF carries no credential: no attached file named *.hocba.json"],
      ["JSON_MALFORMED", "the attachment a.hocba.json is not valid JSON"],
    ]);
  });
});
