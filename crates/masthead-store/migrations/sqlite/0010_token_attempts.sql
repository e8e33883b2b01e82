-- Codes tried against one second-step token: it stops working after a few, so
-- guesses cannot outrun the failed-login count by arriving all at once.
ALTER TABLE staff_tokens ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
