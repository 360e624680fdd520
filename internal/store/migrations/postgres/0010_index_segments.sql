-- The positional full-text index, in immutable segments: each ingest batch
-- adds one, and 'antidote index optimize' merges them into one in a single
-- transaction. Posting lists (documents, frequencies, positions) are
-- packed, in order of their terms' keyed MACs, into sealed blocks of about
-- 8 KiB (a common term's list is a block of its own), each row keyed by
-- the MAC of its first term; the per-segment term dictionary (for prefix
-- queries) and document table (lengths and the fields that filters and
-- facets read) are sealed too. The older index (document ids per
-- term, no positions) is dropped: 'antidote index optimize' rebuilds it
-- from the sealed texts.
DROP TABLE postings;

CREATE TABLE index_segments (
    id         BIGSERIAL PRIMARY KEY,
    docs       BYTEA NOT NULL,          -- sealed document table
    dict       BYTEA NOT NULL,          -- sealed sorted term dictionary
    created_at TEXT NOT NULL
);

CREATE TABLE index_postings (
    segment_id BIGINT NOT NULL REFERENCES index_segments(id) ON DELETE CASCADE,
    term       BYTEA NOT NULL,          -- first 96 bits of HMAC(index key, first term of the block)
    postings   BYTEA NOT NULL,          -- sealed block of positional posting lists
    PRIMARY KEY (segment_id, term)
);
