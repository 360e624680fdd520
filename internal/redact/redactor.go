package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
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
	// makes one call at a time, in input order, from its workers; Apply
	// calls it from the caller's goroutine. An error stops the redaction.
	OnToken func(Mapping) error
	// BufferSize bounds a chunk of Stream's input (Stream cuts chunks of at
	// most 256 KiB in any case) and sets how long a line Stream reads on
	// for a safe cut before it cuts anyway; 0 means 1 MiB. Memory use is a
	// small multiple of it.
	BufferSize int
	// Workers is how many chunks Stream redacts in parallel; 0 means
	// GOMAXPROCS.
	Workers int
}

// Redactor applies a policy with one key. It is safe for concurrent use.
type Redactor struct {
	opts    Options
	scanner *detect.Scanner
	keyed   *detect.Scanner // scanner.KeyedByBits(): what the workers scan with
	emails  *detect.Scanner // e-mail addresses only, to check around tokens
	ppKey   [32]byte
	workers sync.Pool // *worker for Apply and Stream
	chunks  sync.Pool // *chunk for Stream
}

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
	em, err := detect.New(detect.Options{Kinds: []detect.Kind{detect.Email}})
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	r := &Redactor{opts: opts, scanner: sc, keyed: sc.KeyedByBits(), emails: em}
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
	var t tally
	var fresh []Mapping
	dst = w.redact(dst, text, &t, r.wantFresh(&fresh))
	if r.opts.OnToken != nil {
		for _, m := range fresh {
			if err := r.opts.OnToken(m); err != nil {
				// The worker's cache holds values OnToken has not
				// taken: drop it.
				return dst, t.stats(), err
			}
		}
	}
	w.forget()
	r.workers.Put(w)
	return dst, t.stats(), nil
}

// wantFresh returns fresh if there is an OnToken to take what is appended
// to it, else nil: without one, redaction makes no token strings.
func (r *Redactor) wantFresh(fresh *[]Mapping) *[]Mapping {
	if r.opts.OnToken == nil {
		return nil
	}
	return fresh
}

// worker holds the per-goroutine state of redaction.
type worker struct {
	r       *Redactor
	ps      *pseudonymizer
	pp      *prefixPreserver
	cache   *cache
	matches []detect.Match
	token   []byte
	place   []byte
	value   []byte // the canonical text of the value entry keys
	again   []byte // the output of one pass, input to the next
	passes  int    // passes the last redact made, for tests

	// Stream's chunk: its input and output buffers, counts and new
	// tokens, reused from one chunk to the next.
	in, out []byte
	t       tally
	fresh   []Mapping

	suspects     [][2]int // output spans of tokens beside e-mail-like runs
	joins, only  [][2]int // e-mail addresses formed around them
	emailMatches []detect.Match
}

func (r *Redactor) newWorker() *worker {
	return &worker{r: r, ps: newPseudonymizer(r.opts.Key), cache: newCache()}
}

// forget drops the matches of the last text (their values may be secrets)
// before the worker waits in the pool; its cache of tokens stays.
func (w *worker) forget() {
	clear(w.matches)
	clear(w.emailMatches)
	clear(w.value)
	w.matches, w.emailMatches = w.matches[:0], w.emailMatches[:0]
}

// maxPasses bounds how often redact goes over its own output.
const maxPasses = 3

// redact appends the redaction of text to dst, counting into t and
// appending replacements not made before to fresh unless it is nil.
//
// Where identifiers overlap, detect reports the first; the rest of a
// later one can survive beside the token and, joined to it, read as an
// e-mail address ("Alice Martin@example.org" with the name listed gives
// "NAME-...@example.org"). redact then goes over its own output again,
// replacing only such addresses that contain a token, so that verify
// finds nothing and the result depends on no more than the line around
// the token (which keeps Stream's output equal to Apply's).
func (w *worker) redact(dst, text []byte, t *tally, fresh *[]Mapping) []byte {
	start := len(dst)
	t.bytes += int64(len(text))
	dst = w.redactOnce(dst, text, t, fresh, nil)
	w.passes = 1
	for w.passes < maxPasses && w.joined(dst[start:]) {
		w.again = append(w.again[:0], dst[start:]...)
		w.only = append(w.only[:0], w.joins...)
		dst = w.redactOnce(dst[:start], w.again, t, fresh, w.only)
		w.passes++
	}
	return dst
}

// joined finds, in one pass's output, e-mail addresses that contain a
// token the pass wrote beside an e-mail-like run, and leaves their spans
// in w.joins.
func (w *worker) joined(out []byte) bool {
	w.joins = w.joins[:0]
	for _, sp := range w.suspects {
		lo, hi := max(0, sp[0]-320), min(len(out), sp[1]+320)
		w.emailMatches = w.r.emails.Scan(w.emailMatches[:0], out[lo:hi])
		for _, m := range w.emailMatches {
			if lo+m.Start < sp[1] && lo+m.End > sp[0] {
				w.joins = append(w.joins, [2]int{lo + m.Start, lo + m.End})
			}
		}
	}
	return len(w.joins) > 0
}

