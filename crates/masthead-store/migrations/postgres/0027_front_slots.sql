-- Curated fronts (core::curation): the stories editors chose for the lead and the top
-- slots of the home page ('home') and of section fronts ('section:ID'), each for good
-- or until a time. A story that goes takes its slot with it.
CREATE TABLE front_slots (
    front TEXT NOT NULL,
    position BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    until TIMESTAMPTZ,
    PRIMARY KEY (front, position)
);
