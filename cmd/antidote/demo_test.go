package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDemo runs the main job end to end, as a new user would.
func TestDemo(t *testing.T) {
	env := map[string]string{"ANTIDOTE_PASSPHRASE": "demo passphrase"}
	out, stderr, err := runCLI(t, env, "demo")
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out, stderr)
	}
	for _, want := range []string{
		"Created workspace",
		"new, 0 already stored",            // ingest summary
		"message/rfc822",                   // mail parsed
		"!/stage2.tar.gz!/ops/configs.zip", // nested archives with provenance
		"documents match",                  // full-text search
		"Audit log intact",                 // tamper-evident log
		"Proposed ",                        // findings extracted
		"DAYS LEFT",                        // embargo clocks
		"documents releasable at",          // release plan
		"$ antidote redact --all --names staff.txt",
		"identifiers found",                         // redact --all summary
		"e-mail addresses",                          // report totals per type
		"recorded as verified for the release gate", // verify --all
		"doc 1: not redacted (no extracted text)",   // the zip itself has no text
		"approve each of",                           // two approvals per document
		"blocked by embargo: ",                      // an embargo still runs
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The report is cut before its per-document table.
	if strings.Contains(out, "DOCUMENT ") {
		t.Error("demo output holds the report's per-document table")
	}
	// Files are named relative to the demo's temporary directory.
	if strings.Contains(out, "antidote-demo-") {
		t.Error("demo output names its temporary directory")
	}
	// Findings extraction reads every document of the leak.
	ingested := regexp.MustCompile(`Ingested 1 inputs: (\d+) documents`).FindStringSubmatch(out)
	extracted := regexp.MustCompile(`Proposed \d+ new findings and updated \d+ from (\d+) documents`).FindStringSubmatch(out)
	if ingested == nil || extracted == nil || ingested[1] != extracted[1] {
		t.Errorf("findings extraction read %v documents of the %v ingested", extracted, ingested)
	}
	// Verified and approved documents become releasable once embargoes run out.
	m := regexp.MustCompile(`release plan at 2017-09-01: (\d+) of (\d+) documents releasable`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("demo output lacks the release plan summary for 2017-09-01")
	}
	n, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	if n == 0 || n >= total {
		t.Errorf("release plan at 2017-09-01: %d of %d releasable; want some but not all", n, total)
	}
}

// relWriter names paths relative to the demo directory even when a path
// arrives split across writes.
func TestRelWriter(t *testing.T) {
	var b bytes.Buffer
	w := &relWriter{w: &b, dir: "/tmp/d-1/", shown: ""}
	for _, s := range []string{"ingest /tmp/d", "-1/leak.zip\ndocs ", "/tmp/d-1/leak.zip!/a\n/tmp/other", "/x"} {
		w.Write([]byte(s))
	}
	if got := b.String(); got != "ingest leak.zip\ndocs leak.zip!/a\n" {
		t.Errorf("before flush: %q", got)
	}
	w.flush()
	if got := b.String(); got != "ingest leak.zip\ndocs leak.zip!/a\n/tmp/other/x" {
		t.Errorf("after flush: %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain-word_1.txt", "plain-word_1.txt"},
		{"", "''"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"$HOME;rm", "'$HOME;rm'"},
		{`"weeping angel" OR implant`, `'"weeping angel" OR implant'`},
		{"a!b", "'a!b'"},
	} {
		if got := shellQuote(c.in); got != c.want {
			t.Errorf("shellQuote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