// overlapsAny reports whether [s,e) overlaps one of the spans.
func overlapsAny(spans [][2]int, s, e int) bool {
	for _, sp := range spans {
		if s < sp[1] && e > sp[0] {
			return true
		}
	}
	return false
}

// redactOnce is one pass of redact. With only non-nil it handles just the
// matches that overlap those spans and counts only what it replaces. It
// records in w.suspects the output spans (relative to where it started
// appending) of tokens written beside an e-mail-like run.
func (w *worker) redactOnce(dst, text []byte, t *tally, fresh *[]Mapping, only [][2]int) []byte {
	pol := &w.r.opts.Policy
	w.matches = w.r.keyed.Scan(w.matches[:0], text)
	w.suspects = w.suspects[:0]
	// Tokens are about as long as what they replace: room for the text
	// and an eighth more at once spares growing the output step by step.
	dst = slices.Grow(dst, len(text)+len(text)/8)
	base := len(dst)
	prev := 0
	for i := range w.matches {
		m := &w.matches[i]
		if only != nil && !overlapsAny(only, m.Start, m.End) {
			continue
		}
		if mayHideInToken(m.Kind) && insideToken(text, m.Start, m.End) {
			continue
		}
		if m.Kept != "" {
			if only == nil {
				t.kept++ // a version number, not an identifier
			}
			continue
		}
		isIP := m.Kind == detect.IPv4 || m.Kind == detect.IPv6
		act := pol.ActionFor(m)
		if act == PrefixPreserve && !isIP {
			act = Redact // only addresses have prefixes
		}
		if only != nil && act == Keep {
			continue
		}
		t.found[m.Kind]++
		if act == Keep && !(isIP && m.Scope == detect.Public) {
			if isIP {
				t.scopes[m.Scope]++
			}
			continue
		}
		repl, country, asn := w.entry(m, act, fresh)
		if isIP {
			t.scopes[m.Scope]++
			if m.Scope == detect.Public {
				t.country(country)
				if asn != 0 {
					t.asn(asn, w.cache.orgs)
				}
			}
		}
		if act == Keep {
			continue
		}
		t.redacted[m.Kind]++
		dst = append(dst, text[prev:m.Start]...)
		if inEmailRun(text, m.Start, m.End) {
			w.suspects = append(w.suspects, [2]int{len(dst) - base, len(dst) - base + len(repl)})
		}
		dst = append(dst, repl...)
		prev = m.End
	}
	return append(dst, text[prev:]...)
}

// inEmailRun reports whether text[start:end] is next to a run of e-mail
// characters that reaches an '@', so that a token put there could become
// part of an address.
func inEmailRun(text []byte, start, end int) bool {
	for i := end; i < len(text) && i < end+320; i++ {
		c := text[i]
		if c == '@' {
			return true
		}
		if !isEmailByte(c) {
			break
		}
	}
	for i := start - 1; i >= 0 && i >= start-320; i-- {
		c := text[i]
		if c == '@' {
			return true
		}
		if !isEmailByte(c) {
			break
		}
	}
	return false
}

func isEmailByte(c byte) bool {
	return isTokenByte(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '\'' || c >= 0x80
}

// entry returns the replacement of a match (empty when the policy keeps
// it) and, for a public IP address, its country and ASN, computing and
// caching them on first sight, and appending the replacement to fresh
// (when not nil). The slices are valid until the worker's next entry.
func (w *worker) entry(m *detect.Match, act Action, fresh *[]Mapping) (repl, country []byte, asn uint32) {
	if e, ok := w.cache.get(m); ok {
		return w.cache.repl(e), w.cache.country(e), e.asn
	}
	var org string
	w.token, w.place = w.token[:0], w.place[:0]
	isIP := m.Kind == detect.IPv4 || m.Kind == detect.IPv6
	place := ""
	if isIP {
		if m.Scope == detect.Public {
			place = unknownCountry
			if db := w.r.opts.Geo; db != nil {
				if res, ok := db.Lookup(m.Addr); ok {
					if res.Country != "" {
						place = res.Country
					}
					asn, org = res.ASN, res.Org
				}
			}
			w.place = append(w.place, place...)
		} else {
			place = scopeTag[m.Scope]
			if place == "" {
				place = "RESERVED"
			}
		}
	}
	// The text of an address is made here, for a value not seen before:
	// the worker's scanner leaves it out (detect.Scanner.KeyedByBits).
	w.value = m.AppendCanonical(w.value[:0])
	switch act {
	case Redact:
		w.token = appendToken(w.token, m.Kind, place, w.ps.body(m.Kind, w.value))
	case PrefixPreserve:
		if w.pp == nil {
			w.pp = newPrefixPreserver(w.r.ppKey)
		}
		a := m.Addr
		if !a.IsValid() {
			a, _ = netip.ParseAddr(string(w.value))
		}
		w.token = w.pp.anon(a.WithZone("")).AppendTo(w.token)
	}
	w.cache.put(w.token, w.place, asn, org)
	if fresh != nil && len(w.token) > 0 {
		*fresh = append(*fresh, Mapping{Token: string(w.token), Kind: m.Kind, Value: secret.NewString(string(w.value))})
	}
	return w.token, w.place, asn
}
