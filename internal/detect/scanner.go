package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest match the scanner reports, except private-key
// blocks (up to 64 KiB). Values and tokens that run longer are cut at
// MaxLen. A streaming caller that cuts its input with SafeCut needs no other
// overlap; one that cuts blindly must carry MaxLen bytes between buffers.
const MaxLen = 4096

// Match is one identifier found in scanned text.
type Match struct {
	Start, End int // byte offsets into the scanned text, End exclusive
	Kind       Kind
	// Value is the canonical form, the input for a pseudonym:
	//   IPv4   dotted decimal, without port, prefix length or defanging
	//   IPv6   RFC 5952 (netip.Addr.String), without zone or port
	//   Email  lower-cased
	//   MAC    lower-case, colon-separated, two digits per byte
	//   Name   the name as listed in Options.Names, surrounding space trimmed
	//   Secret the secret itself, byte for byte. Treat it as a secret: wrap it
	//          in secret.String before it goes anywhere it could be printed.
	Value string
	// Label says what kind of secret a Secret match is: "private-key", a
	// token's issuer and kind ("aws-access-key", "github-token",
	// "slack-webhook", "jwt", ...), or for an assignment by keyword
	// "password", "api-key", "token", "secret". Empty for other kinds.
	Label string
	Scope Scope      // IP addresses only
	Addr  netip.Addr // IP addresses only
	MAC   [6]byte    // MAC addresses only
	// Kept, when not empty, says why this match is reported but is not an
	// identifier to redact: "version" for a dotted quad that context shows
	// to be a version number ("v1.2.3.4", "(>= 1:1.2.3.4)", see
	// versionContext). Redaction leaves kept matches as they are.
	Kept string
}

// Options configures a Scanner.
type Options struct {
	Kinds []Kind   // kinds to find; nil finds all
	Names []string // names to find as whole words: a staff directory, terms
}

// Scanner finds identifiers in text. It is immutable after New and safe for
// concurrent use.
type Scanner struct {
	on    [Secret + 1]bool
	bits  bool // leave Value empty for addresses, see KeyedByBits
	addrs bool // any of IPv4, IPv6, MAC
	colon bool // IPv6 or MAC
	names *nameIndex
	trig  [256]bool  // bytes at which the main loop stops
	act   [256]uint8 // what the fast loop does at a byte
	// The word gate, see gAddr.
	first, last, before [256]uint8
	tok                 [256]uint64 // tokenSecond and netrcSecond, if secrets are found
}

// Fast-loop actions.
const (
	actSkip    = iota // nothing starts here
	actWord           // a word byte whose word cannot start anything
	actWordMay        // a word byte whose word may start something
	actWordTok        // a word byte whose word may start only a token
	actWordAt         // with e-mail on, a byte that may start the word of an at-sign form ("[at]", "%40", "&#64;"), see atFormBefore; then as actWordMay
	actPunct          // ':', '=', '-', '>' or ','
	actHigh           // a non-ASCII byte, with names listed
)

// New builds a Scanner. It fails on an unknown kind or on a listed name it
// cannot match (no letters or digits, too long, invalid UTF-8); the error
// gives the name's 1-based position in the list, never the name.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{}
	if opts.Kinds == nil {
		for k := IPv4; k <= Secret; k++ {
			s.on[k] = true
		}
	}
	for _, k := range opts.Kinds {
		if k < IPv4 || k > Secret {
			return nil, fmt.Errorf("detect: unknown kind %d in options", k)
		}
		s.on[k] = true
	}
	if s.on[Name] && len(opts.Names) > 0 {
		x, err := newNameIndex(opts.Names)
		if err != nil {
			return nil, fmt.Errorf("detect: %w", err)
		}
		s.names = x
	}
	s.addrs = s.on[IPv4] || s.on[IPv6] || s.on[MAC]
	s.colon = s.on[IPv6] || s.on[MAC]
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case isWordByte(b):
			s.trig[c] = s.on[IPv4] || s.on[IPv6] || s.on[MAC] || s.on[Secret] || s.names != nil || s.on[Email] && strings.IndexByte(atWordFirst, b) >= 0
		case b == ':':
			s.trig[c] = s.on[IPv6] || s.on[Secret] || s.on[IPv4] // IPv4: a URL host written as a number
		case b == '=' || b == '-' || b == '>' || b == ',' || b == '"' || b == '\'':
			s.trig[c] = s.on[Secret]
		case b >= utf8.RuneSelf:
			s.trig[c] = s.names != nil || b == 0xEF && s.on[IPv4] // full-width digits
		}
		switch {
		case isWordByte(b):
			// Even a word that starts nothing is skipped as a whole,
			// so that the fast loop meets words only at their start.
			s.act[c] = actWord
			switch {
			case !s.trig[c]:
			case s.on[Email] && strings.IndexByte(atWordFirst, b) >= 0:
				s.act[c] = actWordAt
			case s.names != nil || isHex(b) && (s.on[IPv4] || s.on[IPv6] || s.on[MAC]) || s.on[Secret] && isDigit(b):
				s.act[c] = actWordMay
			case s.on[Secret] && tokenSecond[b]|netrcSecond[b] != 0:
				s.act[c] = actWordTok
			}
		case !s.trig[c]:
			s.act[c] = actSkip
		case b >= utf8.RuneSelf:
			s.act[c] = actHigh
		default:
			s.act[c] = actPunct
		}
	}
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isHex(b) && s.addrs {
			s.first[c] |= gAddr
		}
		if isDigit(b) && s.on[Secret] {
			s.first[c] |= gTg
		}
		if isDigit(b) && s.on[IPv4] {
			s.last[c] |= gGlue
		}
		if s.on[Secret] {
			s.tok[c] = tokenSecond[c] | netrcSecond[c]
		}
		if s.act[c] == actWordAt {
			s.first[c] |= gAt
		}
		if escapeIntro[c] && s.addrs {
			s.before[c] |= gEsc
		}
		if atIntro[c] {
			s.before[c] |= gAt
		}
	}
	return s, nil
}

