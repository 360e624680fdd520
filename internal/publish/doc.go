// Package publish builds antidote's outward artefacts from Go values: the
// static release site (documents, advisories, charts, an Atom feed and an
// offline search), CSAF 2.0 security advisories laid out as a CSAF trusted
// provider, OSV records and CVE JSON 5 records, signed with the
// workspace's OpenPGP key.
//
// Build is a pure function: the same Input gives the same file tree byte
// for byte. It never writes to disk, opens a database or logs; the caller
// (the workspace core) loads the release plan, decides where the tree goes
// and records the publication. Before it returns, every file it built is
// scanned with the independent residual check that verify uses
// (redact.Check): a remaining identifier of a redacted type fails the whole
// publication, so nothing is written.
package publish
