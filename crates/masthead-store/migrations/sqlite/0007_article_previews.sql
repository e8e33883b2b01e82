-- Secret links that show an unpublished article to whoever has them. Only the
-- token's SHA-256 is stored.
CREATE TABLE article_previews (
    token_hash TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX article_previews_article ON article_previews (article_id);
