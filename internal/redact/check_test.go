package redact

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"antidote/internal/detect"
)

func leaks(t *testing.T, text []byte, sc *detect.Scanner, p Policy) []Found {
	t.Helper()
	var out []Found
	err := Check(context.Background(), bytes.NewReader(text), sc, p, func(f Found) error {
		out = append(out, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckPlaces(t *testing.T) {
	r := newTestRedactor(t, nil)
	text := []byte("first line\nsecond 8.8.8.8 and 10.0.0.1\n\nfourth: naïve bob@example.com\n")
	got := leaks(t, text, r.Scanner(), DefaultPolicy())
	want := []string{"2:8 ipv4 [18,25)", "4:16 email [55,70)"}
	var g []string
	for _, f := range got {
		g = append(g, fmt.Sprintf("%d:%d %v [%d,%d)", f.Line, f.Col, f.Kind, f.Start, f.End))
	}
	if strings.Join(g, "; ") != strings.Join(want, "; ") {
		t.Errorf("leaks %q, want %q", g, want)
	}
	for _, f := range got {
		if string(text[f.Start:f.End]) != f.Value {
			t.Errorf("offsets [%d,%d) hold %q, value %q", f.Start, f.End, text[f.Start:f.End], f.Value)
		}
	}
}

// TestCheckPlacesAcrossChunks compares Walk's lines, columns and offsets
// with small buffers against one pass over the whole text.
func TestCheckPlacesAcrossChunks(t *testing.T) {
	text, err := os.ReadFile("testdata/loghub/OpenSSH_2k.log")
	if err != nil {
		t.Fatal(err)
	}
	sc := newTestRedactor(t, nil).Scanner()
	var want []Found
	line, ls := 1, 0
	prev := 0
	for _, m := range sc.Scan(nil, text) {
		seg := text[prev:m.Start]
		if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
			line += n
			ls = prev + bytes.LastIndexByte(seg, '\n') + 1
		}
		prev = m.Start
		want = append(want, Found{Match: m, Line: line, Col: m.Start - ls + 1})
	}
	for _, size := range []int{1, 100, 4096, 1 << 20} {
		var got []Found
		err := Walk(context.Background(), bytes.NewReader(text), sc, size, func(f Found) error {
			got = append(got, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("buffer %d: %d identifiers, want %d", size, len(got), len(want))
		}
		for i := range got {
			if got[i].Start != want[i].Start || got[i].Line != want[i].Line || got[i].Col != want[i].Col || got[i].Value != want[i].Value {
				t.Fatalf("buffer %d, #%d: %d:%d@%d, want %d:%d@%d", size, i, got[i].Line, got[i].Col, got[i].Start, want[i].Line, want[i].Col, want[i].Start)
			}
		}
	}
}

func TestCheckIgnoresTokens(t *testing.T) {
	r := newTestRedactor(t, nil)
	in := []byte("Name Bob 8.8.8.8 password=hunter2hunter2 a@example.com 00:1a:2b:3c:4d:5e Alice Martin\n" +
		"mysql -u root -pSummer2024! && mysql -u root -p'Winter2025?' ; password 'Autumn2023#'\n")
	out, _, _ := r.Apply(nil, in)
	if l := leaks(t, out, r.Scanner(), DefaultPolicy()); len(l) != 0 {
		t.Errorf("redacted output %q has leaks %+v", out, l)
	}
	if l := leaks(t, in, r.Scanner(), DefaultPolicy()); len(l) != 10 {
		t.Errorf("original has %d leaks, want 10", len(l))
	}
}

// publicQuad is an independent, regular-expression check for the loghub
// test: any free-standing dotted quad with a public address left in
// redacted output. (Quads glued into host names, as in
// "host129.206.196.21.example.com", are the detector's call, not this
// test's.)
var publicQuad = regexp.MustCompile(`(^|[^0-9A-Za-z.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})($|[^0-9.]|\.[^0-9])`)

func TestLoghub(t *testing.T) {
	files, err := filepath.Glob("testdata/loghub/*.log")
	if err != nil || len(files) == 0 {
		t.Fatal("no loghub samples", err)
	}
	all := DefaultPolicy()
	for _, k := range []detect.Kind{detect.IPv4, detect.IPv6} {
		all.Set(k, Redact)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range []Policy{DefaultPolicy(), all} {
			var c collector
			r := newTestRedactor(t, func(o *Options) { o.Policy = pol; o.OnToken = c.add; o.BufferSize = 8 << 10 })
			var out bytes.Buffer
			st, err := r.Stream(context.Background(), bytes.NewReader(text), &out)
			if err != nil {
				t.Fatal(err)
			}
			if l := leaks(t, out.Bytes(), r.Scanner(), pol); len(l) != 0 {
				t.Errorf("%s: %d leaks after redaction, first %v at %d:%d", f, len(l), l[0].Kind, l[0].Line, l[0].Col)
			}
			for _, m := range publicQuad.FindAllSubmatch(out.Bytes(), -1) {
				a, err := netip.ParseAddr(string(m[2]))
				if err == nil && pol.Redacts(detect.IPv4, detect.ScopeOf(a)) {
					t.Errorf("%s: %s (%v) left in redacted output", f, m[2], detect.ScopeOf(a))
				}
			}
			if got := reconstruct(t, r, text, out.Bytes(), c.m); !bytes.Equal(got, text) {
				t.Errorf("%s: redaction changed text outside identifiers", f)
			}
			if strings.Contains(f, "OpenSSH") && (st.Types["ipv4"].Redacted < 1000 || st.Countries["US"] == 0) {
				t.Errorf("%s: only %d IPv4 addresses redacted (countries %v)", f, st.Types["ipv4"].Redacted, st.Countries)
			}
		}
	}
}
