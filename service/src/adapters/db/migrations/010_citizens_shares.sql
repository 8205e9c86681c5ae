-- Citizens' own records (docs/citizens.md): citizen sign-in beside the staff one, and the share
-- links a graduate makes, with their access log.

-- Sign-ins and sessions are kept in the staff tables, told apart by `audience`: a staff session
-- never opens a citizen's records and a citizen session never opens the school workspace.
ALTER TABLE staff_logins ADD COLUMN audience text NOT NULL DEFAULT 'staff'
  CHECK (audience IN ('staff', 'citizen'));
ALTER TABLE staff_sessions ADD COLUMN audience text NOT NULL DEFAULT 'staff'
  CHECK (audience IN ('staff', 'citizen'));
-- A citizen session: the citizen ID the identity provider vouched for, and the citizen IDs of the
-- children it says the person is the guardian of (CITIZEN_GUARDIAN_CLAIM).
ALTER TABLE staff_sessions ADD COLUMN citizen_id text CHECK (citizen_id ~ '^[0-9]{12}$');
ALTER TABLE staff_sessions ADD COLUMN guardian_of text[] NOT NULL DEFAULT '{}';
ALTER TABLE staff_sessions ADD CONSTRAINT staff_sessions_citizen
  CHECK ((audience = 'citizen') = (citizen_id IS NOT NULL));

-- A citizen's records are found by the student's citizen ID of the stored document.
CREATE INDEX documents_student_citizen_id ON documents ((document->'student'->>'citizenId'));

-- Share links: a holder's link to one document's credential with parts withheld, until
-- `expires_at` or revocation. Only the SHA-256 of the token is kept.
CREATE TABLE shares (
  id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  token_hash   text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  document_id  uuid NOT NULL REFERENCES documents(id),
  withhold     text[] NOT NULL DEFAULT '{}',
  -- 'link': made to hand out; 'pdf': made for the QR code of a downloaded PDF.
  kind         text NOT NULL DEFAULT 'link' CHECK (kind IN ('link', 'pdf')),
  -- Who made it, as the audit log names them (a citizen, or a school's staff or key).
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX shares_document ON shares (document_id);

-- Each opening of a share link: when, the kind of client (browser, command line, other) and the
-- network only (IPv4 /24, IPv6 /48): never the full address.
CREATE TABLE share_accesses (
  id           bigserial PRIMARY KEY,
  share_id     text NOT NULL REFERENCES shares(id),
  accessed_at  timestamptz NOT NULL DEFAULT now(),
  client_kind  text NOT NULL CHECK (client_kind IN ('browser', 'cli', 'other')),
  network      text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('opened', 'expired', 'revoked'))
);
CREATE INDEX share_accesses_share ON share_accesses (share_id, accessed_at DESC);
