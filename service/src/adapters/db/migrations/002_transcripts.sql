-- Transcripts API: share tokens get a public id (to list and revoke them without the secret) and
-- their creator; revocation transactions keep their last error and attempt count, as batches do.

ALTER TABLE share_tokens ADD COLUMN id text NOT NULL CHECK (id ~ '^[0-9a-f]{16}$');
ALTER TABLE share_tokens ADD COLUMN created_by text NOT NULL;
CREATE UNIQUE INDEX share_tokens_id ON share_tokens (id);

ALTER TABLE revocations ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE revocations ADD COLUMN last_error text;
ALTER TABLE revocations ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX revocations_tx ON revocations (tx_hash) WHERE state = 'submitted';
