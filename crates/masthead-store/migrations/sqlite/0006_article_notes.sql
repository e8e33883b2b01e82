-- Notes on an article between its writers and editors (a change requested in review),
-- shown in the editor, never to readers.
CREATE TABLE article_notes (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX article_notes_article ON article_notes (article_id, id);
