-- The published articles in id order: see the PostgreSQL migration of the same name.
CREATE INDEX articles_status_id ON articles (status, id);
