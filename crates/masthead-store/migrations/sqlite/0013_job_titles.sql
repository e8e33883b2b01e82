-- What a staff member does at the publication ("Economics correspondent"), shown
-- in bylines' author pages and to search engines (schema.org jobTitle).
ALTER TABLE people ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
