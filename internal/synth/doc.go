// Package synth generates synthetic leaks that look like the archive of an
// intelligence agency's hacking unit: Confluence-style wiki pages, mailboxes,
// office documents, PDFs and nested archives, sprinkled with identifiers
// (addresses, e-mails, MACs, staff names, secrets) that antidote must find and
// redact. It feeds `antidote demo`, the tests of ingest, redaction and
// findings, and the ingest benchmark.
//
// Every identifier synth plants is recorded in a Truth, so tests can check
// that a detector or redactor found all of them. Output is a pure function of
// the seed: the same seed gives the same bytes.
//
// synth owns only generation. It imports nothing of antidote's, keeps no
// package-level state and writes nowhere but the io.Writer or directory it is
// given. Every person, address, secret and CVE number in its output is made up;
// CVE numbers use the 9xxxx range of their year so they cannot be mistaken for
// real records, and e-mail domains are reserved names (example.*, .test).
package synth
