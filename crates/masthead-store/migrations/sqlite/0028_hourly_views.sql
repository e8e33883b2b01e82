-- "Most read" over the last hours: see the PostgreSQL migration of the same name.
CREATE TABLE article_views_hourly (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    hour TEXT NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (article_id, hour)
);
CREATE INDEX article_views_hourly_hour ON article_views_hourly (hour);
