-- The published articles in id order, as the search index's rebuild reads them in
-- batches (`published_after`: status = 'published' AND id > $1 ORDER BY id LIMIT n,
-- and each batch's tags, credits and sources by the same range). Without it SQLite's
-- planner took articles_status_updated for the status, then read and sorted every
-- published article after the batch's start for each batch of 500: a rebuild of
-- 100,000 articles took 55 s, 12.5 s with it (bench/README.md, search).
CREATE INDEX articles_status_id ON articles (status, id);