// KeyedByBits returns a Scanner that finds what s finds, but leaves Value
// empty for IPv4, IPv6 and MAC matches: a caller that keys its work by
// Match.Addr or Match.MAC asks Match.Canonical for the text only when it
// needs it, and saves formatting and allocating it per match (a fifth of
// scanning text dense with addresses). The two share their name list.
func (s *Scanner) KeyedByBits() *Scanner {
	c := *s
	c.bits = true
	return &c
}

// Canonical returns Value, or for an address match of a KeyedByBits
// scanner the text Value would have held.
func (m *Match) Canonical() string {
	if m.Value != "" {
		return m.Value
	}
	return string(m.AppendCanonical(nil))
}

// AppendCanonical appends Canonical's text to dst, without making a string
// of an address: a redactor keys values by this text, and on text dense
// with fresh addresses a string each is garbage the collector must chase.
func (m *Match) AppendCanonical(dst []byte) []byte {
	if m.Value != "" {
		return append(dst, m.Value...)
	}
	switch m.Kind {
	case IPv4, IPv6:
		if m.Addr.IsValid() {
			return m.Addr.AppendTo(dst)
		}
	case MAC:
		return appendMAC(dst, m.MAC)
	}
	return dst
}

// Candidate ranks break ties between candidates with the same span: the
// more specific reading wins.
const (
	rankPEM = iota
	rankToken
	rankEmail
	rankIPv6
	rankIPv4
	rankMAC
	rankAssign
	rankName
)

type cand struct {
	start, end int
	kind       Kind
	rank       uint8
	label      string
	addr       netip.Addr
	mac        [6]byte
	name       int32 // Name: the listed name; Email: 1 if defanged
	kept       uint8 // IPv4: a reason to keep it, see versionContext
}

// secretCand is a Secret candidate with the given label.
func secretCand(start, end int, rank uint8, label string) cand {
	return cand{start: start, end: end, kind: Secret, rank: rank, label: label}
}

// offer keeps the earlier of two candidates, or the longer of two that
// start at the same offset, or the better-ranked one if they are equally
// long.
func (c *cand) offer(o cand) {
	if c.end == 0 || o.start < c.start || o.start == c.start && (o.end > c.end || o.end == c.end && o.rank < c.rank) {
		*c = o
	}
}

