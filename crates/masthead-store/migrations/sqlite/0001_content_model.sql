-- The newsroom's content model. Times are UTC, stored as RFC 3339 text.
CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL
);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    in_navigation BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    storage_key TEXT NOT NULL UNIQUE,
    mime_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    byte_size INTEGER NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('contributor', 'author', 'editor', 'admin')),
    bio TEXT NOT NULL DEFAULT '',
    expertise TEXT NOT NULL DEFAULT '[]',
    avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    social_links TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    standfirst TEXT NOT NULL DEFAULT '',
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    custom_excerpt TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    word_count INTEGER NOT NULL DEFAULT 0,
    featured_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    featured_alt TEXT NOT NULL DEFAULT '',
    featured_caption TEXT NOT NULL DEFAULT '',
    featured_credit TEXT NOT NULL DEFAULT '',
    section_id INTEGER REFERENCES sections (id) ON DELETE SET NULL,
    article_type TEXT NOT NULL,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    meta_title TEXT NOT NULL DEFAULT '',
    meta_description TEXT NOT NULL DEFAULT '',
    social_image TEXT NOT NULL DEFAULT '',
    canonical_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    scheduled_at TEXT
);
CREATE INDEX articles_status_published ON articles (status, published_at DESC, id DESC);
CREATE INDEX articles_status_updated ON articles (status, updated_at DESC, id DESC);
CREATE INDEX articles_updated ON articles (updated_at DESC, id DESC);
CREATE INDEX articles_section_published ON articles (section_id, status, published_at DESC, id DESC);
CREATE INDEX articles_scheduled ON articles (scheduled_at) WHERE status = 'scheduled';

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

-- Bylines (kind 'author') and "Edited by" credits (kind 'editor'), in order.
CREATE TABLE article_credits (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('author', 'editor')),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, kind, person_id)
);
CREATE INDEX article_credits_person ON article_credits (person_id, kind, article_id);

CREATE TABLE article_sources (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, position)
);

CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_id, created_at);
CREATE INDEX corrections_created ON corrections (created_at DESC);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_article ON comments (article_id, status, created_at);

CREATE TABLE redirects (
    id INTEGER PRIMARY KEY,
    from_path TEXT NOT NULL UNIQUE,
    to_path TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
