// Package findings owns antidote's model of a finding: one exploit or
// vulnerability described in the archive, with the products it affects
// (version ranges, CPE 2.3 names, package URLs), weakness and CVE
// identifiers, CVSS v3.1 and v4.0 vectors with their computed scores, and
// the spans of the source documents that describe it. It also proposes
// findings from document text (Extract) against a shipped, extensible
// product dictionary.
//
// It is pure: no I/O beyond reading the embedded dictionary, no logging, no
// store, web or database imports. Persistence belongs to the store, which
// satisfies whatever small interfaces callers declare. Errors never quote
// document text.
package findings
