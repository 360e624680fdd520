package auth

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"antidote/internal/kept"
)

// lookups keeps what the store said of a bearer token or a session for a
// short while, so that an authenticated request costs no query. It is
// keyed by the keyed hash the store is keyed by (never the raw token or
// session ID), and holds only what the checks need: the record and its
// user. The checks themselves (revoked, expired, idle, disabled) run on
// every request against the clock, as they do on a fresh record.
//
// A change made through the Service (revoke, disable, password, logout)
// empties it at once. A change made by another process (the CLI on the
// same database) is seen when an entry is older than ttl and is asked of
// the store again, by the rule of package kept (one request asks, the
// others go on with the old entry, never once it is twice ttl old): such a
// change shows within ttl and the time of one query, and at most 2*ttl.
// With no entry to go on with,
// concurrent requests wait for one query rather than all asking at once.
type lookups struct {
	mu      sync.Mutex
	gen     uint64 // bumped by forget: a lookup begun before must not be kept
	m       map[[32]byte]lookup
	flights singleflight.Group
}

type lookup struct {
	fetched    time.Time
	refreshing bool // a request is asking the store again
	user       User
	token      Token
	session    Session
}

// maxLookups bounds the cache; when full it starts again empty (a
// server has far fewer live tokens and sessions than this).
const maxLookups = 10000

// get returns the entry for h if it was fetched less than ttl before now
// (or less than 2*ttl, while another get asks the store again), else what
// fetch returns (kept when it succeeds). Concurrent gets of the same h
// with no entry share one fetch, unless forget ran between them.
func (c *lookups) get(h [32]byte, now time.Time, ttl time.Duration, fetch func() (lookup, error)) (lookup, error) {
	c.mu.Lock()
	e, ok := c.m[h]
	gen := c.gen
	if ok {
		serve, claim := kept.Judge(e.fetched, now, ttl, e.refreshing)
		if serve {
			c.mu.Unlock()
			return e, nil
		}
		if claim {
			e.refreshing = true
			c.m[h] = e
		}
	}
	c.mu.Unlock()
	v, err, _ := c.flights.Do(strconv.FormatUint(gen, 10)+"/"+string(h[:]), func() (any, error) {
		e, err := fetch()
		if err != nil {
			c.drop(h, gen) // gone or failing: no one goes on with the old entry
			return e, err
		}
		e.fetched = now
		c.put(h, e, gen)
		return e, nil
	})
	return v.(lookup), err
}

// put keeps e under h unless forget ran since the lookup began (gen).
func (c *lookups) put(h [32]byte, e lookup, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		kept.Put(&c.m, h, e, maxLookups)
	}
}

func (c *lookups) drop(h [32]byte, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		delete(c.m, h)
	}
}

// touched records that the session under h was marked used at t.
func (c *lookups) touched(h [32]byte, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[h]; ok {
		e.session.LastSeen = t
		c.m[h] = e
	}
}

// forget empties the cache: the next lookup of anything asks the store.
func (c *lookups) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
