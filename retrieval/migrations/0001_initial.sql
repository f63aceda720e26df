-- The archive: files seen under seeds/, their articles, passages and headlines.
-- Rows are never updated in place: a changed article gets new rows and the old
-- ones are marked `retired` with the generation that replaced them, so a reader
-- still on the previous index generation can fetch every passage it returns.

CREATE TABLE files (
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256   TEXT NOT NULL
);

CREATE TABLE documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL,
    file         TEXT NOT NULL,
    title        TEXT NOT NULL,
    date         TEXT,              -- ISO 8601 day; NULL when the page gave none
    url          TEXT,
    content_hash TEXT NOT NULL,
    retired      INTEGER            -- generation that retired it; NULL while live
);
CREATE UNIQUE INDEX documents_live_key ON documents(key) WHERE retired IS NULL;
CREATE INDEX documents_file ON documents(file);
CREATE INDEX documents_date ON documents(date);

CREATE TABLE passages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind        TEXT NOT NULL CHECK (kind IN ('title', 'body', 'headline')),
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    date        TEXT,
    text        TEXT NOT NULL,
    retired     INTEGER
);
CREATE INDEX passages_document ON passages(document_id);

CREATE TABLE headlines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    title       TEXT NOT NULL,
    date        TEXT,
    retired     INTEGER
);
CREATE INDEX headlines_date ON headlines(date);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', '0');
