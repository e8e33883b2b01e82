-- Newsroom sign-in: staff sessions, failed logins (for rate limits) and the audit log.

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_person ON staff_sessions (person_id);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

-- One row per failed login per key (the account's email, the client's address).
CREATE TABLE login_failures (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'ip')),
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_lookup ON login_failures (kind, key, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- Who did what and when; the actor's name is kept with the entry.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at, id);
