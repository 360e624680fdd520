package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"

	"antidote/internal/detect"
	"antidote/internal/geo"
	"antidote/internal/secret"
)

// Mapping is a replacement and the value it stands for. Whoever keeps
// mappings can reverse redaction: seal them.
type Mapping struct {
	Token string // the token, or the substitute address in prefix-preserving mode
	Kind  detect.Kind
	Value secret.String // the canonical value (detect.Match.Value)
}

// Options configures a Redactor.
type Options struct {
	Key    Key      // required: the pseudonym key
	Policy Policy   // what to redact; start from DefaultPolicy
	Names  []string // names and terms to find as whole words
	// Geo places public IP addresses for tokens and statistics; nil
	// marks every public address XX.
	Geo *geo.DB
	// OnToken receives every replacement made, at least once per distinct
	// value (a bounded cache may forget and report a value again). Stream
	// calls it from one goroutine, in input order; Apply calls it from the
	// caller's goroutine. An error stops the redaction.
	OnToken func(Mapping) error
	// BufferSize is how many bytes Stream reads before it cuts the input
	// into a chunk; 0 means 1 MiB. Memory use is a small multiple of it.
	BufferSize int
	// Workers is how many chunks Stream redacts in parallel; 0 means
	// GOMAXPROCS.
	Workers int
}

// Redactor applies a policy with one key. It is safe for concurrent use.
type Redactor struct {
	opts    Options
	scanner *detect.Scanner
	ppKey   [32]byte
	workers sync.Pool // *worker for Apply
}

// maxCache bounds each worker's memory of values already replaced.
const maxCache = 1 << 16

// New builds a Redactor. It fails without a key or on a name detect cannot
// match (the error names the name's position, not the name).
func New(opts Options) (*Redactor, error) {
	if opts.Key.IsZero() {
		return nil, errors.New("redact: no key: generate one with GenerateKey or read a key file")
	}
	sc, err := detect.New(detect.Options{Names: opts.Names})
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 1 << 20
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	r := &Redactor{opts: opts, scanner: sc}
	m := hmac.New(sha256.New, opts.Key.b.Reveal())
	m.Write([]byte(domain + "prefix-preserving"))
	copy(r.ppKey[:], m.Sum(nil))
	return r, nil
}

// Scanner returns the scanner the Redactor uses, for callers that need to
// scan with the same options (verify, statistics).
func (r *Redactor) Scanner() *detect.Scanner { return r.scanner }

// Policy returns the Redactor's policy.
func (r *Redactor) Policy() Policy { return r.opts.Policy }

// Apply appends to dst the redaction of text, a whole document, and
// returns it with the document's statistics.
func (r *Redactor) Apply(dst, text []byte) ([]byte, Stats, error) {
	w, _ := r.workers.Get().(*worker)
	if w == nil {
		w = r.newWorker()
	}
	defer r.workers.Put(w)
	var t tally
	var fresh []Mapping
	dst = w.redact(dst, text, &t, &fresh)
	if r.opts.OnToken != nil {
		for _, m := range fresh {
			if err := r.opts.OnToken(m); err != nil {
				return dst, t.stats(), err
			}
		}
	}
	return dst, t.stats(), nil
}

// worker holds the per-goroutine state of redaction.
type worker struct {
	r       *Redactor
	ps      *pseudonymizer
	pp      *prefixPreserver
	cache   map[cacheKey]cacheEntry
	matches []detect.Match
	token   []byte
}

type cacheKey struct {
	kind  detect.Kind
	value string
}

type cacheEntry struct {
	repl    string // "" when the policy keeps the value
	country string // public IP addresses: country code or XX
	asn     uint32
	org     string
}

func (r *Redactor) newWorker() *worker {
	return &worker{r: r, ps: newPseudonymizer(r.opts.Key), cache: make(map[cacheKey]cacheEntry)}
}

// redact appends the redaction of text to dst, counting into t and
// appending replacements not made before to fresh.
func (w *worker) redact(dst, text []byte, t *tally, fresh *[]Mapping) []byte {
	pol := &w.r.opts.Policy
	w.matches = w.r.scanner.Scan(w.matches[:0], text)
	t.bytes += int64(len(text))
	prev := 0
	for i := range w.matches {
		m := &w.matches[i]
		if mayHideInToken(m.Kind) && insideToken(text, m.Start, m.End) {
			continue
		}
		act := pol.act[m.Kind][m.Scope]
		t.found[m.Kind]++
		isIP := m.Kind == detect.IPv4 || m.Kind == detect.IPv6
		if act == PrefixPreserve && !isIP {
			act = Redact // only addresses have prefixes
		}
		if act == Keep && !(isIP && m.Scope == detect.Public) {
			if isIP {
				t.scopes[m.Scope]++
			}
			continue
		}
		e := w.entry(m, act, fresh)
		if isIP {
			t.scopes[m.Scope]++
			if m.Scope == detect.Public {
				t.country(e.country)
				if e.asn != 0 {
					t.asn(e.asn, e.org)
				}
			}
		}
		if act == Keep {
			continue
		}
		t.redacted[m.Kind]++
		dst = append(dst, text[prev:m.Start]...)
		dst = append(dst, e.repl...)
		prev = m.End
	}
	return append(dst, text[prev:]...)
}

// entry returns the replacement and place of a match, computing and
// caching it on first sight.
func (w *worker) entry(m *detect.Match, act Action, fresh *[]Mapping) cacheEntry {
	k := cacheKey{m.Kind, m.Value}
	if e, ok := w.cache[k]; ok {
		return e
	}
	var e cacheEntry
	isIP := m.Kind == detect.IPv4 || m.Kind == detect.IPv6
	place := ""
	if isIP {
		if m.Scope == detect.Public {
			e.country = unknownCountry
			if db := w.r.opts.Geo; db != nil {
				if res, ok := db.Lookup(m.Addr); ok {
					if res.Country != "" {
						e.country = res.Country
					}
					e.asn, e.org = res.ASN, res.Org
				}
			}
			place = e.country
		} else {
			place = scopeTag[m.Scope]
			if place == "" {
				place = "RESERVED"
			}
		}
	}
	switch act {
	case Redact:
		w.token = appendToken(w.token[:0], m.Kind, place, w.ps.body(m.Kind, m.Value))
		e.repl = string(w.token)
	case PrefixPreserve:
		if w.pp == nil {
			w.pp = newPrefixPreserver(w.r.ppKey)
		}
		a := m.Addr
		if !a.IsValid() {
			a, _ = netip.ParseAddr(m.Value)
		}
		e.repl = w.pp.anon(a.WithZone("")).String()
	}
	if len(w.cache) >= maxCache {
		clear(w.cache)
	}
	w.cache[k] = e
	if e.repl != "" {
		*fresh = append(*fresh, Mapping{Token: e.repl, Kind: m.Kind, Value: secret.NewString(m.Value)})
	}
	return e
}
