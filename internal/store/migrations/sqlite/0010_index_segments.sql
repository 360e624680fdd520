-- The positional full-text index, in immutable segments: each ingest batch
-- adds one, and 'antidote index optimize' merges them into one in a single
-- transaction. Terms appear only as keyed MACs; posting lists (documents,
-- frequencies, positions), the per-segment term dictionary (for prefix
-- queries) and the per-segment document table (lengths and the fields that
-- filters and facets read) are sealed. The older index (document ids per
-- term, no positions) is dropped: 'antidote index optimize' rebuilds it
-- from the sealed texts.
DROP TABLE postings;

CREATE TABLE index_segments (
    id         INTEGER PRIMARY KEY,
    docs       BLOB NOT NULL,          -- sealed document table
    dict       BLOB NOT NULL,          -- sealed sorted term dictionary
    created_at TEXT NOT NULL
);

CREATE TABLE index_postings (
    term       BLOB NOT NULL,          -- HMAC(index key, term)
    segment_id INTEGER NOT NULL REFERENCES index_segments(id) ON DELETE CASCADE,
    postings   BLOB NOT NULL,          -- sealed positional posting list
    PRIMARY KEY (term, segment_id)
) WITHOUT ROWID;
CREATE INDEX index_postings_segment ON index_postings(segment_id);
