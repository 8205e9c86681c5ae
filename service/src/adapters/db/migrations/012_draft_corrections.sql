-- Corrections start as drafts (issue 13 item 4, docs/school-signing.md): a student may now have
-- one open draft (draft or awaiting) beside any number of submitted ones — the document and the
-- corrections that supersede it. The open draft of a correction carries `supersedes` in its
-- document, and a new import of the class replaces its content but keeps that link.
ALTER TABLE drafts DROP CONSTRAINT drafts_school_code_school_year_class_name_student_code_key;
CREATE UNIQUE INDEX drafts_open_student ON drafts (school_code, school_year, class_name, student_code)
  WHERE status <> 'submitted';
CREATE INDEX drafts_student ON drafts (school_code, school_year, class_name, student_code);
