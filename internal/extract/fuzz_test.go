package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedInputs are the fixtures of the other tests, named.
func seedInputs(t testing.TB) map[string][]byte {
	inner := makeZip(t, f("notes.txt", "the payload"))
	seeds := map[string][]byte{
		"t.txt":       []byte("plain text ünïcode"),
		"w.txt":       []byte("naive\xef caf\xe9"),
		"u16.txt":     utf16Bytes("naïve café", true, false),
		"p.html":      []byte(`<html><head><title>T</title><script>x</script></head><body><p>a&amp;b</p></body></html>`),
		"m.eml":       []byte(sampleEML),
		"a.mbox":      []byte("From a@b Mon Jun  2 10:00:00 2025\nFrom: a@b\nSubject: s\n\nbody\n>From x\n\nFrom c@d Mon Jun  2 10:00:00 2025\nSubject: t\n\nx\n"),
		"d.pdf":       makePDF([]string{"Hello PDF world"}, ""),
		"r.docx":      makeDocx(t, f("word/embeddings/e.txt", "e")),
		"h.xlsx":      makeXlsx(t),
		"s.pptx":      makePptx(t),
		"a.zip":       makeZip(t, f("a.txt", "alpha"), f("b.html", "<p>b</p>"), file{name: "in.zip", data: inner}),
		"a.tar":       makeTar(t, f("a.txt", "alpha")),
		"a.tar.gz":    gz(t, "", makeTar(t, file{name: "in.zip", data: inner})),
		"a.gz":        gz(t, "a.txt", []byte("gz")),
		"a.xz":        xzBytes(t, []byte("xz")),
		"overlap.zip": overlapZip(t, 3),
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "README" || e.IsDir() {
			continue
		}
		seeds[e.Name()] = readFixture(t, e.Name())
	}
	return seeds
}

// fuzzWalkTimeout bounds one fuzzed walk; inputs are small.
const fuzzWalkTimeout = 10 * time.Second

// fuzzOptions keeps fuzzing fast and its limits observable.
var fuzzOptions = Options{
	MaxDepth: 4, MaxTotalBytes: 32 << 20, MaxMemberBytes: 4 << 20, MaxTextBytes: 1 << 20, MaxMembers: 200,
}

var sentinels = []error{ErrBomb, ErrEncrypted, ErrWrongPassword, ErrCorrupt, ErrUnsupported, ErrTooDeep, ErrTooLarge}

// checkWalk walks data and checks the invariants every walk must keep.
func checkWalk(t *testing.T, name string, data []byte, opts Options) {
	r := &recorder{}
	err := Walk(context.Background(), name, bytes.NewReader(data), int64(len(data)), withTestEngines(opts), r)
	if err != nil {
		t.Fatalf("Walk returned %v for a document problem", err)
	}
	if len(r.docs) == 0 || r.docs[0].depth != 0 {
		t.Fatal("root not reported first")
	}
	if len(r.open) != 0 {
		t.Fatalf("%d documents never ended", len(r.open))
	}
	for _, d := range r.docs {
		if d.depth > opts.MaxDepth || len(d.path) != d.depth+1 {
			t.Errorf("%s: depth %d, path of %d", d.display, d.depth, len(d.path))
		}
		if int64(len(d.text)) > opts.MaxTextBytes {
			t.Errorf("%s: %d bytes of text", d.display, len(d.text))
		}
		if d.content != nil && int64(len(d.content)) != d.size {
			t.Errorf("%s: content %d bytes, size %d", d.display, len(d.content), d.size)
		}
		if d.depth > 0 && d.size > opts.MaxMemberBytes && d.content != nil {
			t.Errorf("%s: %d bytes held in memory", d.display, d.size)
		}
		if d.err != nil {
			var known bool
			for _, s := range sentinels {
				known = known || errors.Is(d.err, s)
			}
			if !known {
				t.Errorf("%s: error %v wraps no sentinel", d.display, d.err)
			}
			if strings.Contains(d.err.Error(), "payload") || strings.Contains(d.err.Error(), "alpha") {
				t.Errorf("%s: error %q carries document text", d.display, d.err)
			}
		}
	}
}

func FuzzWalk(f *testing.F) {
	for name, data := range seedInputs(f) {
		f.Add(filepath.Ext(name), data)
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		// A walk that hangs is a failure too: crash the worker so that the
		// fuzzer keeps the input.
		watchdog := time.AfterFunc(fuzzWalkTimeout, func() { panic("extract: walk did not finish in time") })
		defer watchdog.Stop()
		start := time.Now()
		checkWalk(t, fmt.Sprintf("input%.8s", ext), data, fuzzOptions)
		if d := time.Since(start); d > fuzzWalkTimeout/4 {
			t.Errorf("walk of %d bytes took %v", len(data), d)
		}
	})
}

func TestSeedsKeepInvariants(t *testing.T) {
	for name, data := range seedInputs(t) {
		t.Run(name, func(t *testing.T) { checkWalk(t, name, data, fuzzOptions) })
	}
}

func BenchmarkWalkZipOfHTML(b *testing.B) {
	files := make([]file, 1000)
	for i := range files {
		files[i] = f(fmt.Sprintf("site/page%04d.html", i), fmt.Sprintf(
			`<!DOCTYPE html><html><head><title>Page %d</title><style>body{}</style></head><body><h1>Advisory %d</h1><p>Host 10.0.%d.%d runs a vulnerable service &mdash; see <a href="https://example.org/%d">details</a>.</p><script>track()</script></body></html>`,
			i, i, i/256, i%256, i))
	}
	data := makeZip(b, files...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		v := &countVisitor{}
		if err := Walk(context.Background(), "site.zip", bytes.NewReader(data), int64(len(data)), Options{}, v); err != nil {
			b.Fatal(err)
		}
		if v.docs != 1001 {
			b.Fatalf("%d docs", v.docs)
		}
	}
}

type countVisitor struct{ docs int }

func (c *countVisitor) Begin(*Doc) (bool, error) { c.docs++; return true, nil }
func (c *countVisitor) End(*Doc) error           { return nil }
