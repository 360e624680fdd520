package search

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// memSource is an in-memory Source: segments in order, texts by document.
type memSource struct {
	ids      []int64
	segs     map[int64]Segment
	blocks   map[int64][]Block
	texts    map[int64][]byte
	findings []int64
	fetches  int // posting list reads, to count work
}

func newMemSource() *memSource {
	return &memSource{segs: map[int64]Segment{}, blocks: map[int64][]Block{}, texts: map[int64][]byte{}}
}

func testKey(t string) [32]byte {
	m := hmac.New(sha256.New, []byte("test index key"))
	m.Write([]byte(t))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

// add writes one segment holding docs (id -> text).
func (s *memSource) add(docs map[int64]string) {
	b := NewBuilder()
	for id, text := range docs {
		b.Add(id, []byte(text), Fields{MediaType: "text/plain", Status: "ok", Paths: []string{fmt.Sprintf("leak/%d.txt", id)}})
		s.texts[id] = []byte(text)
	}
	id := int64(len(s.ids) + 1)
	if len(s.ids) > 0 {
		id = s.ids[len(s.ids)-1] + 1
	}
	s.ids = append(s.ids, id)
	s.segs[id] = b.Build(testKey)
	s.blocks[id] = s.segs[id].Blocks()
}

// merge folds every segment into one, as the store's MergeIndex does.
func (s *memSource) merge(t *testing.T) {
	var blobs []SegmentBlobs
	byKey := map[[BlockKeyLen]byte][]SegmentPostings{}
	for _, id := range s.ids {
		blobs = append(blobs, SegmentBlobs{ID: id, Docs: s.segs[id].Docs, Dict: s.segs[id].Dict})
		for _, b := range s.segs[id].Blocks() {
			BlockEntries(b.Data, func(k [BlockKeyLen]byte, p []byte) error {
				byKey[k] = append(byKey[k], SegmentPostings{Segment: id, Data: p})
				return nil
			})
		}
	}
	m, err := NewMerger(blobs, func(int64) bool { return true }, testKey)
	if err != nil {
		t.Fatal(err)
	}
	keys := slices.SortedFunc(maps.Keys(byKey), func(a, b [BlockKeyLen]byte) int { return bytes.Compare(a[:], b[:]) })
	merged := Segment{Postings: map[[32]byte][]byte{}}
	for _, k := range keys {
		b, err := m.Postings(k, byKey[k])
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			var full [32]byte
			copy(full[:], k[:])
			merged.Postings[full] = b
		}
	}
	merged.Docs, merged.Dict = m.Finish()
	id := s.ids[len(s.ids)-1] + 1
	s.ids = []int64{id}
	s.segs = map[int64]Segment{id: merged}
	s.blocks = map[int64][]Block{id: merged.Blocks()}
}

func (s *memSource) IndexSegments(context.Context) ([]int64, error) { return slices.Clone(s.ids), nil }
func (s *memSource) IndexDocs(_ context.Context, seg int64) ([]byte, error) {
	return s.segs[seg].Docs, nil
}
func (s *memSource) IndexDict(_ context.Context, seg int64) ([]byte, error) {
	return s.segs[seg].Dict, nil
}
func (s *memSource) IndexPostings(_ context.Context, segs []int64, key [32]byte) ([]SegmentPostings, error) {
	s.fetches++
	var out []SegmentPostings
	for _, id := range segs {
		// The block with the greatest first key not above key, as the store finds it.
		var found *Block
		blocks := s.blocks[id]
		for i := range blocks {
			if bytes.Compare(blocks[i].First[:], key[:BlockKeyLen]) <= 0 {
				found = &blocks[i]
			}
		}
		if found != nil {
			out = append(out, SegmentPostings{Segment: id, Data: found.Data})
		}
	}
	return out, nil
}
func (s *memSource) DocsWithFindings(context.Context) ([]int64, error) { return s.findings, nil }
func (s *memSource) DocText(_ context.Context, id int64) ([]byte, error) {
	return s.texts[id], nil
}

