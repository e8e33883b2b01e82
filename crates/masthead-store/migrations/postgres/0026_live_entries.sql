-- Live coverage (core::live): a live article's timestamped entries.
-- - an entry has an optional headline and a body (the document format, with its HTML
--   rendered when saved, like an article's);
-- - it is posted by a staff member (their name stays if they leave: `author_name`);
-- - editing marks it updated (`updated_at`), pinning keeps it on top (`pinned`);
-- - deleting takes it away.
-- A live article's coverage ends when an editor says so (`articles.live_ended_at`):
-- the end time of its LiveBlogPosting.
CREATE TABLE live_entries (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    body_document TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_id BIGINT REFERENCES people (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    posted_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ
);
CREATE INDEX live_entries_article ON live_entries (article_id, posted_at);
ALTER TABLE articles ADD COLUMN live_ended_at TIMESTAMPTZ;