// Scan appends to dst the identifiers in text and returns the extended
// slice. Matches are sorted by Start and do not overlap: where candidates
// overlap, the one that starts first wins, then the longer, then the more
// specific (private key, token, e-mail, IPv6, IPv4, MAC, credential
// assignment, name).
func (s *Scanner) Scan(dst []Match, text []byte) []Match {
	n := len(text)
	// E-mail addresses at '@', see emailCursor; the rarer at-sign forms
	// ("[at]", "%40", "&#64;") are found at their word, see atFormBefore.
	base := len(dst)
	var em emailCursor
	em.start = -1
	if s.on[Email] {
		em.init(text)
	}
	pend := cand{start: -1}  // a credential value that starts after a separator
	upend := cand{start: -1} // a password in a URL, see urlPasswordAt
	var far []cand           // passwords some way after their triggers (curl's, a .netrc line's), by start
	var pc pemCache
	var vc values
	midWord := -1 // where a match ended inside a word
	i := 0
	for i < n {
		lim := n
		if em.start >= 0 {
			lim = em.start
		}
		if pend.start >= 0 && pend.start < lim {
			lim = pend.start
		}
		if upend.start >= 0 && upend.start < lim {
			lim = upend.start
		}
		if len(far) > 0 && far[0].start < lim {
			lim = far[0].start
		}
		// The fast loop: skip bytes and words where nothing can start. At a
		// word start it runs the word detectors itself, so that a word is
		// looked at once; done says best holds their verdict for i.
		var best cand
		var done bool
		if i == midWord && i < lim && s.on[IPv4] {
			// A match ended inside a word; what follows in the word may
			// still end with an address's first octet ("0.0.0.0A0.0.0.0").
			if isDigit(text[i]) {
				s.ipv4At(text, i, &best)
			} else {
				s.innerIPv4(text, i, &best)
			}
			if best.end > 0 && best.start >= i && best.start < lim {
				i, done = best.start, true
			} else {
				best = cand{}
			}
		}
		if !done {
			if s.names != nil {
				i, done = s.fastNames(text, i, lim, &best)
			} else {
				i, done = s.fast(text, i, lim, &best)
			}
		}
		if i >= n {
			break
		}
		if !done && s.act[text[i]] == actWordAt {
			if st, e, ok := atWordEmail(text, i); ok {
				// An address whose local part the loop has passed: it
				// wins over the matches made since its start, unless one
				// made before overlaps it.
				if k, ok := takeBack(dst, base, st); ok {
					dst = dst[:k]
					best = cand{start: st, end: e, kind: Email, rank: rankEmail, name: 1}
					done = true
				}
			}
		}
		if i == em.start {
			c := cand{start: em.start, end: em.end, kind: Email, rank: rankEmail}
			if !em.plain {
				c.name = 1
			}
			best.offer(c)
		}
		if i == pend.start {
			best.offer(pend)
			pend.start = -1
		}
		if i == upend.start {
			best.offer(upend)
			upend.start = -1
		}
		for len(far) > 0 && far[0].start == i {
			best.offer(far[0])
			far = far[1:]
		}
		c := text[i]
		adv := i + 1
		word := false // at a word byte: with no match, the loop goes past the word
		switch {
		case c < utf8.RuneSelf && isWordByte(c):
			if !done && (i == 0 || !isWordByte(text[i-1])) {
				s.wordStart(text, i, &best)
				if (best.end == 0 || best.rank > rankIPv4) && s.on[IPv4] {
					// Also past a pending credential: an address glued
					// to letters is the more specific reading of the
					// same span ("pass=A0.0.0.0").
					s.innerIPv4(text, i, &best)
				}
			}
			if (c == 'm' || c == 'd') && s.on[Secret] {
				if vs, ve, ok := netrcPassword(text, i); ok {
					far = addFar(far, secretCand(vs, ve, rankAssign, "password"))
				}
			}
			word = true
		case c == ':':
			if s.on[IPv6] && i+1 < n && text[i+1] == ':' {
				s.ipv6At(text, i, &best)
			}
			if s.on[IPv4] && i+2 < n && text[i+1] == '/' && text[i+2] == '/' {
				if st, e, a, ok := numericURLHost(text, i+3); ok {
					far = addFar(far, cand{start: st, end: e, kind: IPv4, rank: rankIPv4, addr: a})
				}
			}
			if s.on[Secret] {
				if vs, ve, ok := urlPasswordAt(text, i); ok {
					upend = secretCand(vs, ve, rankAssign, "password")
				}
			}
			fallthrough
		case c == '=' || c == '>' || c == ',':
			if s.on[Secret] {
				if vs, ve, label, ok := scanAssignment(text, i); ok {
					setPend(&pend, secretCand(vs, ve, rankAssign, label))
				}
			}
		case c == '-':
			if s.on[Secret] {
				if e, ok := scanPEM(text, i, &pc); ok {
					best.offer(secretCand(i, e, rankPEM, "private-key"))
				}
				if i+1 < n && text[i+1] == '-' {
					if vs, ve, label, ok := flagAssignment(text, i); ok {
						setPend(&pend, secretCand(vs, ve, rankAssign, label))
					}
				}
				if vs, ve, ok := dashPPassword(text, i); ok {
					setPend(&pend, secretCand(vs, ve, rankAssign, "password"))
				}
				if vs, ve, ok := curlPassword(text, i); ok {
					far = addFar(far, secretCand(vs, ve, rankAssign, "password"))
				}
			}
		case c == '"' || c == '\'':
			if s.on[Secret] {
				j := i
				for j > 0 && i-j < 8 && text[j-1] == ' ' {
					j--
				}
				if j < i {
					if vs, ve, label, ok := scanAssignment(text, j); ok {
						setPend(&pend, secretCand(vs, ve, rankAssign, label))
					}
					if vs, ve, ok := identifiedValue(text, i); ok {
						setPend(&pend, secretCand(vs, ve, rankAssign, "password"))
					}
				} else if vs, ve, ok := passwordFunc(text, i); ok {
					setPend(&pend, secretCand(vs, ve, rankAssign, "password"))
				}
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(text[i:])
			adv = i + size
			if s.on[IPv4] && r >= '０' && r <= '９' {
				s.ipv4At(text, i, &best)
			}
			if s.names != nil && wordStartAt(text, i, r) {
				s.nameAt(text, i, &best)
			}
		}
		if best.rank == rankAssign && best.end > 0 && s.on[Email] {
			// A credential value may overlap an address with a rare
			// at-sign form, which the loop does not visit inside it; the
			// address wins if it starts first, or with the value and
			// runs as far.
			if st, e, ok := valueEmailAt(text, best.start, best.end); ok && (st < best.start || e >= best.end) {
				if k, ok := takeBack(dst, base, st); ok {
					dst = dst[:k]
					best = cand{start: st, end: e, kind: Email, rank: rankEmail, name: 1}
				}
			}
		}
		if best.end > 0 && best.start < i {
			// A host name label that began before the loop's word
			// ("ip-216-69-169-168"): it wins over the matches made
			// since its start, unless one made before overlaps it.
			if k, ok := takeBack(dst, base, best.start); ok {
				dst = dst[:k]
			} else {
				best = cand{}
			}
		}
		if best.end > 0 {
			dst = s.appendMatch(dst, text, &best, &vc)
			i = best.end
			if i < n && i > 0 && isWordByte(text[i]) && isWordByte(text[i-1]) {
				midWord = i
			}
			if pend.start >= 0 && pend.start < i {
				pend.start = -1
			}
			if upend.start >= 0 && upend.start < i {
				upend.start = -1
			}
			for len(far) > 0 && far[0].start < i {
				far = far[1:]
			}
			if s.on[Secret] {
				// Only a credential can end with a separator; any match
				// can end with a flag ("--password" before a space).
				if e := best.end; best.kind == Secret || e < n && text[e] == ' ' && kwLast[text[e-1]] {
					if c, ok := tailAssignment(text, best.start, e); ok && (pend.start < 0 || c.start < pend.start) {
						pend = c
					}
				}
				if best.kind == Secret && best.rank != rankToken {
					if c, ok := tailURLPassword(text, best.start, best.end); ok && (upend.start < 0 || c.start < upend.start) {
						upend = c
					}
				}
				if best.kind == Secret && best.rank != rankToken || best.kind == Name {
					far = tailCommand(text, best.start, best.end, far)
				}
			}
		} else {
			if word {
				hi := min(n, lim)
				if hi <= i {
					hi = n
				}
				for adv < hi && isWordByte(text[adv]) {
					adv++
				}
			}
			i = adv
		}
		em.advance(text, i)
	}
	return dst
}

// fast is the scanner's inner loop: it skips from i, up to lim, the bytes
// and words where nothing can start, and stops where something may. It
// goes word by word: past its first byte, every word byte it meets starts
// a word, so it never looks back at the byte before. At a word it reads
// the whole word first, and runs the word detectors (wordStart) only when
// the word's first and last bytes, the bytes around it and its length
// allow one of them to start (see gAddr and wordNone); done says best
// holds their verdict for the returned offset. It is a function of its
// own so that its few variables stay in registers.
func (s *Scanner) fast(text []byte, i, lim int, best *cand) (int, bool) {
	seg := text[:lim]
	var cr colonRun
	if i > 0 && i < len(seg) && isWordByte(seg[i-1]) {
		// Inside a word that started before i: nothing starts in it.
		for i < len(seg) && isWordByte(seg[i]) {
			i++
		}
	}
	for i < len(seg) {
		a := s.act[seg[i]]
		switch a {
		case actSkip:
			i++
			continue
		case actPunct:
			// Inline rejects for the common cases: clock times
			// ("10:30:00") and single dashes.
			if c := seg[i]; c == ':' && i > 0 && isDigit(seg[i-1]) && i+1 < len(text) && text[i+1] != ':' && text[i+1] != '/' ||
				c == '-' && (i+1 >= len(text) || text[i+1] != '-' && text[i+1] != 'p' && text[i+1] != 'u') ||
				(c == '"' || c == '\'') && (i == 0 || seg[i-1] != ' ' && seg[i-1] != '(') {
				i++
				continue
			}
			// And what punctMay would reject for want of a keyword
			// before ("status:", "uid=", "sshd[24200]:", "1,").
			if c := seg[i]; i > 0 && (c == '=' || c == '>' || c == ':' && (i+1 >= len(text) || text[i+1] != ':' && text[i+1] != '/')) && noKwEnd[seg[i-1]] ||
				c == ',' && i > 0 && seg[i-1] != '"' && seg[i-1] != '\'' {
				i++
				continue
			}
			if s.punctMay(text, i) {
				return i, false
			}
			i++
			continue
		case actHigh:
			return i, false
		}
		// A word starts at ws.
		ws, c := i, seg[i]
		var pb uint8 // what the byte before the word allows, see gAddr
		if i > 0 {
			pb = s.before[seg[i-1]]
		}
		if pb&s.first[c]&gAt != 0 {
			return i, false // maybe an at-sign form, see atFormBefore
		}
		i++
		for i < len(seg) && class[seg[i]]&cWord != 0 {
			i++
		}
		if i < len(seg) {
			// One test for the common word, where nothing can start:
			// what its first and last bytes and the byte before it
			// allow, masked by what the byte after it allows; then
			// wordNone for the numbers and dotted names that pass it.
			tok := uint8(s.tok[c]>>(seg[ws+1]-'@')&1) * gTok // tokenStart, without branches
			g := s.first[c] | tok | s.last[seg[i-1]] | pb
			if m := g & after[seg[i]]; m == 0 || m&^(gAddr|gTg|gGlue) == 0 && wordNone(text, ws, i, m, &cr) {
				continue
			}
		}
		if a == actWordMay || a == actWordAt || a == actWordTok && ws+1 < len(text) && tokenStart(c, text[ws+1]) {
			s.wordStart(text, ws, best)
			if best.end > 0 {
				return ws, true
			}
		}
		if (c == 'm' || c == 'd') && s.on[Secret] && netrcWord(seg[ws:i]) {
			return ws, false // a .netrc line's first word, see netrcPassword
		}
		// A word that ends with an address's first octet, glued to its
		// letters ("srcIP8.8.8.8", "host129.206.196.21.example.com").
		if i < len(seg) && s.on[IPv4] && isDigit(seg[i-1]) && octetGlue(seg[i]) && (i-ws > 4 || !isDigit(seg[ws]) || !allDigits(seg[ws:i])) {
			s.innerIPv4End(text, ws, i, best)
			if best.end > 0 {
				return ws, true
			}
		}
	}
	return i, false
}

// fastNames is fast for a Scanner with names listed, where every word may
// start a name: it runs wordStart at every word start as it meets it, and
// has no word gate.
func (s *Scanner) fastNames(text []byte, i, lim int, best *cand) (int, bool) {
	seg := text[:lim]
	for i < len(seg) {
		switch s.act[seg[i]] {
		case actSkip:
			i++
			continue
		case actPunct:
			// fast's inline rejects, then punctMay. Copied rather than
			// shared: a call in fast's loop costs it about 10% on logs.
			if c := seg[i]; c == ':' && i > 0 && isDigit(seg[i-1]) && i+1 < len(text) && text[i+1] != ':' && text[i+1] != '/' ||
				c == '-' && (i+1 >= len(text) || text[i+1] != '-' && text[i+1] != 'p' && text[i+1] != 'u') ||
				(c == '"' || c == '\'') && (i == 0 || seg[i-1] != ' ' && seg[i-1] != '(') ||
				i > 0 && (c == '=' || c == '>' || c == ':' && (i+1 >= len(text) || text[i+1] != ':' && text[i+1] != '/')) && noKwEnd[seg[i-1]] ||
				c == ',' && i > 0 && seg[i-1] != '"' && seg[i-1] != '\'' ||
				!s.punctMay(text, i) {
				i++
				continue
			}
			return i, false
		case actHigh:
			return i, false
		}
		ws := i
		begin := i == 0 || class[seg[i-1]]&cWord == 0
		if s.act[seg[i]] == actWordAt && i > 0 && atIntro[seg[i-1]] {
			return i, false // maybe an at-sign form, see atFormBefore
		}
		if begin {
			s.wordStart(text, i, best)
			if best.end > 0 {
				return i, true
			}
		}
		i++
		for i < len(seg) && class[seg[i]]&cWord != 0 {
			i++
		}
		if begin && s.on[Secret] && netrcWord(seg[ws:i]) {
			return ws, false // a .netrc line's first word, see netrcPassword
		}
		// A word that ends with an address's first octet, glued to its
		// letters ("srcIP8.8.8.8", "host129.206.196.21.example.com").
		if begin && i < len(seg) && s.on[IPv4] && isDigit(seg[i-1]) && octetGlue(seg[i]) && (i-ws > 4 || !isDigit(seg[ws]) || !allDigits(seg[ws:i])) {
			s.innerIPv4End(text, ws, i, best)
			if best.end > 0 {
				return ws, true
			}
		}
	}
	return i, false
}

// The word gate: bits that say what a word may start, from its first and
// last bytes and the byte before it (Scanner.first, last, before), and
// what the byte after it allows (after). A word whose bits and after's
// share none starts nothing, and the fast loop passes it with one test;
// for the others wordNone, wordStart and the glue test decide.
const (
	gAddr = 1 << iota // first: a hex digit, where an address may start before a separator
	gTg               // first: a digit, where a Telegram token may start before ':'
	gGlue             // last: a digit, maybe an address's first octet before a separator
	gTok              // first two bytes: a token or a .netrc line may start (from Scanner.tok)
	gEsc              // before: an escape introducer, see escapeNameLen
	gAt               // first and before: maybe an at-sign form, see atFormBefore
)

// after is the word gate's mask for the byte after a word.
var after = func() (t [256]uint8) {
	for c := range t {
		t[c] = gTok | gEsc
		if addrSepMax[c] > 0 {
			t[c] |= gAddr
		}
		if c == ':' {
			t[c] |= gTg
		}
		if octetGlue(byte(c)) {
			t[c] |= gGlue
		}
	}
	return t
}()

// wordNone reports, for the word text[ws:e] with gate bits m (see gAddr)
// where only an address, a Telegram token or a dotted quad glued to the
// word could start (no escape before it, not a token's first bytes, no
// names listed), that none does. It follows wordStart's address switch
// and the glue test, and rules out at a glance what they would find
// nothing in: the commonest numbers of logs, clock times ("17:41:44"),
// dates ("2015-07-29"), decimals ("0.2477829") and dotted names
// ("dfs.DataNode"). False means wordStart and the glue test must decide.
func wordNone(text []byte, ws, e int, m uint8, cr *colonRun) bool {
	n, l, sep := len(text), e-ws, text[e]
	if m&gGlue != 0 && (l > 4 || !isDigit(text[ws]) || !allDigits(text[ws:e])) {
		return false // the glue test decides
	}
	if m&gTg != 0 && l >= 8 && l <= 10 {
		return false // maybe a Telegram token
	}
	if m&gAddr == 0 || l > int(addrSepMax[sep]) || e+1 >= n {
		return true
	}
	for _, c := range text[ws:e] {
		if !isHex(c) {
			return true // the hex digits end inside the word
		}
	}
	c, next := text[ws], text[e+1]
	switch sep {
	case ':':
		// colonAt needs five colons or a "::" in the run of hex digits,
		// colons and dots from ws; a run that has neither has them from
		// none of its later groups either.
		if !isHex(next) && next != ':' || cr.holds(ws) {
			return true
		}
		colons := 0
		r := e
		for ; r < n && r-ws < maxV6Text; r++ {
			c := text[r]
			if c == ':' {
				if colons++; colons >= 5 || text[r-1] == ':' {
					return false
				}
			} else if c != '.' && class[c]&cHex == 0 {
				break
			}
		}
		if r-ws < maxV6Text {
			cr.from, cr.to = ws, r
		}
		return true
	case '-':
		// A MAC needs pairs and dashes ("01-23-45-..."), a dashed
		// address a second octet and dash ("10-0-0-1").
		if l == 2 && e+3 < n && isHex(next) && isHex(text[e+2]) && text[e+3] == '-' {
			return false
		}
		if l <= 3 && isDigit(c) && isDigit(next) {
			j := e + 1
			for j < n && j-e <= 4 && isDigit(text[j]) {
				j++
			}
			if j-e <= 4 && j < n && text[j] == '-' {
				return false
			}
		}
		// A dashed IPv6 address: eight groups or a "--". A date
		// ("2015-07-29 ") has three; most runs have no '-' after their
		// second group.
		if l == 4 && e+6 < n && text[e+3] == '-' && isDigit(next) && isDigit(text[e+5]) && !isHex(text[e+6]) && text[e+6] != '-' {
			return true
		}
		if next != '-' {
			j := e + 1
			for j < n && j-e <= 4 && isHex(text[j]) {
				j++
			}
			if j >= n || text[j] != '-' {
				return true
			}
		}
		return !dashed6May(text, ws, e)
	case '.':
		if l == 4 {
			return !isHex(next) // Cisco's "0123.4567.89ab"
		}
		if l == 1 && isHex(next) && e+2 < n && text[e+2] == '.' && !(isDigit(c) && isDigit(next)) && !(ws >= 2 && text[ws-1] == '.' && isHex(text[ws-2])) {
			return false // maybe a PTR name's nibbles, not from inside a run of them
		}
		if !isDigit(c) {
			return true
		}
		// A dotted quad: a second octet of one to three ASCII digits and
		// a separator, as scanIPv4 reads it; a full-width digit is left
		// to it.
		j := e + 1
		for j < n && j-e <= 4 && isDigit(text[j]) {
			j++
		}
		switch d := j - e - 1; {
		case d == 0:
			return next != 0xEF
		case d > 3:
			return true
		}
		return j < n && !octetGlue(text[j]) || j >= n
	}
	return false
}

// colonRun is a run of hex digits, colons and dots text[from:to] with
// fewer than five colons and no "::": no colon form starts in it, from
// any of its groups.
type colonRun struct{ from, to int }

// holds reports whether a colon form starting at p is ruled out.
func (cr *colonRun) holds(p int) bool { return p > cr.from && p < cr.to }

// noKwEnd holds the bytes before which kwTail finds no keyword: neither
// the last letter of one nor a space or quote it would pass over.
var noKwEnd = func() (t [256]bool) {
	for c := range t {
		t[c] = !kwLast[c] && c != ' ' && c != '\t' && c != '"' && c != '\''
	}
	return t
}()

// atIntro holds the bytes before the word of an at-sign form, see
// atFormBefore.
var atIntro = [256]bool{'[': true, '(': true, '%': true, '#': true}

// addrSepMax maps the bytes that may follow the first group of an address
// (IPv4, IPv6 or MAC) to the longest group before them: four hex digits
// before ':' (IPv6) or '.' ("0123.4567.89ab" MACs), three digits before
// '-' (dashed IPv6 addresses in host names; dashed IPv4 ones have three,
// "01-23-..." MACs two) and the other IPv4
// separators. Zero for the rest: no address starts there.
var addrSepMax = [256]uint8{':': 4, '.': 4, '-': 4, '[': 3, '(': 3, '{': 3, '&': 3, 0xEF: 3}

// escapeIntro holds the last bytes of the introducers escapeNameLen reads.
var escapeIntro = [256]bool{'%': true, '\\': true, '(': true, '*': true}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// octetGlue reports the bytes that may follow the first octet of an
// address: a separator or its first byte.
func octetGlue(c byte) bool {
	return c == '.' || c == '-' || c == '[' || c == '(' || c == '{' || c == '&' || c == 0xEF
}

// takeBack decides for an address that starts at st, behind the loop:
// the matches made since st (in dst[base:]) lose to it, unless one made
// before overlaps it. It returns how many matches of dst to keep.
func takeBack(dst []Match, base, st int) (int, bool) {
	k := len(dst)
	for k > base && dst[k-1].Start >= st {
		k--
	}
	return k, k == base || dst[k-1].End <= st
}

// setPend makes c the pending candidate, a credential value that starts
// after the separator the loop is at; of two with the same start it keeps
// the better.
func setPend(pend *cand, c cand) {
	if pend.start == c.start {
		pend.offer(c)
		return
	}
	*pend = c
}

// addFar adds c to the candidates that wait for the loop some way after
// their triggers, kept in order of start. Two triggers may give values
// in either order ("curl -u 'machine h password x y:pw'"), so each waits
// its turn; there are seldom more than one.
func addFar(far []cand, c cand) []cand {
	k := len(far)
	for k > 0 && far[k-1].start > c.start {
		k--
	}
	return slices.Insert(far, k, c)
}

// tailAssignment finds a credential separator inside the match [st, e) whose
// value starts at or after e, as in `pwd=x= y` (the value "x=" holds a
// second "x=" whose value is "y"), or the space after a command-line flag
// that ends the match. The main loop skips the inside of a match and stops
// at no space, so it would not see that separator.
func tailAssignment(text []byte, st, e int) (cand, bool) {
	j := e
	for j > st {
		if c := text[j-1]; c != ' ' && c != '\t' && c != '"' && c != '\'' && c != '`' {
			break
		}
		j--
	}
	var best cand
	found := false
	for k := j; k >= st && k >= j-2; k-- {
		if k == len(text) {
			continue
		}
		if c := text[k]; c != ':' && c != '=' && c != '>' && c != ',' && !(c == ' ' && k == j && kwLast[text[k-1]] && kwTail(text, k) != 0) {
			continue
		}
		if vs, ve, label, ok := scanAssignment(text, k); ok && vs >= e {
			if !found || vs < best.start || vs == best.start && ve > best.end {
				best = secretCand(vs, ve, rankAssign, label)
				found = true
			}
		}
	}
	return best, found
}

// tailURLPassword finds a URL inside the credential or key [st, e) whose
// password starts at or after e. The main loop skips the inside of a
// match, so it would not see the URL's "://".
func tailURLPassword(text []byte, st, e int) (cand, bool) {
	var best cand
	found := false
	for k := st; k+2 < e; k++ {
		if text[k] != ':' || text[k+1] != '/' || text[k+2] != '/' {
			continue
		}
		if vs, ve, ok := urlPasswordAt(text, k); ok && vs >= e && (!found || vs < best.start) {
			best, found = secretCand(vs, ve, rankAssign, "password"), true
		}
	}
	return best, found
}

// punctMay is a cheap test that the separator at text[i] may start
// something; it looks at ':', '=', '-', '>' and ','.
func (s *Scanner) punctMay(text []byte, i int) bool {
	switch text[i] {
	case ':':
		if s.on[IPv6] && i+1 < len(text) && text[i+1] == ':' {
			return true
		}
		if (s.on[Secret] || s.on[IPv4]) && i+2 < len(text) && text[i+1] == '/' && text[i+2] == '/' {
			return true // a URL password, or a host written as a number
		}
	case '-':
		return i+1 < len(text) && (text[i+1] == '-' || text[i+1] == 'p' || text[i+1] == 'u')
	case '"', '\'':
		// "password 'x'": a quote after a space after a keyword; or
		// after SQL's "BY", see identifiedValue
		if i > 0 && text[i-1] == '(' {
			return passwordFuncBefore(text, i-1) // "PASSWORD('x')"
		}
		j := i
		for j > 0 && i-j < 8 && text[j-1] == ' ' {
			j--
		}
		if j == i || j == 0 || !kwLast[text[j-1]] {
			return false
		}
		return kwTail(text, j) != 0 || j >= 2 && lower[text[j-1]] == 'y' && lower[text[j-2]] == 'b'
	case ',':
		if i == 0 || text[i-1] != '"' && text[i-1] != '\'' {
			return false
		}
	}
	return kwTail(text, i) != 0
}

// wordStart tries every detector that can start at the ASCII word start p.
// It looks at the first few bytes before calling a detector, so that an
// ordinary word costs a handful of table lookups: every address starts with
// a run of at most four hex digits and a separator, and goes on after the
// separator with a hex digit (or a second ':', or a defanged dot).
func (s *Scanner) wordStart(text []byte, p int, best *cand) {
	c := text[p]
	n := len(text)
	k := 0 // hex digits at p, counted up to five
	if isHex(c) && s.addrs {
		// addrAt, inline: this runs at every word that starts with a hex
		// digit.
		k = hexRun5(text, p)
		if p+k+1 < n {
			next := text[p+k+1]
			switch text[p+k] {
			case ':':
				if k <= 4 && s.colon && (isHex(next) || next == ':') {
					s.colonAt(text, p, k, best)
				}
			case '-':
				if k == 2 && s.on[MAC] && isHex(next) {
					s.macAt(text, p, best)
				}
				if k <= 3 && isDigit(c) && s.on[IPv4] && isDigit(next) {
					s.dashed4At(text, p, best)
				}
				if k <= 4 && s.on[IPv6] && dashed6May(text, p, p+k) {
					s.dashed6At(text, p, best)
				}
			case '.':
				if k == 1 && s.on[IPv6] && isHex(next) {
					s.nibble6At(text, p, best)
				}
				if k <= 3 && isDigit(c) && s.on[IPv4] && (isDigit(next) || next == 0xEF) {
					s.ipv4At(text, p, best)
				}
				if k == 4 && s.on[MAC] && isHex(next) {
					s.macAt(text, p, best)
				}
			case '[', '(', '{', '&', 0xEF:
				if k <= 3 && isDigit(c) && s.on[IPv4] {
					s.ipv4At(text, p, best)
				}
			}
		}
	}
	if s.addrs && p > 0 && escapeIntro[text[p-1]] {
		// An address after an escape: "%2F1.2.3.4" starts a word "2F1",
		// "\fB8.8.8.8" a word "fB8".
		if e := escapeNameLen(text, p); e > 0 && p+e < n {
			if q := p + e; isHex(text[q]) {
				s.addrAt(text, q, best)
			} else if text[q] == 0xEF && s.on[IPv4] {
				s.ipv4At(text, q, best)
			}
		}
	}
	if s.on[Secret] && p+1 < n {
		if isDigit(c) {
			if (k == 5 || k == 0 && hexRun5(text, p) == 5) && p+10 < n && (text[p+8] == ':' || text[p+9] == ':' || text[p+10] == ':') {
				if e, ok := scanTelegram(text, p); ok {
					best.offer(secretCand(p, e, rankToken, "telegram-token"))
				}
			}
		} else if tokenStart(c, text[p+1]) {
			if e, label, ok := scanToken(text, p); ok {
				best.offer(secretCand(p, e, rankToken, label))
			} else if c == 'b' && p+3 < n && text[p+2] == 't' && isDigit(text[p+3]) {
				// A bot token in a Telegram API URL: ".../bot123:AA.../".
				if e, ok := scanTelegram(text, p+3); ok {
					best.offer(secretCand(p+3, e, rankToken, "telegram-token"))
				}
			}
		}
	}
	if s.names != nil && !prevRuneIsWord(text, p) {
		s.nameAt(text, p, best)
	}
}

// addrAt tries the address detectors at p, a hex digit, and returns the
// number of hex digits there, counted up to five.
func (s *Scanner) addrAt(text []byte, p int, best *cand) int {
	c := text[p]
	n := len(text)
	k := hexRun5(text, p)
	if p+k+1 < n {
		next := text[p+k+1]
		switch text[p+k] {
		case ':':
			if k <= 4 && s.colon && (isHex(next) || next == ':') {
				s.colonAt(text, p, k, best)
			}
		case '-':
			if k == 2 && s.on[MAC] && isHex(next) {
				s.macAt(text, p, best)
			}
			if k <= 3 && isDigit(c) && s.on[IPv4] && isDigit(next) {
				s.dashed4At(text, p, best)
			}
			if k <= 4 && s.on[IPv6] && dashed6May(text, p, p+k) {
				s.dashed6At(text, p, best)
			}
		case '.':
			if k == 1 && s.on[IPv6] && isHex(next) {
				s.nibble6At(text, p, best)
			}
			if k <= 3 && isDigit(c) && s.on[IPv4] && (isDigit(next) || next == 0xEF) {
				s.ipv4At(text, p, best)
			}
			if k == 4 && s.on[MAC] && isHex(next) {
				s.macAt(text, p, best)
			}
		case '[', '(', '{', '&', 0xEF:
			if k <= 3 && isDigit(c) && s.on[IPv4] {
				s.ipv4At(text, p, best)
			}
		}
	}
	return k
}

// hexRun5 is the length of the run of hex digits at text[p], which must be
// one, counted up to five.
func hexRun5(text []byte, p int) int {
	k := 1
	for k < 5 && p+k < len(text) && isHex(text[p+k]) {
		k++
	}
	return k
}

// colonAt tries the colon forms (IPv6 and MAC) at p, where k hex digits
// are followed by ':'. Both need several colons in the run of hex digits,
// colons and dots that starts at p (MAC five, IPv6 seven or a "::"), so
// one pass over it rejects clock times such as "17:41:44" for both. An
// embedded IPv4 address lets a full IPv6 address have six colons.
func (s *Scanner) colonAt(text []byte, p, k int, best *cand) {
	colons, dbl, dot := 0, false, false
	for r := p + k; r < len(text) && r-p < maxV6Text; r++ {
		c := text[r]
		if c == ':' {
			colons++
			if text[r-1] == ':' {
				dbl = true
			}
		} else if c == '.' {
			dot = true
		} else if class[c]&cHex == 0 {
			break
		}
	}
	if s.on[IPv6] && (dbl || colons >= 7 || colons == 6 && dot) {
		s.ipv6At(text, p, best)
	}
	if s.on[MAC] && k <= 2 && colons >= 5 && isHex(text[p+k+1]) {
		s.macAt(text, p, best)
	}
}

func (s *Scanner) nameAt(text []byte, p int, best *cand) {
	end, name, _, _ := s.names.walk(text, p)
	if end > 0 {
		best.offer(cand{start: p, end: end, kind: Name, rank: rankName, name: name})
	}
}

// addrStrings remembers the text of the addresses one Scan has formatted,
// direct-mapped: logs repeat their addresses, and formatting one costs an
// allocation.
type addrStrings [64]struct {
	a netip.Addr
	s string
}

func (v *addrStrings) str(a netip.Addr) string {
	var h uint64
	if a.Is4() {
		b := a.As4()
		h = uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	} else {
		b := a.As16()
		h = uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[12])<<40 | uint64(b[13])<<32 | uint64(b[14])<<8 | uint64(b[15])
	}
	e := &v[mix(h)&63]
	if e.s == "" || e.a != a {
		e.a, e.s = a, a.String()
	}
	return e.s
}

