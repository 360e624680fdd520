package main

import (
	"strings"
	"testing"
)

// TestDemo runs the main job end to end, as a new user would.
func TestDemo(t *testing.T) {
	env := map[string]string{"ANTIDOTE_INSECURE_FAST_KDF": "1", "ANTIDOTE_PASSPHRASE": "demo passphrase"}
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
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
