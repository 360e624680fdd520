-- Vendor mail: settings, the transactional outbox with its delivery
-- records, imported replies with their attachments, the quarantine, the
-- reminder steps already sent, and the workspace's OpenPGP key. Addresses,
-- messages, replies and keys are sealed; lookups go through keyed MACs
-- computed by the caller.
CREATE TABLE IF NOT EXISTS mail_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    config     BLOB NOT NULL,            -- sealed JSON: server, port, user, TLS mode, sender, allow_plain
    password   BLOB,                     -- sealed
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mail_workspace_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    public_key  TEXT NOT NULL,           -- armored public key: published
    secret_key  BLOB NOT NULL,           -- sealed armored secret key
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mail_outbox (
    id          INTEGER PRIMARY KEY,
    dedupe_key  BLOB NOT NULL UNIQUE,    -- keyed MAC of what the message is for: queueing twice adds nothing
    message_key BLOB NOT NULL UNIQUE,    -- keyed MAC of the Message-ID: replies find their case
    case_id     INTEGER NOT NULL DEFAULT 0,
    vendor_id   INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    encrypted   INTEGER NOT NULL,
    envelope    BLOB NOT NULL,           -- sealed JSON: Message-ID, sender, recipient
    raw         BLOB NOT NULL,           -- sealed: the message as it is sent (PGP/MIME encrypted)
    state       TEXT NOT NULL,           -- pending | sending | sent | failed | uncertain
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    lease       TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT '',
    handoff     INTEGER NOT NULL DEFAULT 0,
    last_reply  BLOB,                    -- sealed: the server's last answer
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox(state, next_at);

CREATE TABLE IF NOT EXISTS mail_deliveries (
    id        INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES mail_outbox(id),
    attempt   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    result    TEXT NOT NULL,
    reply     BLOB                       -- sealed
);
CREATE INDEX IF NOT EXISTS mail_deliveries_outbox ON mail_deliveries(outbox_id);

CREATE TABLE IF NOT EXISTS mail_quarantine (
    id          INTEGER PRIMARY KEY,
    content_key BLOB NOT NULL UNIQUE,    -- keyed MAC of the message as received
    message_key BLOB UNIQUE,             -- keyed MAC of its Message-ID, if any
    reason      TEXT NOT NULL,
    detail      BLOB NOT NULL,           -- sealed JSON: sender, subject, why, text
    raw         BLOB NOT NULL,           -- sealed: the message as received
    received_at TEXT NOT NULL,
    resolved_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS mail_replies (
    id          INTEGER PRIMARY KEY,
    content_key BLOB NOT NULL UNIQUE,
    message_key BLOB UNIQUE,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    vendor_id   INTEGER NOT NULL REFERENCES vendors(id),
    event_id    INTEGER NOT NULL REFERENCES case_events(id),
    detail      BLOB NOT NULL,           -- sealed JSON: sender, subject, signature, text
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_replies_case ON mail_replies(case_id);

CREATE TABLE IF NOT EXISTS mail_attachments (
    id            INTEGER PRIMARY KEY,
    reply_id      INTEGER REFERENCES mail_replies(id),
    quarantine_id INTEGER REFERENCES mail_quarantine(id),
    meta          BLOB NOT NULL,         -- sealed JSON: name, content type
    data          BLOB NOT NULL          -- sealed
);

CREATE TABLE IF NOT EXISTS mail_reminders (
    case_id    INTEGER NOT NULL,
    vendor_id  INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
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
