-- Comments grow into discussions: see the PostgreSQL migration of the same name for
-- what each column is for.
-- SQLite cannot drop a NOT NULL in place: the table is made again. The old one is
-- renamed first (which also points its replies' parent_id at the old name), so that
-- dropping it cascades into nothing but itself.
ALTER TABLE comments RENAME TO comments_old;
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    member_id INTEGER REFERENCES members (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    root_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    deleted_at TEXT,
    likes INTEGER NOT NULL DEFAULT 0,
    ip_hash TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL DEFAULT '',
    held_reason TEXT NOT NULL DEFAULT '',
    CHECK ((member_id IS NULL) <> (person_id IS NULL))
);
-- Parents before their replies (a reply is always newer), each with its thread's root.
WITH RECURSIVE up (id, root) AS (
    SELECT id, id FROM comments_old WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, up.root FROM comments_old c JOIN up ON c.parent_id = up.id
)
INSERT INTO comments (id, article_id, member_id, parent_id, root_id, body, status, created_at)
SELECT c.id, c.article_id, c.member_id, c.parent_id,
       CASE WHEN up.root = c.id THEN NULL ELSE up.root END, c.body, c.status, c.created_at
FROM comments_old c JOIN up ON up.id = c.id ORDER BY c.id;
DROP TABLE comments_old;
CREATE INDEX comments_article ON comments (article_id, status, created_at);
CREATE INDEX comments_root ON comments (root_id, created_at);
CREATE INDEX comments_member ON comments (member_id, created_at);
CREATE INDEX comments_ip ON comments (ip_hash, created_at);
CREATE INDEX comments_body ON comments (body_hash, created_at);

CREATE TABLE comment_likes (
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (comment_id, member_id)
);

CREATE TABLE comment_reports (
    id INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    member_id INTEGER REFERENCES members (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    UNIQUE (comment_id, member_id)
);
CREATE INDEX comment_reports_open ON comment_reports (resolved_at, created_at);

ALTER TABLE articles ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN comments_open INTEGER NOT NULL DEFAULT 1;
UPDATE articles SET comment_count = (
    SELECT COUNT(*) FROM comments c WHERE c.article_id = articles.id AND c.status = 'approved'
);
