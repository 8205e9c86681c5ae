-- Certificate status evidence of signed PDFs (docs/formats.md, `hocba/pdf-1`; issue 17): a signed PDF
-- cannot take the OCSP responses and CRLs the service obtained on submission without a new revision
-- (which would change its hash), so they are kept beside it and travel in its proof:
-- [{ "signature": 1, "ocsp": [base64 BasicOCSPResponse…], "crl": [base64 CertificateList…] }, …].
-- NULL for every other document and for a PDF accepted without evidence (CERT_STATUS off, or none obtained).
ALTER TABLE documents ADD COLUMN pdf_status_evidence jsonb;
