-- "Most read" over the last hours (issue 14): reads per article per UTC hour, beside
-- the per-day counts the audience figures keep. Only a week is kept: older hours are
-- dropped as new ones are written.
CREATE TABLE article_views_hourly (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    hour TIMESTAMPTZ NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (article_id, hour)
);
CREATE INDEX article_views_hourly_hour ON article_views_hourly (hour);
