-- The provincial department (Sở GDĐT) as an issuer (issue 14 item 6, docs/graduates.md "After the
-- 2025 reform"): district education offices were dissolved in 2025 and the department now imports
-- and corrects the lower-secondary graduation records of every former district of its province.
--
-- Which districts were the department's is the department's registration: each former district
-- office (a registered `district` issuer) names its department in `department_code`. A record
-- keeps the authority that decided it (`graduates.decided_by`: the former district office for
-- records decided before the reform, the department after); registry numbers (số vào sổ) are
-- unique per deciding authority and year. `graduate_imports.district_code` is the issuer that
-- imported and signed the file: a district office, or since this migration a department.
ALTER TABLE issuers DROP CONSTRAINT issuers_kind_check;
ALTER TABLE issuers ADD CONSTRAINT issuers_kind_check CHECK (kind IN ('school', 'district', 'department'));
ALTER TABLE issuers ADD COLUMN department_code text REFERENCES issuers(code);
ALTER TABLE issuers ADD CONSTRAINT issuers_department_of_district
  CHECK (department_code IS NULL OR kind = 'district');
CREATE INDEX issuers_department ON issuers (department_code) WHERE department_code IS NOT NULL;

ALTER TABLE graduates ADD COLUMN decided_by text REFERENCES issuers(code);
UPDATE graduates SET decided_by = district_code;
ALTER TABLE graduates ALTER COLUMN decided_by SET NOT NULL;
DROP INDEX graduates_current_registry;
CREATE UNIQUE INDEX graduates_current_registry ON graduates (decided_by, graduation_year, registry_number)
  WHERE current;
