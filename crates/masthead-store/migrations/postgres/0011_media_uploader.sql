-- Who uploaded a picture: they and the editors may change the words that travel
-- with it. Pictures from before, from the demo or from imports have no uploader.
ALTER TABLE media ADD COLUMN uploaded_by BIGINT REFERENCES people (id);
