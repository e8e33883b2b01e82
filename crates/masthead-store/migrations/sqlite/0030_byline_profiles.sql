-- Byline profiles without a login: see the PostgreSQL migration of the same name.
ALTER TABLE people ADD COLUMN kind TEXT NOT NULL DEFAULT 'staff'
    CHECK (kind IN ('staff', 'guest', 'wire', 'desk'));
