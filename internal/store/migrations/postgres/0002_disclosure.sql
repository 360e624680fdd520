-- Disclosure coordination: vendors, products, findings with their document
-- spans, cases with their timelines, the embargo policy and release
-- approvals. Finding details, document spans, contacts (with their notes)
-- and the free text of case events are sealed, bound to their row; what the
-- release gate needs to run fast (states, statuses, times, ids) is plain.
CREATE TABLE vendors (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,   -- lower-cased name, for lookups
    security_txt TEXT,
    pgp_keys     TEXT,                   -- JSON: public keys, not secret
    contacts     BYTEA,                   -- sealed JSON: addresses and notes
    created_at   TEXT NOT NULL
);

CREATE TABLE products (
    id         BIGSERIAL PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors(id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    class      TEXT NOT NULL,
    cpe        TEXT,
    purl       TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (vendor_id, name_key)
);

CREATE TABLE product_downstream (
    product_id BIGINT NOT NULL REFERENCES products(id),
    vendor_id  BIGINT NOT NULL REFERENCES vendors(id),
    PRIMARY KEY (product_id, vendor_id)
);

CREATE TABLE findings (
    id          BIGSERIAL PRIMARY KEY,
    state       TEXT NOT NULL,            -- proposed | accepted | rejected | merged
    exploited   INTEGER NOT NULL DEFAULT 0,
    merged_into BIGINT REFERENCES findings(id),
    extract_key BYTEA UNIQUE,              -- keyed MAC of the extraction key: re-extraction is idempotent
    detail      BYTEA NOT NULL,            -- sealed JSON: title, summary, affected, CWE, CVE, CVSS
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE finding_docs (
    finding_id BIGINT NOT NULL REFERENCES findings(id),
    doc_id     BIGINT NOT NULL REFERENCES docs(id),
    spans      BYTEA NOT NULL,             -- sealed JSON: [[start, end], ...]
    PRIMARY KEY (finding_id, doc_id)
);
CREATE INDEX finding_docs_doc ON finding_docs(doc_id);

CREATE TABLE cases (
    id         BIGSERIAL PRIMARY KEY,
    finding_id BIGINT NOT NULL REFERENCES findings(id),
    opened_at  TEXT NOT NULL,
    opened_by  TEXT NOT NULL
);
CREATE INDEX cases_finding ON cases(finding_id);

CREATE TABLE case_targets (
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    vendor_id  BIGINT NOT NULL REFERENCES vendors(id),
    product_id BIGINT NOT NULL DEFAULT 0, -- 0: the vendor as a whole
    PRIMARY KEY (case_id, vendor_id, product_id)
);

CREATE TABLE case_events (
    id            BIGSERIAL PRIMARY KEY,  -- also the event's sequence number
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- status | public | note
    vendor_id     BIGINT NOT NULL DEFAULT 0,
    product_id    BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT '',
    justification TEXT NOT NULL DEFAULT '',
    expected_fix  TEXT NOT NULL DEFAULT '',
    release_date  TEXT NOT NULL DEFAULT '',
    detail        BYTEA                    -- sealed JSON: versions, patch level, evidence, note
);
CREATE INDEX case_events_case ON case_events(case_id, at, id);

CREATE TABLE embargo_policy (
    name TEXT PRIMARY KEY,                -- a device class, or default | exploited | grace
    days INTEGER NOT NULL
);

CREATE TABLE release_approvals (
    doc_id BIGINT NOT NULL REFERENCES docs(id),
    actor  TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (doc_id, actor)
);
