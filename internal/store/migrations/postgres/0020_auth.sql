-- Accounts for the web console, the vendor portal and the API: users with
-- their role (and vendor, for vendor accounts), bearer tokens and browser
-- sessions kept only as keyed hashes of their values, and failed logins
-- under a keyed hash of the account name or client address, for rate
-- limits, and the comment threads of cases. Password hashes, TOTP keys and
-- comments are sealed, bound to their row.
CREATE TABLE users (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,     -- lower case
    role        TEXT NOT NULL,            -- admin | analyst | reviewer | vendor
    vendor_id   BIGINT NOT NULL DEFAULT 0,
    disabled    INTEGER NOT NULL DEFAULT 0,
    totp        INTEGER NOT NULL DEFAULT 0,
    totp_step   BIGINT NOT NULL DEFAULT 0,   -- last TOTP time step used: no replay
    credentials BYTEA,                     -- sealed JSON: password hash, TOTP key
    created_at  TEXT NOT NULL
);

CREATE TABLE auth_tokens (
    id         BIGSERIAL PRIMARY KEY,
    hash       BYTEA NOT NULL UNIQUE,      -- keyed MAC of the token
    user_id    BIGINT NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL DEFAULT '',
    revoked_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
    hash       BYTEA PRIMARY KEY,          -- keyed MAC of the session ID
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,           -- Unix nanoseconds
    last_seen  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    key BYTEA NOT NULL,                    -- keyed MAC of the account or address
    at  BIGINT NOT NULL                   -- Unix nanoseconds
);
CREATE INDEX login_failures_key ON login_failures(key, at);

-- The threads of a case: vendor_id is the vendor's thread (0: the
-- coordinators' internal one); the text is sealed.
CREATE TABLE case_comments (
    id        BIGSERIAL PRIMARY KEY,
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    vendor_id BIGINT NOT NULL DEFAULT 0,
    at        TEXT NOT NULL,
    author    TEXT NOT NULL,
    body      BYTEA NOT NULL
);
CREATE INDEX case_comments_case ON case_comments(case_id, id);

-- Files a party attached to a case (a vendor's patch notes, an advisory
-- draft), in its vendor's thread like comments; name and content sealed.
CREATE TABLE case_files (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    vendor_id  BIGINT NOT NULL DEFAULT 0,
    at         TEXT NOT NULL,
    author     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    name       BYTEA NOT NULL,
    body       BYTEA NOT NULL
);
CREATE INDEX case_files_case ON case_files(case_id, id);

-- Cases whose vendors see each other's names and statuses (a coordinated
-- multi-vendor disclosure); absent means each vendor sees only itself.
CREATE TABLE case_shared (
    case_id   BIGINT PRIMARY KEY REFERENCES cases(id),
    shared_at TEXT NOT NULL,
    shared_by TEXT NOT NULL
);
