-- How many articles each list holds, per status, so a page's total is one lookup
-- rather than a count over the whole list. Kept in step by the store, in the same
-- transaction as every change to an article's status, section, tags or bylines.
-- scope is 'all' (scope_id 0), 'section', 'tag' or 'author'.
CREATE TABLE article_counts (
    scope TEXT NOT NULL,
    scope_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, status)
);

INSERT INTO article_counts (scope, scope_id, status, n)
SELECT 'all', 0, status, COUNT(*) FROM articles GROUP BY status;

INSERT INTO article_counts (scope, scope_id, status, n)
SELECT 'section', section_id, status, COUNT(*) FROM articles
WHERE section_id IS NOT NULL GROUP BY section_id, status;

INSERT INTO article_counts (scope, scope_id, status, n)
SELECT 'tag', x.tag_id, a.status, COUNT(*) FROM article_tags x JOIN articles a ON a.id = x.article_id
GROUP BY x.tag_id, a.status;

INSERT INTO article_counts (scope, scope_id, status, n)
SELECT 'author', c.person_id, a.status, COUNT(*) FROM article_credits c JOIN articles a ON a.id = c.article_id
WHERE c.kind = 'author' GROUP BY c.person_id, a.status;

-- Tag and author pages list published articles newest first. Carrying the article's
-- status and publication time on the link rows lets one index answer them in order,
-- however common or rare the tag. The store keeps these columns in step with articles.
ALTER TABLE article_tags ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE article_tags ADD COLUMN published_at TEXT;
ALTER TABLE article_credits ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE article_credits ADD COLUMN published_at TEXT;

UPDATE article_tags SET
    status = (SELECT a.status FROM articles a WHERE a.id = article_tags.article_id),
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);
UPDATE article_credits SET
    status = (SELECT a.status FROM articles a WHERE a.id = article_credits.article_id),
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_credits.article_id);

DROP INDEX article_tags_tag;
DROP INDEX article_credits_person;
CREATE INDEX article_tags_listing ON article_tags (tag_id, status, published_at DESC, article_id DESC);
CREATE INDEX article_credits_listing ON article_credits (person_id, kind, status, published_at DESC, article_id DESC);
