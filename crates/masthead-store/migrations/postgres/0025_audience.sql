-- Audience figures (issue 14): where readers came from, by the referring site's
-- domain, and what they searched for on the site, counted per UTC day. Numbers only:
-- nothing about a reader is kept.
CREATE TABLE referrer_views (
    day DATE NOT NULL,
    domain TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (day, domain)
);

CREATE TABLE search_counts (
    day DATE NOT NULL,
    term TEXT NOT NULL,
    searches BIGINT NOT NULL,
    PRIMARY KEY (day, term)
);
