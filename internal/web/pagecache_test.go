package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"antidote/internal/auth"
)

// cacheServer is a test server whose clock the test moves, with a second
// analyst.
func cacheServer(t *testing.T) (*Server, *fakeApp, *time.Time) {
	t.Helper()
	app := newFakeApp()
	clock := t0.AddDate(0, 0, 10)
	acc := newFakeAccounts(idAdmin, idAnalyst, idAnalyst2, idReviewer, idVendorA, idVendorB)
	s, err := New(Config{App: app, Accounts: acc, Admin: &fakeAdmin{}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return s, app, &clock
}

var idAnalyst2 = auth.Identity{Name: "bob", Role: auth.Analyst, Authenticated: true}

func (f *fakeApp) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// TestKeptCaseListAudiences: a kept case list is served to its own
// audience only. Every caller asks in turn, twice, the same query: the
// second round comes from the cache (no call of Cases) and is the same
// bytes as the first; a vendor's bytes are never another audience's and
// hold only its own cases.
func TestKeptCaseListAudiences(t *testing.T) {
	for _, path := range []string{"/api/v1/cases", "/cases", "/api/v1/cases?per_page=2&page=2", "/cases?status=notified"} {
		s, app, _ := cacheServer(t)
		callers := []auth.Identity{idAnalyst, idVendorA, idAdmin, idVendorB, idReviewer}
		first := map[string][]byte{}
		for _, id := range callers {
			w := do(s, id, "GET", path, "")
			if w.Code != 200 {
				t.Fatalf("%s %s: %d", id.Name, path, w.Code)
			}
			first[id.Name] = w.Body.Bytes()
		}
		made := app.count("Cases")
		if made != len(callers) {
			t.Fatalf("%s: %d pages made for %d audiences", path, made, len(callers))
		}
		for _, id := range callers {
			if got := do(s, id, "GET", path, "").Body.Bytes(); !bytes.Equal(got, first[id.Name]) {
				t.Errorf("%s %s: the kept page differs from the one made", id.Name, path)
			}
		}
		if app.count("Cases") != made {
			t.Errorf("%s: the second round made %d pages again, want none", path, app.count("Cases")-made)
		}
		a, b := string(first["apple"]), string(first["google"])
		if a == b {
			t.Fatalf("%s: both vendors got the same bytes", path)
		}
		// Case 1 names Apple alone, case 2 Google alone.
		for _, c := range []struct{ body, other string }{{a, "Finding 2"}, {b, "Finding 1"}} {
			if strings.Contains(c.body, c.other) {
				t.Errorf("%s: a vendor's list shows another vendor's case (%s)", path, c.other)
			}
		}
	}
}

// TestKeptCaseListPerUser: two analysts share the kept table of the HTML
// page but each gets a page with their own name and CSRF token.
func TestKeptCaseListPerUser(t *testing.T) {
	s, app, _ := cacheServer(t)
	ana := do(s, idAnalyst, "GET", "/cases", "").Body.String()
	bob := do(s, idAnalyst2, "GET", "/cases", "").Body.String()
	if app.count("Cases") != 1 {
		t.Fatalf("%d tables made for one audience", app.count("Cases"))
	}
	for _, c := range []struct{ page, mine, theirs string }{{ana, "ana", "bob"}, {bob, "bob", "ana"}} {
		if !strings.Contains(c.page, `value="csrf-sess-`+c.mine+`"`) || strings.Contains(c.page, "csrf-sess-"+c.theirs) {
			t.Errorf("%s's page does not carry %s's CSRF token alone", c.mine, c.mine)
		}
		if !strings.Contains(c.page, `<span class="who">`+c.mine+" ") {
			t.Errorf("%s's page does not name %s", c.mine, c.mine)
		}
		if !strings.Contains(c.page, `href="/cases/3"`) {
			t.Errorf("%s's page lacks the table", c.mine)
		}
	}
	// The same user in another session: that session's CSRF token.
	r := httptest.NewRequest("GET", "/cases", nil)
	r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-ana-new"})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if p := w.Body.String(); !strings.Contains(p, `value="csrf-sess-ana-new"`) || strings.Contains(p, `value="csrf-sess-ana"`) {
		t.Error("a second session of the same user got the first session's CSRF token")
	}
}

// TestKeptCaseListInvalidation: a change of the case views is served at
// once; without one, a kept page is made again after pageTTL (its clocks
// move), not before.
func TestKeptCaseListInvalidation(t *testing.T) {
	s, app, clock := cacheServer(t)
	for _, path := range []string{"/api/v1/cases", "/cases"} {
		if body := do(s, idVendorA, "GET", path, "").Body.String(); !strings.Contains(body, "Finding 1") {
			t.Fatalf("%s: %s", path, body)
		}
	}
	app.retitle(1, "Renamed finding")
	for _, path := range []string{"/api/v1/cases", "/cases"} {
		if body := do(s, idVendorA, "GET", path, "").Body.String(); !strings.Contains(body, "Renamed finding") || strings.Contains(body, "Finding 1") {
			t.Errorf("%s after a change: the kept page was served", path)
		}
	}
	made := app.count("Cases")
	*clock = clock.Add(pageTTL - time.Nanosecond)
	do(s, idVendorA, "GET", "/api/v1/cases", "")
	if app.count("Cases") != made {
		t.Error("a page was made again before pageTTL passed")
	}
	*clock = clock.Add(time.Nanosecond)
	do(s, idVendorA, "GET", "/api/v1/cases", "")
	if app.count("Cases") != made+1 {
		t.Error("a page older than pageTTL was served")
	}
	// A bad query is an error, made every time and never kept.
	for range 2 {
		if w := do(s, idVendorA, "GET", "/api/v1/cases?status=bogus", ""); w.Code != 400 {
			t.Errorf("bad status: %d", w.Code)
		}
	}
}

// TestKeptPagesBounded: the cache holds at most maxKeptPages pages,
// whatever queries clients send.
func TestKeptPagesBounded(t *testing.T) {
	s, _, _ := cacheServer(t)
	for i := range maxKeptPages + 10 {
		do(s, idAnalyst, "GET", "/api/v1/cases?x="+strconv.Itoa(i), "")
	}
	if n := len(s.kept.m); n > maxKeptPages || n == 0 {
		t.Errorf("%d pages kept, bound %d", n, maxKeptPages)
	}
}

// TestKeptCaseListRefresh: a page past pageTTL is made again by the
// request that finds it so; a request arriving meanwhile is served the old
// page rather than waiting or making it too.
func TestKeptCaseListRefresh(t *testing.T) {
	s, app, clock := cacheServer(t)
	old := do(s, idVendorA, "GET", "/api/v1/cases", "").Body.String()
	*clock = clock.Add(pageTTL)
	var during string
	app.duringCases = func() { during = do(s, idVendorA, "GET", "/api/v1/cases", "").Body.String() }
	fresh := do(s, idVendorA, "GET", "/api/v1/cases", "").Body.String()
	if during != old {
		t.Errorf("the request during a remake got %q, want the old page", during)
	}
	if app.count("Cases") != 2 {
		t.Errorf("%d pages made, want 2 (the first and one remake)", app.count("Cases"))
	}
	if fresh == "" || fresh != do(s, idVendorA, "GET", "/api/v1/cases", "").Body.String() {
		t.Error("the remade page is not kept")
	}
}
