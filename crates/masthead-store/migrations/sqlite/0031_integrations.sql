-- Integrations: see the PostgreSQL migration of the same name.
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    content_key TEXT NOT NULL UNIQUE,
    admin_key_id TEXT NOT NULL UNIQUE,
    admin_secret TEXT NOT NULL,
    rate_limit INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    rotated_at TEXT,
    revoked_at TEXT
);
