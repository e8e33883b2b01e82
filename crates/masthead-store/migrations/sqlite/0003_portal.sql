-- The reader portal's own content: static pages, image variants and view counts.

-- Static pages (About, Ethics policy, Corrections policy, Contact, ...), edited as
-- content and served at /{slug}/.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    position INTEGER NOT NULL DEFAULT 0,
    in_footer BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Smaller copies of an image, for srcset.
CREATE TABLE media_variants (
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    byte_size INTEGER NOT NULL,
    PRIMARY KEY (media_id, width, mime_type)
);

-- How often each article was read, per UTC day: a number, nothing about the reader.
CREATE TABLE article_views (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (article_id, day)
);
CREATE INDEX article_views_day ON article_views (day);
