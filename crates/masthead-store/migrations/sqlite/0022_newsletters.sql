-- Newsletters (see masthead_core::newsletter).

-- Who gets which newsletter: one row a choice (it was a JSON list in the member's
-- standing), so a send reads a newsletter's subscribers by index and a one-click
-- unsubscribe removes one row.
CREATE TABLE newsletter_subscriptions (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    newsletter TEXT NOT NULL,
    subscribed_at TEXT NOT NULL,
    PRIMARY KEY (member_id, newsletter)
);
CREATE INDEX newsletter_subscriptions_newsletter ON newsletter_subscriptions (newsletter, member_id);
INSERT INTO newsletter_subscriptions (member_id, newsletter, subscribed_at)
SELECT DISTINCT s.member_id, j.value, s.joined_at
FROM member_standing s, json_each(s.newsletters) j
WHERE j.type = 'text';
ALTER TABLE member_standing DROP COLUMN newsletters;

-- A newsletter's sponsor, named in every letter it sends.
CREATE TABLE newsletter_sponsors (
    newsletter TEXT PRIMARY KEY,
    sponsor_id INTEGER NOT NULL REFERENCES sponsors (id) ON DELETE CASCADE
);

-- An article sent to a newsletter's subscribers (or a segment of them). The letter is
-- made when the send is queued (JSON: masthead_core::newsletter::SendLetter). The node
-- sending it holds it until lease_until.
CREATE TABLE newsletter_sends (
    id INTEGER PRIMARY KEY,
    newsletter TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    visibility TEXT NOT NULL,
    segment TEXT NOT NULL,
    subject TEXT NOT NULL,
    letter TEXT NOT NULL,
    status TEXT NOT NULL,
    queued_by TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    sender TEXT NOT NULL DEFAULT '',
    lease_until TEXT
);
CREATE INDEX newsletter_sends_unfinished ON newsletter_sends (id) WHERE status <> 'sent';
CREATE INDEX newsletter_sends_newsletter ON newsletter_sends (newsletter, id);

-- One recipient's letter of a send. The token is the letter's one-click unsubscribe
-- link's; message_id its Message-ID, which bounce and complaint reports name.
CREATE TABLE newsletter_deliveries (
    send_id INTEGER NOT NULL REFERENCES newsletter_sends (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    whole BOOLEAN NOT NULL,
    token TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    claimed_by TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    error TEXT NOT NULL DEFAULT '',
    done_at TEXT,
    unsubscribed_at TEXT,
    PRIMARY KEY (send_id, member_id)
);
CREATE INDEX newsletter_deliveries_queue ON newsletter_deliveries (send_id, status, member_id);
CREATE INDEX newsletter_deliveries_message ON newsletter_deliveries (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX newsletter_deliveries_member ON newsletter_deliveries (member_id);
