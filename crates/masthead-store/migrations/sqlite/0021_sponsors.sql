-- Sponsors (see masthead_core::sponsor) and what they sponsor: an article's own, else
-- its section's. Deleting a sponsor leaves its articles and sections unsponsored.
CREATE TABLE sponsors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    logo_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    disclosure TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
);
ALTER TABLE articles ADD COLUMN sponsor_id INTEGER REFERENCES sponsors (id) ON DELETE SET NULL;
ALTER TABLE sections ADD COLUMN sponsor_id INTEGER REFERENCES sponsors (id) ON DELETE SET NULL;
CREATE INDEX articles_sponsor ON articles (sponsor_id) WHERE sponsor_id IS NOT NULL;
CREATE INDEX sections_sponsor ON sections (sponsor_id) WHERE sponsor_id IS NOT NULL;
