-- Publication: the publisher's identity and OpenPGP signing key (one row),
-- every publication made, and the advisory versions each one released.
-- The identity (it holds a contact address), the keys (the public key's
-- user ID holds it too) and the publication state are sealed; ids,
-- versions and times are not content.
CREATE TABLE publisher (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    identity    BLOB NOT NULL,          -- sealed JSON: name, namespace, contact, category, prefix
    fingerprint TEXT NOT NULL,          -- the signing key's OpenPGP fingerprint
    public_key  BLOB NOT NULL,          -- sealed armored public key
    private_key BLOB NOT NULL,          -- sealed armored private key
    created_at  TEXT NOT NULL
);

CREATE TABLE publications (
    id           INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,         -- the publication's time (--at)
    recorded_at  TEXT NOT NULL,
    detail       BLOB NOT NULL,         -- sealed JSON: base URL, documents, advisories
    state        BLOB NOT NULL          -- sealed JSON: the advisories' state after it
);

CREATE TABLE advisory_versions (
    publication_id INTEGER NOT NULL REFERENCES publications(id),
    finding_id     INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    changed        INTEGER NOT NULL,    -- 1: new or revised by this publication
    PRIMARY KEY (publication_id, finding_id)
);
CREATE INDEX advisory_versions_finding ON advisory_versions (finding_id, version);
