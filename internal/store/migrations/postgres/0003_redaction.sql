-- Redaction: per document, the redacted text and its statistics (counts per
-- type, scope, country and ASN, no identifier), both sealed; and the
-- token -> value mapping, each value sealed and found by a keyed MAC of its
-- token, so that an authorised analyst can reveal one token (audited)
-- without the database ever holding a token or a value in the clear.
CREATE TABLE redactions (
    doc_id     BIGINT PRIMARY KEY REFERENCES docs(id),
    text       BYTEA NOT NULL,         -- sealed redacted text
    stats      BYTEA NOT NULL,         -- sealed JSON statistics
    created_at TEXT NOT NULL
);

CREATE TABLE redaction_tokens (
    token_key  BYTEA PRIMARY KEY,      -- HMAC(redaction token key, token)
    value      BYTEA NOT NULL,         -- sealed: the identifier's kind and value
    created_at TEXT NOT NULL
);
