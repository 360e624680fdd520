package publish

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium runs Debian's Chromium headless (no sandbox: tests may run as
// root) with the given arguments and returns its standard output.
func chromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--allow-file-access-from-files"}
	out, err := exec.CommandContext(ctx, bin, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}

// TestSiteInBrowser opens the release site from the file system in
// Chromium: the index, a document, an advisory and an offline search, with
// screenshots kept as test artefacts (go test -artifacts).
func TestSiteInBrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		skipOrFail(t, "chromium is not installed")
	}
	dir := t.TempDir()
	writeTree(t, dir, build(t, demoInput(t)).Files)
	page := func(p string) string { return (&url.URL{Scheme: "file", Path: filepath.Join(dir, p)}).String() }

	// The search runs in the page, over the shipped index, from a file.
	dom := chromium(t, bin, "--virtual-time-budget=5000", "--dump-dom", page("index.html")+"?q=sshd+invalid")
	// "invalid" is only in the OpenSSH log (document 1), "sshd" in both.
	if want := `<ol id="search-results"><li><a href="documents/1.html">Document 1: vault7.zip/Android/media-exploit.log</a></li></ol>`; !strings.Contains(dom, want) || !strings.Contains(dom, "1 document matches.") {
		t.Errorf("search for two words: want only document 1 in\n%.3000s", dom)
	}
	if !strings.Contains(dom, `id="search-form" role="search">`) {
		t.Errorf("the search form stayed hidden: the script did not run")
	}
	dom = chromium(t, bin, "--virtual-time-budget=5000", "--dump-dom", page("index.html")+"?q=nosuchwordanywhere")
	if !strings.Contains(dom, "0 documents match.") {
		t.Errorf("a word in no document matched something")
	}

	shots := t.ArtifactDir()
	for name, p := range map[string]string{
		"index":    "index.html",
		"document": "documents/1.html",
		"advisory": "advisories/antidote-2017-0001.html",
		"search":   "index.html",
	} {
		png := filepath.Join(shots, name+".png")
		u := page(p)
		if name == "search" {
			u += "?q=sshd"
		}
		chromium(t, bin, "--virtual-time-budget=5000", "--window-size=1280,1600", "--screenshot="+png, u)
		fi, err := os.Stat(png)
		if err != nil {
			t.Errorf("screenshot of %s: %v", p, err)
		} else if fi.Size() < 10000 {
			t.Errorf("screenshot of %s is only %d bytes", p, fi.Size())
		}
	}
}
