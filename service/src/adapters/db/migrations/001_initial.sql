-- hocba initial schema. PostgreSQL is the source of truth; the chain holds only roots and
-- revoked leaves. Hex values (hashes, leaves, roots, tx hashes) are lowercase 0x-prefixed text so
-- they compare and index the same way on PostgreSQL and PGlite.

-- Schools and district offices, registered by the admin.
CREATE TABLE issuers (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9]{2,32}$'),
  kind        text NOT NULL CHECK (kind IN ('school', 'district')),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Signing certificates per issuer, as intervals: a certificate removed and added again gets a
-- second row. The on-chain issuer registry mirrors these through issuer_certificate_changes.
CREATE TABLE issuer_certificates (
  id           bigserial PRIMARY KEY,
  issuer_code  text NOT NULL REFERENCES issuers(code),
  fingerprint  text NOT NULL CHECK (fingerprint ~ '^0x[0-9a-f]{64}$'),
  certificate  bytea NOT NULL,
  subject      text NOT NULL,
  role         text NOT NULL DEFAULT 'principal',
  added_at     timestamptz NOT NULL DEFAULT now(),
  removed_at   timestamptz
);
CREATE UNIQUE INDEX issuer_certificates_active ON issuer_certificates (issuer_code, fingerprint)
  WHERE removed_at IS NULL;
CREATE INDEX issuer_certificates_fingerprint ON issuer_certificates (fingerprint);

-- Journal of issuer-registry writes to send on chain (addIssuerCertificate /
-- removeIssuerCertificate), in order, with the same write-ahead states as batches.
CREATE TABLE issuer_certificate_changes (
  id           bigserial PRIMARY KEY,
  issuer_code  text NOT NULL REFERENCES issuers(code),
  fingerprint  text NOT NULL CHECK (fingerprint ~ '^0x[0-9a-f]{64}$'),
  action       text NOT NULL CHECK (action IN ('add', 'remove')),
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'submitted', 'confirmed')),
  tx_hash      text,
  tx_nonce     bigint,
  raw_tx       text,
  block_number bigint,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX issuer_certificate_changes_open ON issuer_certificate_changes (state, id) WHERE state <> 'confirmed';

-- API keys: only a hash of the secret is kept; the key is shown once when created.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('issuer', 'verifier')),
  issuer_code  text REFERENCES issuers(code),
  secret_hash  text NOT NULL,
  label        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  CHECK ((kind = 'issuer') = (issuer_code IS NOT NULL))
);

-- Anchoring batches: a crash-safe state machine.
--   created    documents claimed, tree built, nothing sent
--   submitted  the signed transaction is recorded (raw_tx, tx_hash, tx_nonce) BEFORE it is broadcast
--   confirmed  mined with CHAIN_CONFIRMATIONS: every document of the batch is anchored
-- `tree` holds every layer of the Merkle tree, leaves first, 32 bytes a node: each document's
-- proof is a few slices of it, so 100,000 proofs are stored in one write instead of 100,000.
CREATE TABLE batches (
  id            bigserial PRIMARY KEY,
  root          text NOT NULL UNIQUE CHECK (root ~ '^0x[0-9a-f]{64}$'),
  leaf_count    integer NOT NULL CHECK (leaf_count > 0),
  tree          bytea NOT NULL,
  state         text NOT NULL DEFAULT 'created' CHECK (state IN ('created', 'submitted', 'confirmed')),
  tx_hash       text,
  tx_nonce      bigint,
  raw_tx        text,
  block_number  bigint,
  anchored_at   timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  reanchored    integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'created') = (tx_hash IS NULL)),
  CHECK ((state = 'confirmed') = (block_number IS NOT NULL))
);
CREATE INDEX batches_open ON batches (state, tx_nonce) WHERE state <> 'confirmed';

-- Signed documents (transcripts and graduation records). A document is pending while it has no
-- batch or its batch is not confirmed, anchored once its batch is confirmed.
CREATE TABLE documents (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  type            text NOT NULL,
  issuer_code     text NOT NULL REFERENCES issuers(code),
  doc_hash        text NOT NULL UNIQUE CHECK (doc_hash ~ '^0x[0-9a-f]{64}$'),
  leaf            text NOT NULL UNIQUE CHECK (leaf ~ '^0x[0-9a-f]{64}$'),
  document        jsonb NOT NULL,
  signature       bytea NOT NULL,
  signers         jsonb NOT NULL,
  batch_id        bigint REFERENCES batches(id),
  leaf_index      integer,
  supersedes      uuid REFERENCES documents(id),
  superseded_by   uuid REFERENCES documents(id),
  revoked_at      timestamptz,
  revocation_reason text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((batch_id IS NULL) = (leaf_index IS NULL))
);
CREATE INDEX documents_pending ON documents (seq) WHERE batch_id IS NULL;
CREATE UNIQUE INDEX documents_batch ON documents (batch_id, leaf_index);
CREATE INDEX documents_issuer ON documents (issuer_code, created_at);

-- Revocations go on chain in batches too (revokeBatch), with the same write-ahead discipline.
CREATE TABLE revocations (
  leaf         text PRIMARY KEY REFERENCES documents(leaf),
  reason       text NOT NULL,
  requested_by text NOT NULL,
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'submitted', 'confirmed')),
  tx_hash      text,
  tx_nonce     bigint,
  raw_tx       text,
  block_number bigint,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revocations_open ON revocations (state) WHERE state <> 'confirmed';

-- Share tokens let a graduate fetch a credential without an account; only hashes are kept.
CREATE TABLE share_tokens (
  token_hash   text PRIMARY KEY,
  document_id  uuid NOT NULL REFERENCES documents(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX share_tokens_document ON share_tokens (document_id);

-- Every write and every admin action, append-only.
CREATE TABLE audit_log (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  actor    text NOT NULL,
  action   text NOT NULL,
  subject  text,
  details  jsonb
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
