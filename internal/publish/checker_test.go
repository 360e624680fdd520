package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// staticRelease serves a built release as a CSAF provider must: content
// types, directory listings (the index.html the publisher writes), and no
// redirects.
func staticRelease(files map[string][]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		switch {
		case p == "":
			p = "index.html"
		case strings.HasSuffix(r.URL.Path, "/"):
			p += "/index.html"
		}
		b, ok := files[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".json":
			ct = "application/json"
		case ".asc", ".sha256", ".sha512", ".txt", ".csv":
			ct = "text/plain; charset=utf-8"
		case ".atom":
			ct = "application/atom+xml"
		}
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(b))
	})
}

// TestCSAFCheckerTrustedProvider serves the release on loopback over TLS
// and runs BSI's csaf_checker against it: role csaf_trusted_provider must
// pass. The checker is found on PATH or in $ANTIDOTE_CSAF_CHECKER
// (go install github.com/gocsaf/csaf/v3/cmd/csaf_checker@v3.7.0).
func TestCSAFCheckerTrustedProvider(t *testing.T) {
	checker := os.Getenv("ANTIDOTE_CSAF_CHECKER")
	if checker == "" {
		var err error
		if checker, err = exec.LookPath("csaf_checker"); err != nil {
			skipOrFail(t, "csaf_checker is not installed")
		}
	}
	var files map[string][]byte
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		staticRelease(files).ServeHTTP(w, r)
	}))
	srv.StartTLS()
	defer srv.Close()
	in := demoInput(t)
	in.BaseURL = srv.URL
	files = build(t, in).Files

	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, checker, "--insecure", "-f", "json", "-o", report, strings.TrimPrefix(srv.URL, "https://"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("csaf_checker: %v\n%s", err, out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Domains []struct {
			Name         string `json:"domain"`
			Passed       bool   `json:"passed"`
			Role         string `json:"role"`
			Requirements []struct {
				Num         int    `json:"num"`
				Description string `json:"description"`
				Messages    []struct {
					Type int    `json:"type"`
					Text string `json:"text"`
				} `json:"messages"`
			} `json:"requirements"`
		} `json:"domains"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Domains) != 1 {
		t.Fatalf("report has %d domains:\n%s", len(rep.Domains), b)
	}
	d := rep.Domains[0]
	for _, r := range d.Requirements {
		for _, m := range r.Messages {
			if m.Type >= 1 {
				t.Logf("requirement %d (%s): type %d: %s", r.Num, r.Description, m.Type, m.Text)
			}
		}
	}
	if d.Role != "csaf_trusted_provider" || !d.Passed {
		t.Fatalf("csaf_checker: role %q passed %v", d.Role, d.Passed)
	}
}
