package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns Debian's Chromium, skipping the test where it is not
// installed (CI installs it, and there the test must run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("ANTIDOTE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required in CI (apt-get install chromium)")
	}
	t.Skip("Chromium not installed")
	return ""
}

// artifacts is where the screenshots go: $ANTIDOTE_TEST_ARTIFACTS, else a
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("ANTIDOTE_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowser drives the console and the vendor portal in headless
// Chromium, without any script on the pages: an analyst searches and opens
// a case, a vendor sets a status and comments, two reviewers approve.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	env, base, _ := servedWorkspace(t)
	shots := artifacts(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1200, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first run starts the browser; its context must not time out.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// follow clicks sel and waits for the page it leads to.
	follow := func(step string, sel string) {
		t.Helper()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(css(sel)))
		if err != nil {
			t.Fatalf("%s: click %s: %v", step, sel, err)
		}
		if res.Status != 200 {
			t.Fatalf("%s: click %s: HTTP %d", step, sel, res.Status)
		}
	}
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".jpg"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(name string) {
		t.Helper()
		do("open the login page", chromedp.Navigate(base+"/login"))
		do("fill the login form", chromedp.SendKeys(css("#name"), name), chromedp.SendKeys(css("#password"), "a long enough password"))
		follow("log in as "+name, `form[action="/login"] button`)
	}
	logout := func() {
		t.Helper()
		follow("log out", `form[action="/logout"] button`)
	}

	// The analyst searches, then opens a case.
	login("ana")
	follow("search page", `a[href="/search"]`)
	do("type a query", chromedp.SendKeys(css("#q"), "implant"))
	follow("search", `form[role="search"] button`)
	hits := text("main")
	shot("1-analyst-search")
	follow("case list", `nav a[href="/cases"]`)
	follow("open case 1", `a[href="/cases/1"]`)
	casePage := text("main")
	shot("2-analyst-case")
	logout()
	if !strings.Contains(hits, "1 document(s) match") || !strings.Contains(hits, "implant") {
		t.Errorf("search results: %s", hits)
	}
	if strings.Contains(hits, "8.8.4.4") {
		t.Error("a search snippet shows an identifier")
	}
	if !strings.Contains(casePage, "Implant persistence") || !strings.Contains(casePage, "Google") {
		t.Errorf("case page: %s", casePage)
	}

	// The vendor sets its status and comments on the portal.
	login("apple")
	follow("open case 1", `a[href="/cases/1"]`)
	do("fill the status form", chromedp.SetValue(css("#product"), "iPhone"), chromedp.SetValue(css("#st"), "fixed"),
		chromedp.SendKeys(css("#fixed_version"), "10.3.1"), chromedp.SetValue(css("#release_date"), "2017-04-03"))
	follow("record the status", `form[action="/cases/1/status"] button`)
	do("write a comment", chromedp.SendKeys(css("#text"), "Fixed in iOS 10.3.1."))
	follow("comment", `form[action="/cases/1/comments"] button`)
	portal := text("main")
	shot("3-vendor-case")
	logout()
	if !strings.Contains(portal, "fixed in 10.3.1") || !strings.Contains(portal, "Fixed in iOS 10.3.1.") {
		t.Errorf("vendor portal after status and comment: %s", portal)
	}
	if strings.Contains(portal, "Google") || strings.Contains(portal, "internal") {
		t.Errorf("the vendor portal shows another vendor or the internal thread: %s", portal)
	}

	// Two reviewers approve document 1.
	for i, r := range []string{"rev1", "rev2"} {
		login(r)
		follow("release plan", `a[href="/release"]`)
		follow("approve", `form[action="/release/approvals"] button`)
		shot("4-reviewer-" + string(rune('1'+i)))
		logout()
	}
	audit := mustCLI(t, env, "audit", "list")
	for _, want := range []string{"rev1", "rev2", "release.approve", "apple", "case.status", "case.comment", "search"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	plan := mustCLI(t, env, "release", "plan")
	if strings.Contains(plan, "approvals") {
		t.Errorf("approvals still block: %s", plan)
	}
	t.Logf("screenshots in %s", shots)
}
