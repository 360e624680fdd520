-- Core schema: documents, their provenance paths, the encrypted full-text
-- index and the audit log. Every column that could reveal document content,
-- a file name or a path holds a sealed value (XChaCha20-Poly1305, bound to
-- its row) or a keyed MAC.
CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE docs (
    id        BIGSERIAL PRIMARY KEY,
    dedup     BYTEA NOT NULL UNIQUE,   -- HMAC(dedup key, SHA-256 of content)
    status    TEXT NOT NULL,          -- ok | skipped | error
    complete  INTEGER NOT NULL DEFAULT 0, -- 1 once text and children are ingested
    meta      BYTEA NOT NULL,          -- sealed JSON: sha256, media type, sizes, reason
    blob      BYTEA,                   -- sealed original when small enough to keep inline
    blob_file TEXT,                   -- else the sealed file under blobs/ (named by dedup MAC)
    text      BYTEA,                   -- sealed extracted text
    created_at TEXT NOT NULL
);

CREATE TABLE doc_paths (
    id        BIGSERIAL PRIMARY KEY,
    doc_id    BIGINT NOT NULL REFERENCES docs(id),
    parent_id BIGINT REFERENCES docs(id),
    path_key  BYTEA NOT NULL UNIQUE,   -- HMAC of the provenance path, for idempotent re-ingest
    path      BYTEA NOT NULL,          -- sealed provenance path
    created_at TEXT NOT NULL
);
CREATE INDEX doc_paths_doc ON doc_paths(doc_id);

CREATE TABLE postings (
    id    BIGSERIAL PRIMARY KEY,
    term  BYTEA NOT NULL,              -- HMAC(index key, normalised term)
    docs  BYTEA NOT NULL               -- sealed list of document ids
);
CREATE INDEX postings_term ON postings(term);

CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    BYTEA,                   -- sealed: may name a query or a value
    prev      BYTEA NOT NULL,
    mac       BYTEA NOT NULL           -- HMAC(audit key, prev || fields)
);
