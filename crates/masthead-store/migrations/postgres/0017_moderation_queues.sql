-- The moderators' queues and their counts (on the dashboard of every editor) read
-- the held and the spam comments, few among many approved: each gets a small index
-- of its own, so neither reads the whole comments table.
CREATE INDEX comments_held ON comments (created_at, id) WHERE status = 'pending';
CREATE INDEX comments_spam ON comments (created_at, id) WHERE status = 'spam';
