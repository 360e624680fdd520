-- Row MACs: every row the release gate trusts carries a keyed MAC (under
-- the workspace's "rows" key) over its meaningful columns, so that a row
-- changed or inserted by someone with write access to the database but
-- not the passphrase fails authentication and blocks the documents it
-- concerns, instead of unblocking them. Rows written before this version
-- are tagged when the workspace migrates.
ALTER TABLE redaction_checks ADD COLUMN mac BLOB;
ALTER TABLE release_approvals ADD COLUMN mac BLOB;
ALTER TABLE case_events ADD COLUMN mac BLOB;
ALTER TABLE cases ADD COLUMN mac BLOB;
ALTER TABLE findings ADD COLUMN mac BLOB;
ALTER TABLE embargo_policy ADD COLUMN mac BLOB;
-- A product's MAC covers its downstream makers, a finding's the documents
-- it is linked to: deleting a link is detected too.
ALTER TABLE products ADD COLUMN mac BLOB;
