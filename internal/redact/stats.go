package redact

import (
	"strconv"

	"antidote/internal/detect"
)

// Stats counts identifier occurrences in redacted text. It holds no value
// of any identifier: only types, scopes, countries and autonomous systems.
// The zero Stats is empty; it marshals to JSON as documented by its tags.
type Stats struct {
	Bytes    int64 `json:"bytes"`    // input bytes read
	Found    int64 `json:"found"`    // identifiers found
	Redacted int64 `json:"redacted"` // identifiers replaced (token or prefix-preserving)
	// Kept counts matches left as they are for a stated reason: version
	// numbers that read as dotted quads (detect.Match.Kept). They are not
	// in Found.
	Kept int64 `json:"kept,omitempty"`
	// Types counts per type (ipv4, ipv6, email, mac, name, secret).
	Types map[string]TypeCount `json:"types,omitempty"`
	// Scopes counts IP addresses per scope (public, private, ...).
	Scopes map[string]int64 `json:"scopes,omitempty"`
	// Countries counts public IP addresses per country code, XX where the
	// dataset has none.
	Countries map[string]int64 `json:"countries,omitempty"`
	// ASNs counts public IP addresses per autonomous system, keyed
	// "AS15169".
	ASNs map[string]ASNCount `json:"asns,omitempty"`
}

// TypeCount is the number of identifiers of one type found and replaced.
type TypeCount struct {
	Found    int64 `json:"found"`
	Redacted int64 `json:"redacted"`
}

// ASNCount is the number of public IP addresses in one autonomous system.
type ASNCount struct {
	ASN   uint32 `json:"asn"`
	Org   string `json:"org,omitempty"`
	Count int64  `json:"count"`
}

// Add adds o's counts to s.
func (s *Stats) Add(o Stats) {
	s.Bytes += o.Bytes
	s.Kept += o.Kept
	s.Found += o.Found
	s.Redacted += o.Redacted
	for k, v := range o.Types {
		if s.Types == nil {
			s.Types = map[string]TypeCount{}
		}
		c := s.Types[k]
		c.Found += v.Found
		c.Redacted += v.Redacted
		s.Types[k] = c
	}
	addCounts(&s.Scopes, o.Scopes)
	addCounts(&s.Countries, o.Countries)
	for k, v := range o.ASNs {
		if s.ASNs == nil {
			s.ASNs = map[string]ASNCount{}
		}
		c := s.ASNs[k]
		c.ASN = v.ASN
		if c.Org == "" {
			c.Org = v.Org
		}
		c.Count += v.Count
		s.ASNs[k] = c
	}
}

func addCounts(dst *map[string]int64, src map[string]int64) {
	for k, v := range src {
		if *dst == nil {
			*dst = map[string]int64{}
		}
		(*dst)[k] += v
	}
}

// Report is the statistics of a set of documents: totals and one entry
// per document.
type Report struct {
	Total     Stats           `json:"total"`
	Documents []DocumentStats `json:"documents"`
}

// DocumentStats is one document's statistics under the name the caller
// gave it.
type DocumentStats struct {
	Document string `json:"document"`
	Stats
}

// Add records the statistics of one document.
func (r *Report) Add(doc string, s Stats) {
	r.Total.Add(s)
	r.Documents = append(r.Documents, DocumentStats{Document: doc, Stats: s})
}

// tally is the allocation-light counter the hot loop updates; stats turns
// it into Stats.
type tally struct {
	bytes           int64
	kept            int64
	found, redacted [nKinds]int64
	scopes          [nScopes]int64
	// codes counts two-letter country codes (all of them in practice)
	// without hashing: the hot loop counts every public address.
	codes     [26 * 26]int64
	countries map[string]int64 // any other place
	// asns holds the counts per autonomous system, in the order first
	// seen; asnIndex finds one by ASN with a single map read per address.
	asns     []asnCount
	asnIndex map[uint32]int32
}

type asnCount struct {
	asn uint32
	org string
	n   int64
}

func (t *tally) country(c []byte) {
	if i, ok := codeIndex(c); ok {
		t.codes[i]++
		return
	}
	if t.countries == nil {
		t.countries = map[string]int64{}
	}
	t.countries[string(c)]++
}

// codeIndex places a two-letter upper-case code in tally.codes.
func codeIndex(c []byte) (int, bool) {
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return 0, false
	}
	return int(c[0]-'A')*26 + int(c[1]-'A'), true
}

// asn counts an address in autonomous system n, whose organisation orgs
// names.
func (t *tally) asn(n uint32, orgs map[uint32]string) {
	if i, ok := t.asnIndex[n]; ok {
		t.asns[i].n++
		return
	}
	t.addASN(n, orgs[n], 1)
}

func (t *tally) addASN(n uint32, org string, count int64) {
	if t.asnIndex == nil {
		t.asnIndex = map[uint32]int32{}
	}
	t.asnIndex[n] = int32(len(t.asns))
	t.asns = append(t.asns, asnCount{n, org, count})
}

func (t *tally) merge(o *tally) {
	t.bytes += o.bytes
	t.kept += o.kept
	for i := range t.found {
		t.found[i] += o.found[i]
		t.redacted[i] += o.redacted[i]
	}
	for i := range t.scopes {
		t.scopes[i] += o.scopes[i]
	}
	for i := range t.codes {
		t.codes[i] += o.codes[i]
	}
	for c, n := range o.countries {
		if t.countries == nil {
			t.countries = map[string]int64{}
		}
		t.countries[c] += n
	}
	for _, a := range o.asns {
		if i, ok := t.asnIndex[a.asn]; ok {
			t.asns[i].n += a.n
		} else {
			t.addASN(a.asn, a.org, a.n)
		}
	}
}

func (t *tally) reset() {
	clear(t.asns) // drop the organisations
	*t = tally{countries: t.countries, asns: t.asns[:0], asnIndex: t.asnIndex}
	clear(t.countries)
	clear(t.asnIndex)
}

func (t *tally) stats() Stats {
	s := Stats{Bytes: t.bytes, Kept: t.kept}
	for k := detect.IPv4; k <= detect.Secret; k++ {
		s.Found += t.found[k]
		s.Redacted += t.redacted[k]
		if t.found[k] > 0 {
			if s.Types == nil {
				s.Types = map[string]TypeCount{}
			}
			s.Types[k.String()] = TypeCount{Found: t.found[k], Redacted: t.redacted[k]}
		}
	}
	for sc := detect.Public; sc <= detect.Unspecified; sc++ {
		if t.scopes[sc] > 0 {
			if s.Scopes == nil {
				s.Scopes = map[string]int64{}
			}
			s.Scopes[sc.String()] = t.scopes[sc]
		}
	}
	for c, n := range t.countries {
		if s.Countries == nil {
			s.Countries = map[string]int64{}
		}
		s.Countries[c] = n
	}
	for i, n := range t.codes {
		if n > 0 {
			if s.Countries == nil {
				s.Countries = map[string]int64{}
			}
			s.Countries[string([]byte{'A' + byte(i/26), 'A' + byte(i%26)})] += n
		}
	}
	for _, a := range t.asns {
		if s.ASNs == nil {
			s.ASNs = map[string]ASNCount{}
		}
		s.ASNs["AS"+strconv.FormatUint(uint64(a.asn), 10)] = ASNCount{ASN: a.asn, Org: a.org, Count: a.n}
	}
	return s
}
