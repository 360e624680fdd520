package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"antidote/internal/web/release"
)

// TestServedReleasePassesCSAFChecker publishes a workspace through the
// commands, serves the release with serve's handler over TLS on loopback
// and runs BSI's csaf_checker against it: role csaf_trusted_provider must
// pass (the checker exits 0 either way: the report says).
func TestServedReleasePassesCSAFChecker(t *testing.T) {
	checker := os.Getenv("ANTIDOTE_CSAF_CHECKER")
	if checker == "" {
		var err error
		if checker, err = exec.LookPath("csaf_checker"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("csaf_checker is not installed (required in CI)")
			}
			t.Skip("csaf_checker is not installed")
		}
	}
	dir := t.TempDir()
	leak := filepath.Join(dir, "leak")
	if err := os.MkdirAll(leak, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(leak, "a.txt"), []byte("The implant gives remote code execution on iOS 10.3 devices.\n"), 0o644)
	os.WriteFile(filepath.Join(leak, "b.txt"), []byte("Weekly lunch menu.\n"), 0o644)
	envs := map[string]string{
		"ANTIDOTE_WORKSPACE": filepath.Join(dir, "ws"), "ANTIDOTE_PASSPHRASE": "correct-horse-battery",
		"ANTIDOTE_INSECURE_FAST_KDF": "1", "ANTIDOTE_USER": "tester", "XDG_RUNTIME_DIR": dir,
	}
	lookup := func(k string) (string, bool) { v, ok := envs[k]; return v, ok }
	antidote := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, lookup, strings.NewReader(""), &out, &errb); err != nil {
			t.Fatalf("antidote %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	releaseDir := filepath.Join(dir, "release")
	srv := httptest.NewUnstartedServer(release.Handler(os.DirFS(releaseDir)))
	srv.StartTLS()
	defer srv.Close()

	for _, args := range [][]string{
		{"init"}, {"ingest", "--quiet", leak}, {"vendor", "add", "Apple"}, {"product", "add", "Apple", "iOS"},
		{"findings", "extract"}, {"finding", "accept", "1"},
		{"case", "open", "1", "--vendor", "Apple:iOS", "--at", "2017-03-07"}, {"case", "notify", "1", "--at", "2017-03-08"},
		{"case", "status", "1", "fixed", "--vendor", "Apple:iOS", "--fixed-version", "10.3.1", "--at", "2017-03-27"},
		{"redact", "--all"}, {"verify", "--all"},
		{"release", "approve", "1", "--as", "ana", "--at", "2017-04-01"}, {"release", "approve", "1", "--as", "ben", "--at", "2017-04-01"},
		{"publish", "init", "--name", "Example Newsroom", "--namespace", "https://example.org", "--contact", "security@example.org"},
		{"publish", "--out", releaseDir, "--at", "2017-04-10", "--base-url", srv.URL},
	} {
		antidote(args...)
	}

	report := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, checker, "--insecure", "-f", "json", "-o", report, strings.TrimPrefix(srv.URL, "https://")).CombinedOutput(); err != nil {
		t.Fatalf("csaf_checker: %v\n%s", err, out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Domains []struct {
			Passed bool   `json:"passed"`
			Role   string `json:"role"`
		} `json:"domains"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Domains) != 1 || rep.Domains[0].Role != "csaf_trusted_provider" || !rep.Domains[0].Passed {
		t.Fatalf("csaf_checker report:\n%s", b)
	}
}
