-- Members' sign-in letters have a budget of their own, like staff reset letters
-- (see core::auth::check_letters).
-- SQLite cannot change a CHECK constraint in place: the table is made again.
CREATE TABLE login_failures_new (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'account_ip', 'ip', 'reset', 'sign_in_link')),
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
INSERT INTO login_failures_new (kind, key, at) SELECT kind, key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_new RENAME TO login_failures;
CREATE INDEX login_failures_lookup ON login_failures (kind, key, at);
CREATE INDEX login_failures_at ON login_failures (at);
