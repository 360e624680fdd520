package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"antidote/internal/auth"
	"antidote/internal/kept"
)

// The case list is the page every user opens first and reloads most. Its
// bytes (the JSON answer, the HTML table) are kept per audience and query
// until the case views change (App.CasesVersion) or pageTTL passes (the
// clocks on the page, "at" and days left, are at most that old; under
// load the first request to find a page old makes it again and the others
// are served the old page meanwhile, up to 2*pageTTL old: package kept's
// rule). After a change
// no one gets the old page: the first request makes the new one and the
// others wait for it.
//
// An audience is a role and a vendor: what the web and the core show of a
// case depends on nothing else of the caller (caseFor, the core's
// projection), so two analysts share a page and two vendors never do.
// Per-user parts of an HTML page (the name, the CSRF token, the menu) are
// not in the kept bytes: the layout is rendered for each request around
// them.

// pageTTL is the age at which a kept page is made again though the case
// views have not changed.
const pageTTL = time.Second

// maxKeptPages bounds the cache (queries are the client's to vary); when
// full it starts again empty.
const maxKeptPages = 1024

type pageKey struct {
	kind   string // "json" or "html"
	role   auth.Role
	vendor int64
	query  string // the raw query: everything the page is made from
}

type keptPage struct {
	version    uint64
	made       time.Time
	refreshing bool // a request is making it again
	body       []byte
}

type pageCache struct {
	mu sync.Mutex
	m  map[pageKey]keptPage
	// making lets one request make a page that is missing or old while
	// the others asking for it wait for its bytes.
	making singleflight.Group
}

// get returns the page kept under k if it was made from version less
// than pageTTL before now, or less than 2*pageTTL while another request
// makes it again; else it reports false and the caller makes it.
func (c *pageCache) get(k pageKey, version uint64, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[k]
	if !ok || p.version != version {
		return nil, false
	}
	serve, claim := kept.Judge(p.made, now, pageTTL, p.refreshing)
	if claim {
		p.refreshing = true
		c.m[k] = p
	}
	if !serve {
		return nil, false
	}
	return p.body, true
}

func (c *pageCache) put(k pageKey, p keptPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept.Put(&c.m, k, p, maxKeptPages)
}

// keptCasePage returns the bytes build makes of r for the caller's
// audience and r's query, from the cache while the case views are those
// it was made from. build's errors are returned and nothing is kept.
func (s *Server) keptCasePage(r *http.Request, kind string, build func(*http.Request) ([]byte, error)) ([]byte, error) {
	id := identity(r)
	// The version is read before the page is made: a change while it is
	// made leaves it under the older version, made again next time.
	version, err := s.app.CasesVersion(r.Context(), id)
	if err != nil {
		return nil, err
	}
	k := pageKey{kind: kind, role: id.Role, vendor: id.Vendor, query: r.URL.RawQuery}
	now := s.now()
	if b, ok := s.kept.get(k, version, now); ok {
		return b, nil
	}
	v, err, _ := s.kept.making.Do(fmt.Sprintf("%d\x00%s\x00%s\x00%d\x00%s", version, k.kind, k.role, k.vendor, k.query), func() (any, error) {
		// Shared with the requests that wait: not cancelled with r.
		b, err := build(r.WithContext(context.WithoutCancel(r.Context())))
		if err == nil {
			s.kept.put(k, keptPage{version: version, made: now, body: b})
		}
		return b, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// frames keeps the layout around kept content (renderKept) per title,
// caller and CSRF token, at most maxKeptPages of them.
type frames struct {
	mu sync.Mutex
	m  map[frameKey]frame
}

type frameKey struct {
	title string
	id    auth.Identity
	csrf  string
}

type frame struct{ head, tail []byte }

func (c *frames) get(k frameKey) (frame, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.m[k]
	return f, ok
}

func (c *frames) put(k frameKey, f frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept.Put(&c.m, k, f, maxKeptPages)
}
