-- Secret links that show an unpublished article to whoever has them. Only the
-- token's SHA-256 is stored.
CREATE TABLE article_previews (
    token_hash TEXT PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX article_previews_article ON article_previews (article_id);
