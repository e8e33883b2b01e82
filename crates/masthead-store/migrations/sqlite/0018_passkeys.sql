-- Members' passkeys (WebAuthn), part of their identity. `passkey` is the credential
-- as the WebAuthn library keeps it (JSON: public key, signature counter, ...).
CREATE TABLE member_passkeys (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    user_handle TEXT NOT NULL,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX member_passkeys_member ON member_passkeys (member_id);

-- A passkey ceremony between the browser's two requests: the challenge's state, kept
-- so that any node can finish it, once. `holder_hash` names who may: the browser's
-- secret (signing in) or the member's session (adding a passkey).
CREATE TABLE passkey_ceremonies (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    member_id INTEGER REFERENCES members (id) ON DELETE CASCADE,
    holder_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    return_to TEXT NOT NULL DEFAULT '/',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
