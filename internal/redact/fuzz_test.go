package redact

import (
	"bytes"
	"context"
	"testing"
)

// FuzzApply checks on arbitrary text that redaction changes nothing outside
// identifier spans, that its output passes the leak check, and that
// streaming with a small buffer gives the same output.
func FuzzApply(f *testing.F) {
	for _, p := range pieces {
		f.Add([]byte(p))
	}
	f.Add([]byte("Accepted password for root from 8.8.8.8 port 22 ssh2\nAlice Martin <alice@example.com> 00:1a:2b:3c:4d:5e"))
	f.Add([]byte("password=NAME-ABCDEFGHJKMN api_key=IPv4-US-PQOWZIJAMBDH"))
	var c collector
	r := newTestRedactor(f, nil)
	w := r.newWorker()
	small := newTestRedactor(f, func(o *Options) { o.BufferSize = 7 })
	f.Fuzz(func(t *testing.T, in []byte) {
		var fresh []Mapping
		out := w.redact(nil, in, &tally{}, &fresh)
		for _, m := range fresh {
			if err := c.add(m); err != nil {
				t.Fatal(err)
			}
		}
		// A second pass (see redact) replaces within tokens already made,
		// which reconstruct cannot follow.
		if w.passes == 1 {
			if got := reconstruct(t, r, in, out, c.m); !bytes.Equal(got, in) {
				t.Fatalf("rebuilt %q from %q", got, in)
			}
		}
		if l := leaks(t, out, r.Scanner(), r.Policy()); len(l) != 0 {
			t.Fatalf("output %q of %q still has a %v (%q)", out, in, l[0].Kind, l[0].Value)
		}
		var sb bytes.Buffer
		if _, err := small.Stream(context.Background(), bytes.NewReader(in), &sb); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sb.Bytes(), out) {
			t.Fatalf("streamed %q, applied %q", sb.Bytes(), out)
		}
	})
}
