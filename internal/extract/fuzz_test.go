package extract

import (
	"bytes"
	"unicode/utf8"

	"context"
	"errors"
	"flag"
	"fmt"
	"golang.org/x/text/encoding"
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
	if os.Getenv("XSEEDS") != "" {
		return seeds
	}
	seeds["m.msg"] = sampleMsg(t)
	seeds["b.xls"] = makeXls()
	seeds["w.doc"] = makeDocDeleted("Pay the invoice\r", 16, [][3]int{{0, 16, 0}}, 4, 8)
	seeds["e.epub"] = makeZip(t, file{name: "mimetype", data: []byte(mtEPUB), method: 0x0},
		f("META-INF/container.xml", `<container><rootfiles><rootfile full-path="c.opf"/></rootfiles></container>`),
		f("c.opf", `<package><manifest><item id="a" href="a.xhtml"/></manifest><spine><itemref idref="a"/></spine></package>`),
		f("a.xhtml", `<html><body><p>Chapter</p></body></html>`))
	seeds["a.rtf"] = []byte(`{\rtf1\ansi\ansicpg1251{\fonttbl{\f1\fcharset128 M;}}\f1 \'93\'fa{\*\annotation n}{\deleted d}\u1046?\bin2 xy{\field{\*\fldinst X}{\fldrslt r}}\par}`)
	seeds["z.zst"] = zstdBytes(t, []byte("zstd seed"))
	seeds["k.txt"] = []byte(iso2022krSample)
	seeds["j.eml"] = []byte("Subject: x\r\nContent-Type: text/plain; charset=johab\r\n\r\n" + johabSample)
	// The quality corpus's smaller documents: real legacy Office,
	// OpenDocument, RTF and Outlook files.
	corpus, _ := filepath.Glob("testdata/corpus/*")
	damaged, _ := filepath.Glob("testdata/mail/msg_3*.txt")
	corpus = append(corpus, damaged...)
	for _, name := range corpus {
		if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, "SOURCES") {
			continue
		}
		if data, err := os.ReadFile(name); err == nil && len(data) <= 64<<10 {
			seeds[filepath.Base(name)] = data
		}
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

var sentinels = []error{ErrBomb, ErrEncrypted, ErrWrongPassword, ErrCorrupt, ErrUnsupported, ErrTooDeep, ErrTooLarge, ErrTextTruncated}

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

// fuzzing reports whether the test binary runs with -fuzz.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

func FuzzWalk(f *testing.F) {
	seeds := seedInputs(f)
	for name, data := range seeds {
		f.Add(filepath.Ext(name), data)
	}
	if fuzzing() {
		// The first PDF compiles PDFium's WebAssembly module, which with
		// coverage instrumentation takes longer than the time Go's fuzzer
		// gives one input before it calls the worker hung: compile it in
		// each worker before the inputs are timed.
		r := &recorder{}
		Walk(context.Background(), "warm-up.pdf", bytes.NewReader(seeds["d.pdf"]), int64(len(seeds["d.pdf"])), withTestEngines(fuzzOptions), r)
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		// While fuzzing, a walk that hangs is a failure too: crash the worker
		// so that the fuzzer keeps the input. Seed runs in CI have no clock.
		if fuzzing() {
			watchdog := time.AfterFunc(fuzzWalkTimeout, func() { panic("extract: walk did not finish in time") })
			defer watchdog.Stop()
		}
		checkWalk(t, fmt.Sprintf("input%.8s", ext), data, fuzzOptions)
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

// FuzzRTF feeds the RTF reader directly: any input ends, within the text
// limit, as valid UTF-8.
func FuzzRTF(f *testing.F) {
	for name, data := range seedInputs(f) {
		if strings.HasSuffix(name, ".rtf") {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb := &textBuf{max: 1 << 16}
		rtfText(tb, data)
		if len(tb.b) > 1<<16 {
			t.Errorf("%d bytes of text", len(tb.b))
		}
	})
}

// FuzzCompressedRTF: the LZFu decoder never writes past its limit.
func FuzzCompressedRTF(f *testing.F) {
	f.Add([]byte("\x2d\x00\x00\x00\x2b\x00\x00\x00LZFu\xf1\xc5\xc7\xa7\x03\x00\x0a\x00rcpg125\x42\x32\x0a\xf3\x20hel\x09\x00 bw\x05\xb0ld}\x0a\x80\x0f\xa0"))
	f.Add([]byte("\x10\x00\x00\x00\x05\x00\x00\x00MELA\x00\x00\x00\x00{\\rtf}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := decompressRTF(data, 1<<16)
		if len(out) > 1<<16 {
			t.Errorf("%d bytes out", len(out))
		}
	})
}

// FuzzKoreanDecoders: Johab and ISO-2022-KR decode anything to valid
// UTF-8 without stalling.
func FuzzKoreanDecoders(f *testing.F) {
	f.Add([]byte(johabSample))
	f.Add([]byte(iso2022krSample))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, enc := range []encoding.Encoding{encJohab, encISO2022KR} {
			out, err := enc.NewDecoder().Bytes(data)
			if err != nil || !utf8.Valid(out) {
				t.Errorf("%q: %v, valid %v", data, err, utf8.Valid(out))
			}
		}
	})
}

// FuzzCompoundFile fuzzes the OLE readers (.doc, .xls, .ppt, .msg) from
// real and built compound files.
func FuzzCompoundFile(f *testing.F) {
	f.Add(sampleMsg(f))
	f.Add(makeDoc("Hello\rWord\r", 12, [][3]int{{0, 12, 0}}))
	for name, data := range seedInputs(f) {
		if bytes.HasPrefix(data, magicOLE) && name != "m.msg" {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(fuzzWalkTimeout, func() { panic("extract: walk did not finish in time") })
		defer watchdog.Stop()
		checkWalk(t, "input.bin", data, fuzzOptions)
	})
}
