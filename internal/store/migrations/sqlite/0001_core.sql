-- Core schema: documents, their provenance paths, the encrypted full-text
-- index and the audit log. Every column that could reveal document content,
-- a file name or a path holds a sealed value (XChaCha20-Poly1305, bound to
-- its row) or a keyed MAC.
CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE docs (
    id        INTEGER PRIMARY KEY,
    dedup     BLOB NOT NULL UNIQUE,   -- HMAC(dedup key, SHA-256 of content)
    status    TEXT NOT NULL,          -- ok | skipped | error
    complete  INTEGER NOT NULL DEFAULT 0, -- 1 once text and children are ingested
    meta      BLOB NOT NULL,          -- sealed JSON: sha256, media type, sizes, reason
    blob      BLOB,                   -- sealed original when small enough to keep inline
    blob_file TEXT,                   -- else the sealed file under blobs/ (named by dedup MAC)
    text      BLOB,                   -- sealed extracted text
    created_at TEXT NOT NULL
);

CREATE TABLE doc_paths (
    id        INTEGER PRIMARY KEY,
    doc_id    INTEGER NOT NULL REFERENCES docs(id),
    parent_id INTEGER REFERENCES docs(id),
    path_key  BLOB NOT NULL UNIQUE,   -- HMAC of the provenance path, for idempotent re-ingest
    path      BLOB NOT NULL,          -- sealed provenance path
    created_at TEXT NOT NULL
);
CREATE INDEX doc_paths_doc ON doc_paths(doc_id);

CREATE TABLE postings (
    id    INTEGER PRIMARY KEY,
    term  BLOB NOT NULL,              -- HMAC(index key, normalised term)
    docs  BLOB NOT NULL               -- sealed list of document ids
);
CREATE INDEX postings_term ON postings(term);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    BLOB,                   -- sealed: may name a query or a value
    prev      BLOB NOT NULL,
    mac       BLOB NOT NULL           -- HMAC(audit key, prev || fields)
);
