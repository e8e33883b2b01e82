-- Article revisions (explicit saves and autosaved working copies) and who has an
-- article's editor open.

CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('autosave', 'save')),
    title TEXT NOT NULL,
    -- The whole `ArticleContent`, as JSON.
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, id);

CREATE TABLE article_editing (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (article_id, person_id)
);
