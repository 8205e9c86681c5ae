-- A refused final submission (issue 13, docs/school-signing.md): a draft every required role has
-- signed whose automatic submission was refused — a signer's certificate no longer trusted or
-- registered, a timestamp or certificate-status policy, a passing failure — is `refused`, with the
-- refusal kept: its code, message, time, whether a retry as is may pass, and the signature at fault
-- when the refusal names one. A retry of the submission or the removal of that signature (the person
-- then signs again) takes it on; a new import of the class keeps it, as any signed draft.
ALTER TABLE drafts DROP CONSTRAINT drafts_status_check;
ALTER TABLE drafts ADD CONSTRAINT drafts_status_check
  CHECK (status IN ('draft', 'awaiting', 'refused', 'submitted'));
ALTER TABLE drafts ADD COLUMN refusal jsonb;
