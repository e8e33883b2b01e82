-- Failed sign-ins are also counted per account from one address, and reset letters
-- have a budget of their own (see core::auth::check_sign_in and check_letters).
-- SQLite cannot change a CHECK constraint in place: the table is made again.
CREATE TABLE login_failures_new (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'account_ip', 'ip', 'reset')),
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
INSERT INTO login_failures_new (kind, key, at) SELECT kind, key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_new RENAME TO login_failures;
CREATE INDEX login_failures_lookup ON login_failures (kind, key, at);
CREATE INDEX login_failures_at ON login_failures (at);
