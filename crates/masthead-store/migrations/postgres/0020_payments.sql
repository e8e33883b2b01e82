-- Payments (see masthead_core::payments): what the payment provider told us. The
-- provider holds the money and the cards; we keep each subscription's newest state,
-- the money received, gifts for the supporters page, and every notice's id once.

-- The provider's customers and the members they are.
CREATE TABLE payment_customers (
    customer TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_customers_member ON payment_customers (member_id, created_at);

-- `purpose` is `membership` or `donation`; `status` is the provider's word;
-- `observed_at` is when the provider described it so (an older description never
-- replaces a newer one).
CREATE TABLE subscriptions (
    reference TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    member_id BIGINT REFERENCES members (id) ON DELETE SET NULL,
    purpose TEXT NOT NULL,
    tier_id BIGINT REFERENCES tiers (id),
    cadence TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end TIMESTAMPTZ NOT NULL,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    observed_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscriptions_member ON subscriptions (member_id);
CREATE INDEX subscriptions_customer ON subscriptions (customer);

-- Money received: a subscription's invoices and one-time gifts.
CREATE TABLE payments (
    reference TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    customer TEXT NOT NULL,
    subscription TEXT,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    paid_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_time ON payments (paid_at);

-- Gifts, by the checkout that took them; `public` ones are on the supporters page.
CREATE TABLE gifts (
    reference TEXT PRIMARY KEY,
    member_id BIGINT REFERENCES members (id) ON DELETE SET NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    monthly BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX gifts_public ON gifts (public, created_at);

-- Completed checkouts: the member each was for, whether it made them (a reader who
-- paid before having an account), and when the paying browser was signed in.
CREATE TABLE checkouts (
    reference TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined BOOLEAN NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL,
    claimed_at TIMESTAMPTZ
);

-- Every provider notice applied, by its id: a replay changes nothing.
CREATE TABLE payment_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
