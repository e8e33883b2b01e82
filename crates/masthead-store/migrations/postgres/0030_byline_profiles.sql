-- Byline profiles without a login (issue 14): guest writers, news agencies and desk
-- bylines ("Staff") live beside staff accounts, so bylines and author pages treat them
-- alike. Such a profile is stored under a placeholder address in the `.invalid`
-- domain and with no password: it can never sign in nor receive a letter.
ALTER TABLE people ADD COLUMN kind TEXT NOT NULL DEFAULT 'staff'
    CHECK (kind IN ('staff', 'guest', 'wire', 'desk'));
