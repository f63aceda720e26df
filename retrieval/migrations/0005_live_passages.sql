-- Every reindex counts the live passages (the index must hold as many) and deletes
-- the rows the previous generation retired. On `retired` alone both read the whole
-- table, passage text included: gigabytes at ten million passages, for a one-file
-- reindex. These partial indexes hold only the live ids, and only the retired rows.

CREATE INDEX passages_live ON passages(id) WHERE retired IS NULL;
CREATE INDEX passages_retired ON passages(retired) WHERE retired IS NOT NULL;
CREATE INDEX headlines_retired ON headlines(retired) WHERE retired IS NOT NULL;
CREATE INDEX documents_retired ON documents(retired) WHERE retired IS NOT NULL;
