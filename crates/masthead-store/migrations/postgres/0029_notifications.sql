-- Newsroom notifications (issue 14, core::notification): each staff member's inbox,
-- and the letters that go with it, queued here so that any node sends each once and
-- a restart loses none. `letter` is 'none' (the person chose the inbox only),
-- 'pending' (due at `due_at`; a sender holds it by moving `due_at` on), 'sent' or
-- 'failed' (given up after its tries; the inbox still has it).
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES people (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    letter TEXT NOT NULL,
    due_at TIMESTAMPTZ,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_person ON notifications (person_id, id);
CREATE INDEX notifications_due ON notifications (letter, due_at);

-- What each person chose to hear of each event, and how; no row: both ways.
CREATE TABLE notification_choices (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    inbox BOOLEAN NOT NULL,
    email BOOLEAN NOT NULL,
    PRIMARY KEY (person_id, event)
);
