-- Boilerplate detection: each article's sentence keys (64-bit hashes of its
-- normalized sentences) with its title's key, and the keys found under enough
-- different titles to be site furniture rather than news.

CREATE TABLE sentences (
    document_id INTEGER NOT NULL,
    key         INTEGER NOT NULL,
    title       INTEGER NOT NULL,
    PRIMARY KEY (document_id, key)
) WITHOUT ROWID;
CREATE INDEX sentences_key ON sentences(key, title);

CREATE TABLE boilerplate (
    key INTEGER PRIMARY KEY
);

-- Archives built before this have no sentence keys yet: the next reindex adds them.
INSERT INTO meta (key, value) VALUES ('sentences_complete', '0');
