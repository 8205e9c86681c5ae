-- Signed PDFs (docs/formats.md, signed PDF; issue 17): a học bạ the school signed as a PDF
-- (PAdES) is kept as the exact file it sent, its docHash the SHA-256 of those bytes. Its row is a
-- document like any other (anchored in the same batches); `document` holds the hocba.transcript/v1
-- attached to the PDF when it carries one (`structured`), else {}. Both NULL for every other document.
ALTER TABLE documents ADD COLUMN pdf bytea;
ALTER TABLE documents ADD COLUMN structured boolean;
ALTER TABLE documents ADD CONSTRAINT documents_pdf_structured CHECK ((pdf IS NULL) = (structured IS NULL));
