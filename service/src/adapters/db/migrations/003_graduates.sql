-- THCS graduation records imported from district offices (docs/formats.md). Each record is a
-- hocba.graduation/v1 row of `documents` (anchored like a transcript); these tables keep what the
-- public lookup searches on and where each record came from: the signed file it was built from.

-- One accepted import file: its SHA-256, the district's detached CMS over its bytes and who
-- signed it. Graduation documents carry no signature of their own (documents.signature is empty
-- for them): the file's CMS is their signature, kept here once rather than once per row.
CREATE TABLE graduate_imports (
  id                  uuid PRIMARY KEY,
  district_code       text NOT NULL REFERENCES issuers(code),
  file_sha256         text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_format         text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
  signature           bytea NOT NULL,
  signer_fingerprint  text NOT NULL CHECK (signer_fingerprint ~ '^0x[0-9a-f]{64}$'),
  signed_at           timestamptz NOT NULL,
  row_count           integer NOT NULL,
  -- The answer given for this file, returned again when the same file is imported again.
  result              jsonb NOT NULL,
  imported_by         text NOT NULL,
  imported_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (district_code, file_sha256)
);

-- The searchable face of each graduation document. `name_key` is the full name folded for
-- search (no accents, đ → d, lower case, single spaces: core/documents/search-keys.ts);
-- `serial_key` the diploma serial folded the same way. A corrected record gets a new row and the
-- old one stops being `current`; only current rows hold their serial and registry number.
CREATE TABLE graduates (
  document_id      uuid PRIMARY KEY REFERENCES documents(id),
  import_id        uuid NOT NULL REFERENCES graduate_imports(id),
  district_code    text NOT NULL REFERENCES issuers(code),
  graduation_year  integer NOT NULL,
  diploma_serial   text NOT NULL,
  registry_number  text NOT NULL,
  serial_key       text NOT NULL,
  name_key         text NOT NULL,
  date_of_birth    date NOT NULL,
  school_code      text NOT NULL,
  -- SHA-256 of the record's content (the document without id, nonce and supersedes): an
  -- unchanged row of a re-imported file is recognised by it.
  content_hash     text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  current          boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX graduates_current_serial ON graduates (district_code, graduation_year, serial_key) WHERE current;
CREATE UNIQUE INDEX graduates_current_registry ON graduates (district_code, graduation_year, registry_number) WHERE current;
CREATE INDEX graduates_name ON graduates (name_key, date_of_birth);
CREATE INDEX graduates_serial ON graduates (serial_key);
CREATE INDEX graduates_import ON graduates (import_id);
