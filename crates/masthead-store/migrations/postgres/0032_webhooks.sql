-- Webhooks (issue 15, core::webhook): integrations' subscriptions, and the durable
-- queue of their deliveries. A delivery is 'pending' (due at `due_at`; a sender holds
-- it by moving `due_at` on), 'sent' or 'failed' (given up after its tries); its last
-- answer is kept for the newsroom's log. Deleting a webhook takes its deliveries.
CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    target_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_event ON webhooks (event);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    state TEXT NOT NULL,
    due_at TIMESTAMPTZ,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at TIMESTAMPTZ
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, due_at);
