-- Selective disclosure (docs/selective-disclosure.md): a transcript signed in the selectively
-- disclosable form keeps that signed form and every disclosure here; `document` holds the whole
-- transcript as disclosed (what the school signed, part by part), which every reader of the
-- service uses. NULL for documents signed in the plain form: `document` is then the signed one.
ALTER TABLE documents ADD COLUMN sd jsonb;
