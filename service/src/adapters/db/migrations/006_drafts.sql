-- Drafts (docs/workbook.md): unsigned hocba.transcript/v1 documents imported from a school's class
-- workbook, one per student of a class and school year, waiting to be reviewed and signed.
--   draft      as imported; a new import of the class replaces it
--   awaiting   someone has signed it, others' signatures are awaited; kept by a new import
--   submitted  every required signature is there and it was submitted; kept by a new import
CREATE TABLE draft_imports (
  id           uuid PRIMARY KEY,
  school_code  text NOT NULL REFERENCES issuers(code),
  school_year  text NOT NULL,
  class_name   text NOT NULL,
  file_sha256  text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_format  text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
  counts       jsonb NOT NULL,
  imported_by  text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE drafts (
  id            uuid PRIMARY KEY,
  school_code   text NOT NULL REFERENCES issuers(code),
  school_year   text NOT NULL,
  class_name    text NOT NULL,
  student_code  text NOT NULL,
  document      jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'awaiting', 'submitted')),
  -- Who signed, in order: [{ "actor", "role", "at" }].
  signatures    jsonb NOT NULL DEFAULT '[]',
  import_id     uuid NOT NULL REFERENCES draft_imports(id),
  imported_by   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_code, school_year, class_name, student_code)
);
CREATE INDEX drafts_import ON drafts (import_id);
