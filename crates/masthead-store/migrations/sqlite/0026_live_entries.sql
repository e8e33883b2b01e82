-- Live coverage: see the PostgreSQL migration of the same name for what each column
-- is for.
CREATE TABLE live_entries (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    body_document TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    posted_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX live_entries_article ON live_entries (article_id, posted_at);
ALTER TABLE articles ADD COLUMN live_ended_at TEXT;
