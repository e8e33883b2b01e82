-- Password resets, invitations and two-factor sign-in.

-- Single-use secrets: emailed reset links and invitations, and the short wait between
-- a correct password and the second sign-in step. Only the token's SHA-256 is stored.
CREATE TABLE staff_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('reset', 'invitation', 'second_step')),
    person_id BIGINT REFERENCES people (id) ON DELETE CASCADE,
    email TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    role TEXT CHECK (role IN ('contributor', 'author', 'editor', 'admin')),
    created_by BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX staff_tokens_purpose ON staff_tokens (purpose, expires_at);
CREATE INDEX staff_tokens_person ON staff_tokens (person_id);

-- A person's TOTP secret once confirmed, and the last time step accepted (a code
-- works once).
CREATE TABLE staff_two_factor (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    last_step BIGINT NOT NULL,
    enabled_at TIMESTAMPTZ NOT NULL
);

-- Recovery codes for when the authenticator is lost: SHA-256 of each, used once.
CREATE TABLE staff_recovery_codes (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (person_id, code_hash)
);
