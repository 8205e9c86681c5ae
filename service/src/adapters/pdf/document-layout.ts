/**
 * What a printable document type supplies to the renderer (transcript-pdf.ts): its own content, and
 * the few words and metadata that differ by type. The shared blocks (blocks.ts) do the rest.
 */
import type { HocbaDocument } from "../../core/documents";
import type { PageCursor } from "./page-cursor";

export interface DocumentLayout<D extends HocbaDocument> {
  /** The document type it lays out. */
  type: D["type"];
  /** What the document is called in running text, in lowercase ("học bạ số"). */
  kind: string;
  /** From the top of the first page: the header, the title, the student and the type's own content. */
  body(cursor: PageCursor, document: D, kind: string): void;
  /** The place written before the issue date above the signatures. */
  place(document: D): string | undefined;
  /** The role printed for a lone signer whose certificate has no title. */
  defaultSignerRole: string;
  /** How the closing note says the document was made ("được nhà trường ký số"). */
  signedBy: string;
  /** The PDF's title and author. */
  title(document: D): string;
  author(document: D): string;
}