// appendMatch appends the match for c to dst. It fills the Match where it
// lies in dst rather than returning one: a Match is some 120 bytes, and
// copying it out of a return value cost as much as filling it on text
// dense with identifiers.
func (s *Scanner) appendMatch(dst []Match, text []byte, c *cand, vc *values) []Match {
	dst = append(dst, Match{})
	m := &dst[len(dst)-1]
	m.Start, m.End, m.Kind, m.Label = c.start, c.end, c.kind, c.label
	if c.kept != 0 {
		m.Kept = keptNames[c.kept]
	}
	switch c.kind {
	case IPv4, IPv6:
		m.Addr = c.addr
		if !s.bits {
			m.Value = vc.addrs.str(c.addr)
		}
		m.Scope = ScopeOf(c.addr)
	case Email:
		if v := text[c.start:c.end]; c.name == 0 && isASCII(v) {
			m.Value = vc.lower(v)
		} else {
			m.Value = emailValue(text, c.start, c.end, c.name == 0)
		}
	case MAC:
		m.MAC = c.mac
		if !s.bits {
			m.Value = macString(c.mac)
		}
	case Name:
		m.Value = s.names.names[c.name].value
	case Secret:
		m.Value = vc.copy(text[c.start:c.end])
	}
	return dst
}

// values is where one Scan makes the text of its Values.
type values struct {
	addrs addrStrings
	// block holds the e-mail addresses and secrets, one after the other:
	// a string per Value would be an allocation per match. A Value is a
	// slice of the block's String, which later writes leave as it is;
	// when the block is full a new one takes its place.
	block strings.Builder
}

// valuesBlock is the size of a values block. A Value keeps its whole
// block alive, so it is small.
const valuesBlock = 4096

// copy returns v as a string.
func (vc *values) copy(v []byte) string {
	if len(v) > valuesBlock/8 {
		return string(v)
	}
	b := vc.room(len(v))
	off := b.Len()
	b.Write(v)
	return b.String()[off:]
}

// lower returns the ASCII text v in lower case, as strings.ToLower would.
func (vc *values) lower(v []byte) string {
	up := false
	for _, c := range v {
		if c-'A' < 26 {
			up = true
			break
		}
	}
	if !up {
		return vc.copy(v)
	}
	b := vc.room(len(v))
	off := b.Len()
	for _, c := range v {
		b.WriteByte(lower[c])
	}
	return b.String()[off:]
}

// room returns the block with room for n more bytes.
func (vc *values) room(n int) *strings.Builder {
	b := &vc.block
	if b.Cap()-b.Len() < n {
		*b = strings.Builder{}
		b.Grow(valuesBlock)
	}
	return b
}

func isASCII(v []byte) bool {
	for _, c := range v {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
