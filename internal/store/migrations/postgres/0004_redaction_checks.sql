-- Redaction checks: every redaction of a document gets a version, counted
-- up each time the document is redacted again; 'antidote verify --all'
-- records its result against the version it read. A check of an earlier
-- version does not count, so redacting a document again takes it back to
-- unverified until it is checked anew. Nothing here is content: ids,
-- counters, a flag and a time.
ALTER TABLE redactions ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE redaction_checks (
    doc_id     BIGINT PRIMARY KEY REFERENCES redactions(doc_id),
    version    BIGINT NOT NULL,       -- redactions.version that was checked
    passed     INTEGER NOT NULL,      -- 1: no identifier of a redacted type remained
    checked_at TEXT NOT NULL
);
