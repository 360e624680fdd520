-- Documents someone looked at for findings: by 'findings extract' or an
-- analyst who found none. The release gate holds back a document nobody
-- examined. Each row carries a MAC under a workspace key over its document
-- and time, so a row written without the key does not count. Nothing here
-- is content.
CREATE TABLE findings_examined (
    doc_id      BIGINT PRIMARY KEY REFERENCES docs(id),
    examined_at TEXT NOT NULL,
    how         TEXT NOT NULL,   -- extract | none
    mac         BYTEA NOT NULL
);
