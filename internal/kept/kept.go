// Package kept holds the one rule by which antidote's long-lived
// processes serve what they keep in memory (token and session lookups,
// encoded pages, the case views): a value younger than its ttl is served;
// once it is older, the first caller to find it so claims the refresh and
// the others go on serving it meanwhile, but never once it is twice the
// ttl old. A change made elsewhere thus shows within ttl plus one refresh,
// and at most 2*ttl, and a busy server does not refresh the same value
// from every request at once. The package owns that rule and a bounded
// map; it does no locking and no I/O.
package kept

import "time"

// Judge says what to do with a value made at made, at now: serve it, or
// else refresh it, claiming the refresh (so that others go on serving it)
// when claim is true. refreshing says another caller has claimed the
// refresh already. A value from the future (the clock went back) is
// refreshed.
func Judge(made, now time.Time, ttl time.Duration, refreshing bool) (serve, claim bool) {
	if now.Before(made) {
		return false, false
	}
	age := now.Sub(made)
	if age < ttl || refreshing && age < 2*ttl {
		return true, false
	}
	return false, age < 2*ttl
}

// Put sets (*m)[k] = v, starting *m again empty when it is nil or holds
// max entries: a bound on memory that the keys (a client's queries, its
// tokens) cannot grow past.
func Put[K comparable, V any](m *map[K]V, k K, v V, max int) {
	if *m == nil || len(*m) >= max {
		*m = map[K]V{}
	}
	(*m)[k] = v
}
