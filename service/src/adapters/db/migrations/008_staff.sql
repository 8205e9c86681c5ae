-- Staff sign-in (docs/staff-sign-in.md): who may act for which school, the logins under way and
-- the sessions. People are known by their OpenID Provider's issuer and subject; hocba decides
-- what they may do (staff_assignments), the provider only says who they are.

-- One person's roles at one school (or, for the role `department`, at one department code).
CREATE TABLE staff_assignments (
  issuer      text NOT NULL,
  subject     text NOT NULL,
  scope_code  text NOT NULL CHECK (scope_code ~ '^[A-Za-z0-9]{2,32}$'),
  roles       text[] NOT NULL CHECK (cardinality(roles) > 0),
  classes     text[] NOT NULL DEFAULT '{}',
  label       text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject, scope_code)
);
CREATE INDEX staff_assignments_scope ON staff_assignments (scope_code);

-- A sign-in under way: state, nonce and PKCE verifier kept here, bound to the browser by a
-- pre-login cookie whose SHA-256 is `id_hash`. `used_at` is set by the one callback that may use it.
CREATE TABLE staff_logins (
  id_hash        text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  state          text NOT NULL UNIQUE,
  nonce          text NOT NULL,
  code_verifier  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  used_at        timestamptz
);

-- Signed-in sessions: only the SHA-256 of the session cookie is kept. `csrf_token` is the
-- synchronizer token every state-changing request must send in X-CSRF-Token.
CREATE TABLE staff_sessions (
  id_hash       text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  issuer        text NOT NULL,
  subject       text NOT NULL,
  name          text NOT NULL,
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_sessions_person ON staff_sessions (issuer, subject);
