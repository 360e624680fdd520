package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoServe: the demo ends serving its workspace, and a printed
// account logs in.
func TestDemoServe(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes a while")
	}
	env := map[string]string{"ANTIDOTE_INSECURE_FAST_KDF": "1", "XDG_RUNTIME_DIR": t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--serve", "--addr", "127.0.0.1:0"}, lookup, strings.NewReader(""), &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo --serve: %v", err)
		}
	}()
	re := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/`)
	var base string
	for i := 0; i < 12000 && base == ""; i++ {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended: %v\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if base == "" {
		t.Fatalf("demo did not serve:\n%s", stdout.String())
	}
	m := regexp.MustCompile(`(?m)^\s+analyst\s+(demo-[0-9a-f]+)\s+analyst`).FindStringSubmatch(stdout.String())
	if m == nil || !regexp.MustCompile(`(?m)^\s+vendor-\w+\s+demo-`).MatchString(stdout.String()) {
		t.Fatalf("no demo accounts printed:\n%s", stdout.String())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/login", url.Values{"name": {"analyst"}, "password": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		t.Fatalf("demo analyst login: %d", res.StatusCode)
	}
}
