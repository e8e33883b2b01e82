-- Articles for the members of chosen tiers (visibility 'tiers'): the tiers' ids, as a
-- JSON list; and the same for a newsletter send made of such an article, as it was
-- when the letter was made.
ALTER TABLE articles ADD COLUMN visible_tiers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE newsletter_sends ADD COLUMN tiers TEXT NOT NULL DEFAULT '[]';
