-- Members, split in two: who they are (identity: email, name, sessions, sign-in links,
-- external subjects), kept apart from their standing with this publication (tier,
-- newsletters, how their comments are treated), so that one reader account can later
-- belong to several publications.

-- Members sign in by emailed links, passkeys or the publication's login, never by
-- password. A deleted member's row stays, emptied of personal data, so that their
-- comments still read (as "Former member").
ALTER TABLE members DROP COLUMN password_hash;
ALTER TABLE members ADD COLUMN deleted_at TEXT;

CREATE TABLE member_standing (
    member_id INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    comment_name TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT 'free',
    newsletters TEXT NOT NULL DEFAULT '[]',
    commenting TEXT NOT NULL DEFAULT 'new',
    reply_letters BOOLEAN NOT NULL DEFAULT TRUE,
    joined_at TEXT NOT NULL
);
INSERT INTO member_standing (member_id, joined_at) SELECT id, created_at FROM members;

-- A signed-in reader's browser. The cookie holds a random token; only its SHA-256 is
-- stored.
CREATE TABLE member_sessions (
    token_hash TEXT PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX member_sessions_member ON member_sessions (member_id);
CREATE INDEX member_sessions_expiry ON member_sessions (expires_at);

-- An emailed link: signs in (or up) the owner of `email`, or confirms a member's new
-- address. Good once, for a short while, and only in the browser that asked for it
-- (`browser_hash`: the SHA-256 of a secret that browser holds in a cookie).
CREATE TABLE member_links (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    member_id INTEGER REFERENCES members (id) ON DELETE CASCADE,
    browser_hash TEXT NOT NULL,
    return_to TEXT NOT NULL DEFAULT '/',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX member_links_email ON member_links (email);
CREATE INDEX member_links_expiry ON member_links (expires_at);

-- A member as an external login (OpenID Connect) knows them.
CREATE TABLE member_subjects (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX member_subjects_member ON member_subjects (member_id);
