-- Signing drafts in the school workspace (issue 13, docs/school-signing.md).
--
-- A draft is signed in the selectively disclosable form `hocba sign` writes: the form (with its
-- salts) is fixed the first time someone asks for the draft's signing input, so every signer signs
-- the same canonical bytes. `signature` is the CMS merged from every signer's detached CMS so far;
-- `signatures` (migration 006) says who signed, in which role, with which certificate.
ALTER TABLE drafts
  ADD COLUMN signed_form  jsonb,
  ADD COLUMN disclosures  jsonb,
  ADD COLUMN signature    bytea,
  ADD COLUMN submitted_at timestamptz;

-- Device tokens: what `hocba sign-pending` on a signing station presents for the person who made
-- it in the workspace. Only the SHA-256 of the token is kept; revoked tokens stay for the audit.
CREATE TABLE staff_device_tokens (
  id            uuid PRIMARY KEY,
  token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  issuer        text NOT NULL,
  subject       text NOT NULL,
  name          text NOT NULL,
  label         text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX staff_device_tokens_person ON staff_device_tokens (issuer, subject);
