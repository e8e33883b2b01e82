-- Integrations (issue 15, core::integration): the apps and tools that use the APIs,
-- each with a Content API key (26 hex, public by design, reads what is published) and
-- an Admin API key id:secret (24 and 64 hex; the secret signs the tokens that write,
-- so it is kept as it is, like Ghost keeps it). Rotation replaces the keys in place;
-- a revoked integration keeps its row (the delivery log and audit name it) but no key
-- of it works.
CREATE TABLE integrations (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    content_key TEXT NOT NULL UNIQUE,
    admin_key_id TEXT NOT NULL UNIQUE,
    admin_secret TEXT NOT NULL,
    rate_limit BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    rotated_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
