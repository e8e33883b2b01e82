-- Bodies as documents (masthead_core::document): the stored JSON of an article's
-- or a static page's body. Bodies saved before have none and are read from their
-- Markdown, which stays beside the document as its Markdown rendition.
ALTER TABLE articles ADD COLUMN body_document TEXT;
ALTER TABLE pages ADD COLUMN body_document TEXT;
