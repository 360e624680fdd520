-- Vendor mail: settings, the transactional outbox with its delivery
-- records, imported replies with their attachments, the quarantine, the
-- reminder steps already sent, and the workspace's OpenPGP key. Addresses,
-- messages, replies and keys are sealed; lookups go through keyed MACs
-- computed by the caller.
CREATE TABLE IF NOT EXISTS mail_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    config     BYTEA NOT NULL,            -- sealed JSON: server, port, user, TLS mode, sender, allow_plain
    password   BYTEA,                     -- sealed
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mail_workspace_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    public_key  TEXT NOT NULL,           -- armored public key: published
    secret_key  BYTEA NOT NULL,           -- sealed armored secret key
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mail_outbox (
    id          BIGSERIAL PRIMARY KEY,
    dedupe_key  BYTEA NOT NULL UNIQUE,    -- keyed MAC of what the message is for: queueing twice adds nothing
    message_key BYTEA NOT NULL UNIQUE,    -- keyed MAC of the Message-ID: replies find their case
    case_id     BIGINT NOT NULL DEFAULT 0,
    vendor_id   BIGINT NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    encrypted   INTEGER NOT NULL,
    envelope    BYTEA NOT NULL,           -- sealed JSON: Message-ID, sender, recipient
    raw         BYTEA NOT NULL,           -- sealed: the message as it is sent (PGP/MIME encrypted)
    state       TEXT NOT NULL,           -- pending | sending | sent | failed | uncertain
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    lease       TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT '',
    handoff     INTEGER NOT NULL DEFAULT 0,
    last_reply  BYTEA,                    -- sealed: the server's last answer
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox(state, next_at);

CREATE TABLE IF NOT EXISTS mail_deliveries (
    id        BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES mail_outbox(id),
    attempt   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    result    TEXT NOT NULL,
    reply     BYTEA                       -- sealed
);
CREATE INDEX IF NOT EXISTS mail_deliveries_outbox ON mail_deliveries(outbox_id);

CREATE TABLE IF NOT EXISTS mail_quarantine (
    id          BIGSERIAL PRIMARY KEY,
    content_key BYTEA NOT NULL UNIQUE,    -- keyed MAC of the message as received
    message_key BYTEA UNIQUE,             -- keyed MAC of its Message-ID, if any
    reason      TEXT NOT NULL,
    detail      BYTEA NOT NULL,           -- sealed JSON: sender, subject, why, text
    raw         BYTEA NOT NULL,           -- sealed: the message as received
    received_at TEXT NOT NULL,
    resolved_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS mail_replies (
    id          BIGSERIAL PRIMARY KEY,
    content_key BYTEA NOT NULL UNIQUE,
    message_key BYTEA UNIQUE,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    vendor_id   BIGINT NOT NULL REFERENCES vendors(id),
    event_id    BIGINT NOT NULL REFERENCES case_events(id),
    detail      BYTEA NOT NULL,           -- sealed JSON: sender, subject, signature, text
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_replies_case ON mail_replies(case_id);

CREATE TABLE IF NOT EXISTS mail_attachments (
    id            BIGSERIAL PRIMARY KEY,
    reply_id      BIGINT REFERENCES mail_replies(id),
    quarantine_id BIGINT REFERENCES mail_quarantine(id),
    meta          BYTEA NOT NULL,         -- sealed JSON: name, content type
    data          BYTEA NOT NULL          -- sealed
);

CREATE TABLE IF NOT EXISTS mail_reminders (
    case_id    BIGINT NOT NULL,
    vendor_id  BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,            -- reminder | unacked
    days       INTEGER NOT NULL,
    deadline   TEXT NOT NULL,            -- a moved deadline is a new step
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, vendor_id, product_id, kind, days, deadline)
);

CREATE TABLE IF NOT EXISTS mail_reminder_policy (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    steps      TEXT NOT NULL,            -- days before a deadline, e.g. 30,7,1
    ack_days   INTEGER NOT NULL,         -- note to analysts after this many silent days (0: never)
    updated_at TEXT NOT NULL
);
