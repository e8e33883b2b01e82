-- Curated fronts: see the PostgreSQL migration of the same name.
CREATE TABLE front_slots (
    front TEXT NOT NULL,
    position INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    until TEXT,
    PRIMARY KEY (front, position)
);
