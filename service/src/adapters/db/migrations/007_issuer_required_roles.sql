-- The signer roles an issuer's documents must carry together (issue 12: the principal and the
-- school's organisation certificate, the seal). NULL: the service's REQUIRED_SIGNER_ROLES, so an
-- operator who changes that setting changes every issuer that has not been given its own roles.
-- Roles are lowercase words, as issuer_certificates.role.
ALTER TABLE issuers
  ADD COLUMN required_roles text[]
    CHECK (required_roles IS NULL OR (cardinality(required_roles) <= 10
      AND array_to_string(required_roles, ',') ~ '^([a-z][a-z0-9_-]{0,31}(,|$))*$'));
