-- The generation that added an article the archive did not hold before (NULL for a
-- changed or re-dated article, and for articles from before this column): what
-- the bot announces, read by any process from the committed generations.

ALTER TABLE documents ADD COLUMN added_in INTEGER;
CREATE INDEX documents_added_in ON documents(added_in) WHERE added_in IS NOT NULL;
