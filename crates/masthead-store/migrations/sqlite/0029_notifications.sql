-- Newsroom notifications: see the PostgreSQL migration of the same name.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    letter TEXT NOT NULL,
    due_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_person ON notifications (person_id, id);
CREATE INDEX notifications_due ON notifications (letter, due_at);

CREATE TABLE notification_choices (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    inbox BOOLEAN NOT NULL,
    email BOOLEAN NOT NULL,
    PRIMARY KEY (person_id, event)
);
