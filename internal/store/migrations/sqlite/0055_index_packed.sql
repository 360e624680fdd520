-- The full-text index's format changed: posting lists are bit-packed in
-- frames (documents, frequencies and positions), and each segment's
-- document table and dictionary are compressed before they are sealed.
-- The index written before is removed; 'antidote migrate' rebuilds it
-- from the sealed texts ('antidote index optimize' finishes an
-- interrupted rebuild).
DELETE FROM index_postings;
DELETE FROM index_segments;
