-- Tiers readers may join or pay for, and the offers that discount them (see
-- masthead_core::tier). Prices are in the currency's minor unit; `benefits` is a JSON
-- array of strings. The free tier always exists: every member is on it until they pay.
CREATE TABLE tiers (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    paid BOOLEAN NOT NULL,
    currency TEXT NOT NULL,
    monthly_price BIGINT NOT NULL DEFAULT 0,
    yearly_price BIGINT NOT NULL DEFAULT 0,
    trial_days INTEGER NOT NULL DEFAULT 0,
    benefits TEXT NOT NULL DEFAULT '[]',
    public BOOLEAN NOT NULL DEFAULT TRUE,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO tiers (slug, name, description, paid, currency, benefits, created_at, updated_at)
VALUES ('free', 'Free', 'Comment, and get the newsletters you choose.', FALSE, 'EUR',
        '["Join the conversation under every story","Newsletters of your choice"]',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- `discount_kind` is `percent` or `fixed` (an amount in the tier's minor units);
-- `duration` is `once`, `months` (for `duration_months`) or `forever`.
CREATE TABLE offers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tier_id INTEGER NOT NULL REFERENCES tiers (id),
    cadence TEXT NOT NULL,
    discount_kind TEXT NOT NULL,
    discount BIGINT NOT NULL,
    duration TEXT NOT NULL,
    duration_months INTEGER NOT NULL DEFAULT 0,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);
CREATE INDEX offers_tier ON offers (tier_id);
