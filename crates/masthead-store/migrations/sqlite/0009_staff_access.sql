-- Staff who left: no longer able to sign in, their bylines and history kept.
ALTER TABLE people ADD COLUMN deactivated_at TEXT;