// reference answers q by scanning every text: the slow, obvious oracle.
func reference(q Query, texts map[int64][]byte) []int64 {
	var out []int64
	for id, text := range texts {
		at := map[int][]string{}
		Analyze(text, func(t Token) { at[t.Pos] = append(at[t.Pos], t.Term) })
		occurs := func(p Part) bool {
			for pos := range at {
				ok := true
				for _, s := range p.Slots {
					ok = ok && slices.ContainsFunc(at[pos+s.Rel], func(term string) bool {
						return term == s.Term || s.Prefix && strings.HasPrefix(term, s.Term)
					})
				}
				if ok {
					return true
				}
			}
			return false
		}
		for _, c := range q.Clauses {
			ok := true
			for _, p := range c {
				ok = ok && occurs(p) != p.Exclude
			}
			if ok {
				out = append(out, id)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func searchAll(t *testing.T, e *Engine, q Query) []int64 {
	t.Helper()
	res, err := e.Search(context.Background(), q, Options{Limit: 1 << 20, Snippets: -1, MaxExpansions: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != res.Total {
		t.Fatalf("%d hits, total %d", len(res.Hits), res.Total)
	}
	var ids []int64
	for _, h := range res.Hits {
		ids = append(ids, h.Doc)
	}
	slices.Sort(ids)
	return ids
}

// vocabulary mixes scripts, accents, ligatures, identifiers and words that
// share prefixes, so that random queries hit the hard cases.
var vocabulary = strings.Fields(`café cafe CAFÉ Schlüssel schlüsselbund Schlussel modiﬁcation modification
	straße strasse Angel angels weeping implant Samsung smart TV ＴＶ 東京都 東京 京都 兵者 国之大事 カタカナ
	10.0.0.1 10.0.0.12 alice@example.com bob@example.org CVE-2017-0144 CVE-2017-0145 report.pdf report_v2.pdf
	don't 1,000 ﬁle file files the a of to smb_v1 сервер Сервер λόγος`)

func randomText(r *rand.Rand, real []string) string {
	var b strings.Builder
	n := 3 + r.IntN(40)
	for i := range n {
		if i > 0 {
			b.WriteString([]string{" ", " ", ", ", ". ", "\n", "-", "/"}[r.IntN(7)])
		}
		if r.IntN(4) == 0 {
			b.WriteString(real[r.IntN(len(real))])
		} else {
			b.WriteString(vocabulary[r.IntN(len(vocabulary))])
		}
	}
	return b.String()
}

func realWords(t *testing.T) []string {
	var out []string
	for _, f := range []string{"candide.txt", "rashomon.txt", "sunzi.txt", "openssh.log"} {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

func randomQuery(r *rand.Rand, docs map[int64][]byte, real []string) string {
	word := func() string {
		switch r.IntN(5) {
		case 0:
			return real[r.IntN(len(real))]
		case 1: // a prefix
			w := []rune(vocabulary[r.IntN(len(vocabulary))])
			return string(w[:1+r.IntN(len(w))]) + "*"
		case 2: // a phrase cut from a document
			ids := make([]int64, 0, len(docs))
			for id := range docs {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			f := strings.Fields(string(docs[ids[r.IntN(len(ids))]]))
			i := r.IntN(len(f))
			return `"` + strings.ReplaceAll(strings.Join(f[i:min(len(f), i+1+r.IntN(3))], " "), `"`, "") + `"`
		}
		return vocabulary[r.IntN(len(vocabulary))]
	}
	var parts []string
	for i := range 1 + r.IntN(3) {
		if i > 0 && r.IntN(4) == 0 {
			parts = append(parts, "OR")
		}
		w := word()
		if i > 0 && r.IntN(4) == 0 {
			w = "-" + w
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, " ")
}

// TestDifferential compares the index with the scanning reference on random
// corpora and queries, over several segments (with documents replaced by a
// later segment) and after merging them.
func TestDifferential(t *testing.T) {
	real := realWords(t)
	nonEmpty, total := 0, 0
	defer func() {
		// The comparison means something only if many queries match.
		if nonEmpty < total/3 {
			t.Errorf("only %d of %d random queries matched anything", nonEmpty, total)
		}
	}()
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 1))
		src := newMemSource()
		live := map[int64][]byte{}
		for range 3 {
			batch := map[int64]string{}
			for range 40 {
				id := int64(1 + r.IntN(90)) // some ids come again: a rerun replaces them
				batch[id] = randomText(r, real)
			}
			src.add(batch)
			for id, text := range batch {
				live[id] = []byte(text)
			}
		}
		src.texts = live
		for round := range 2 {
			e := NewEngine(src, testKey)
			for range 150 {
				qs := randomQuery(r, live, real)
				q, err := Parse(qs)
				if err != nil {
					continue
				}
				want := reference(q, live)
				total++
				if len(want) > 0 {
					nonEmpty++
				}
				if got := searchAll(t, e, q); !slices.Equal(got, want) {
					t.Fatalf("seed %d round %d: %s (%v)\nindex:     %v\nreference: %v", seed, round, qs, q.Clauses, got, want)
				}
			}
			src.merge(t)
		}
	}
}

// Any run of words cut from a document, quoted, finds it; so does any
// prefix of any of its terms.
func TestPhraseAndPrefixProperties(t *testing.T) {
	real := realWords(t)
	r := rand.New(rand.NewPCG(7, 7))
	src := newMemSource()
	docs := map[int64]string{}
	for id := range int64(60) {
		docs[id+1] = randomText(r, real)
	}
	src.add(docs)
	e := NewEngine(src, testKey)
	for id, text := range docs {
		var toks []Token
		Analyze([]byte(text), func(tk Token) { toks = append(toks, tk) })
		for range 5 {
			// A phrase: the text between two token boundaries.
			i := r.IntN(len(toks))
			j := min(len(toks)-1, i+r.IntN(4))
			phrase := strings.ReplaceAll(text[toks[i].Start:max(toks[j].End, toks[i].End)], `"`, " ")
			q, err := Parse(`"` + phrase + `"`)
			if err != nil {
				continue
			}
			if got := searchAll(t, e, q); !slices.Contains(got, id) {
				t.Fatalf("phrase %q of document %d not found: %v", phrase, id, got)
			}
			// A prefix of a term.
			term := []rune(toks[i].Term)
			prefix := string(term[:1+r.IntN(len(term))])
			q, err = Parse(prefix + "*")
			if err != nil {
				t.Fatalf("Parse(%q*): %v", prefix, err)
			}
			if got := searchAll(t, e, q); !slices.Contains(got, id) {
				t.Fatalf("prefix %q* of %q in document %d not found: %v", prefix, toks[i].Term, id, got)
			}
		}
	}
}

func TestSearchExamples(t *testing.T) {
	src := newMemSource()
	src.add(map[int64]string{
		1: "The Weeping Angel implant targets Samsung Smart TV sets. Fake-off mode keeps the microphone on.",
		2: "Café au lait; Schlüsselbund; modiﬁcation of the kernel; mail alice@example.com from 10.0.0.1",
		3: "兵者，国之大事，死生之地，存亡之道，不可不察也。",
		4: "東京都庁へ行く。CVE-2017-0144 in srv.exe",
	})
	e := NewEngine(src, testKey)
	tests := []struct {
		q    string
		want []int64
	}{
		{"weeping angel", []int64{1}},
		{`"angel weeping"`, nil},
		{"cafe", []int64{2}},         // accent folded in the text
		{"CAFÉ", []int64{2}},         // and in the query
		{"schlüssel*", []int64{2}},   // prefix with an accent
		{"modification", []int64{2}}, // ligature in the text
		{"ｓａｍｓｕｎｇ", []int64{1}},      // full-width query
		{"国之大事", []int64{3}},         // CJK substring
		{"大", []int64{3}},            // one CJK character
		{"京都", []int64{4}},           // inside 東京都庁
		{"alice@example.com", []int64{2}},
		{"example.com", []int64{2}},   // part of an address
		{"alice@exa*", []int64{2}},    // identifier prefix
		{"10.0.0.1", []int64{2}},      // IP address
		{"10.0.0.*", []int64{2}},      // IP prefix
		{"cve-2017-0144", []int64{4}}, // CVE ID
		{"srv.exe", []int64{4}},       // file name
		{"samsung OR kernel", []int64{1, 2}},
		{"the -kernel", []int64{1}},
		{`"fake off"`, []int64{1}},
	}
	for _, tc := range tests {
		q, err := Parse(tc.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.q, err)
		}
		if got := searchAll(t, e, q); !slices.Equal(got, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestRankingPagingFacetsSnippets(t *testing.T) {
	src := newMemSource()
	docs := map[int64]string{}
	for i := range int64(30) {
		docs[i+1] = fmt.Sprintf("filler text number %d about nothing in particular, and more filler", i)
	}
	docs[31] = "the implant and the angel are far apart: implant lorem ipsum dolor sit amet consectetur adipiscing angel"
	docs[32] = "weeping angel implant: the weeping angel implant"
	docs[33] = "implant"
	src.add(docs)
	src.findings = []int64{32}
	e := NewEngine(src, testKey)
	ctx := context.Background()
	q, _ := Parse("angel implant")
	res, err := e.Search(ctx, q, Options{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || len(res.Hits) != 1 || res.Hits[0].Doc != 32 {
		t.Fatalf("first page = %+v, want doc 32 of 2 (adjacent words rank first)", res)
	}
	if s := res.Hits[0].Snippets; len(s) == 0 || !strings.Contains(s[0].Marked(), "[angel]") || !strings.Contains(s[0].Marked(), "[implant]") {
		t.Fatalf("snippets = %+v", s)
	}
	page2, err := e.Search(ctx, q, Options{Limit: 1, Offset: 1})
	if err != nil || len(page2.Hits) != 1 || page2.Hits[0].Doc != 31 {
		t.Fatalf("second page = %+v, %v", page2, err)
	}
	if f := res.Facets["has_finding"]; len(f) != 2 {
		t.Fatalf("has_finding facet = %+v", f)
	}
	yes := true
	only, err := e.Search(ctx, q, Options{Filter: Filter{HasFinding: &yes}})
	if err != nil || only.Total != 1 || only.Hits[0].Doc != 32 {
		t.Fatalf("has-finding filter = %+v, %v", only, err)
	}
	onlyPath, err := e.Search(ctx, q, Options{Filter: Filter{PathPrefix: "leak/31"}})
	if err != nil || onlyPath.Total != 1 || onlyPath.Hits[0].Doc != 31 {
		t.Fatalf("path filter = %+v, %v", onlyPath, err)
	}
	for _, h := range res.Hits {
		for _, s := range h.Snippets {
			if !utf8.ValidString(s.Text) {
				t.Fatal("snippet is not UTF-8")
			}
			for _, hl := range s.Highlights {
				if hl[0] < 0 || hl[1] > len(s.Text) || hl[0] >= hl[1] {
					t.Fatalf("highlight %v outside snippet %q", hl, s.Text)
				}
			}
		}
	}
}

// A common word's total counts every hit, not only the ranked ones.
func TestTotalBeyondRanked(t *testing.T) {
	src := newMemSource()
	docs := map[int64]string{}
	for i := range int64(1500) {
		docs[i+1] = fmt.Sprintf("common word %d", i)
	}
	src.add(docs)
	q, _ := Parse("common")
	res, err := NewEngine(src, testKey).Search(context.Background(), q, Options{Limit: 20, Offset: 40})
	if err != nil || res.Total != 1500 || len(res.Hits) != 20 || res.Facets["media_type"][0].Count != 1500 {
		t.Fatalf("total %d, %d hits, facets %v, %v", res.Total, len(res.Hits), res.Facets["media_type"], err)
	}
}

// Queries read posting lists only for their terms (no document text but
// the page's), and a merged index answers with one read per term.
func TestWorkPerQuery(t *testing.T) {
	src := newMemSource()
	for s := range 5 {
		batch := map[int64]string{}
		for i := range 20 {
			batch[int64(s*20+i+1)] = fmt.Sprintf("alpha beta gamma %d delta", s*20+i)
		}
		src.add(batch)
	}
	e := NewEngine(src, testKey)
	q, _ := Parse(`"alpha beta" gamma`)
	src.fetches = 0
	if _, err := e.Search(context.Background(), q, Options{Snippets: -1}); err != nil {
		t.Fatal(err)
	}
	if src.fetches != 3 {
		t.Fatalf("%d posting reads for three terms", src.fetches)
	}
}

func TestMailFields(t *testing.T) {
	text := "From: Alice <Alice@Example.com>\nTo: bob@example.org, Carol <carol@example.net>\nCc: dave@example.com\nSubject: hi\nDate: Mon, 2 Jan 2006 15:04:05 -0700\n\nFrom: not a header\n"
	from, to, date := MailFields([]byte(text))
	if !slices.Equal(from, []string{"alice@example.com"}) || !slices.Equal(to, []string{"bob@example.org", "carol@example.net", "dave@example.com"}) || date.Year() != 2006 {
		t.Fatalf("MailFields = %v %v %v", from, to, date)
	}
}

func TestParseErrors(t *testing.T) {
	for _, q := range []string{"", "   ", `"unclosed`, "-only", "a OR -b", "!!!", "*"} {
		if _, err := Parse(q); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", q)
		}
	}
}

func TestCorruptSegments(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, {1, 5}, {2, 0, 0}, {1, 1, 200}} {
		if _, err := DecodeDocs(b); err == nil {
			t.Errorf("DecodeDocs(%v) succeeded", b)
		}
	}
	for _, b := range [][]byte{
		nil,
		{3},                 // three documents, none given
		{1, 1},              // a document without positions
		{1, 2},              // a frequency above one, not given
		{1, 0x81},           // a cut uvarint
		{200, 1, 1},         // more documents than the frames hold
		{0x80, 1, 65, 0, 0}, // a frame wider than 64 bits
		{0x80, 1, 0x81, 0},  // exceptions announced, none given
	} {
		if _, err := decodePostings(1, b); err == nil {
			t.Errorf("decodePostings(%v) succeeded", b)
		}
	}
}

// bestFirst agrees with a full sort.
func TestBestFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 5, 50, 1000} {
		for _, k := range []int{0, 1, 3, 10, 200} {
			hits := make([]scored, n)
			for i := range hits {
				hits[i] = scored{doc: int64(i), score: float64(r.IntN(20))}
			}
			want := slices.Clone(hits)
			slices.SortFunc(want, byScore)
			k := min(k, n)
			got := bestFirst(slices.Clone(hits), k)
			if !slices.Equal(got[:k], want[:k]) {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got[:k], want[:k])
			}
		}
	}
}

func TestSnippetPrefersAllTerms(t *testing.T) {
	text := []byte("alpha here. " + strings.Repeat("filler words go on. ", 20) + "alpha and beta together. " + strings.Repeat("more filler. ", 20) + "beta alone")
	got := Snippets(text, map[string]bool{"alpha": true, "beta": true}, 1, 40)
	if len(got) != 1 || !strings.Contains(got[0].Marked(), "[alpha] and [beta]") {
		t.Fatalf("Snippets = %+v", got)
	}
	// Highlights are in order, inside the text, on what they mark.
	for _, s := range Snippets(text, map[string]bool{"alpha": true, "beta": true}, 3, 40) {
		last := 0
		for _, h := range s.Highlights {
			if h[0] < last || h[1] > len(s.Text) {
				t.Fatalf("highlights %v in %q", s.Highlights, s.Text)
			}
			if w := strings.ToLower(s.Text[h[0]:h[1]]); w != "alpha" && w != "beta" {
				t.Fatalf("highlight %q", w)
			}
			last = h[1]
		}
	}
}
