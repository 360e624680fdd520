package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestHostLabelSameToken: an address written in a host name becomes the
// token its dotted form gets, and nothing of it is left beside the token.
func TestHostLabelSameToken(t *testing.T) {
	r := newTestRedactor(t, nil)
	in := "getaddrinfo for customer-187-141-143-180-sta.uninet-ide.com.mx [187.141.143.180] failed\n" +
		"rhost=ip-216-69-169-168.ip.secureserver.net from 216.69.169.168\n" +
		"rhost=host129.206.196.21.maximumasp.com from 129.206.196.21\n" +
		"rhost=ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn from 52.80.34.196\n" +
		"ptr 196.34.80.52.in-addr.arpa for 52.80.34.196\n" +
		"from ip-2a00-1450-4001-81b--200e.example.net [2a00:1450:4001:81b::200e]\n" +
		"e.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.b.1.8.0.1.0.0.4.0.5.4.1.0.0.a.2.ip6.arpa for 2a00:1450:4001:081b:0:0:0:200e\n"
	out, _, err := r.Apply(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"187", "141-143", "216-69", "169-168", "129.206", "196.21", "52-80", "34-196", "34.80", "2a00", "1450", "200e", "b.1.8", "a.2.ip6"} {
		if bytes.Contains(out, []byte(leak)) {
			t.Errorf("%q survives in %q", leak, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		var toks []string
		for _, w := range f {
			for _, x := range strings.FieldsFunc(w, func(r rune) bool { return r == '[' || r == ']' || r == '=' || r == '.' }) {
				if strings.HasPrefix(x, "IPv4-") || strings.HasPrefix(x, "IPv6-") {
					toks = append(toks, x)
				}
			}
		}
		if len(toks) != 2 || toks[0] != toks[1] {
			t.Errorf("want the same token twice in %q, got %v", line, toks)
		}
	}
}

// TestVersionsKept: version numbers that read as dotted quads stay.
func TestVersionsKept(t *testing.T) {
	r := newTestRedactor(t, nil)
	in := "erlang (1:24.3.4.5+dfsg-1) unstable; urgency=medium\n  * Standards-Version: 3.9.3.0\nDepends: zlib1g (>= 1:1.2.3.4)\nfrom 8.8.8.8\n"
	out, st, err := r.Apply(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "8.8.8.8", "", 1)
	if got := string(out); !strings.HasPrefix(got, want[:strings.Index(want, "from ")+5]) || strings.Contains(got, "8.8.8.8") {
		t.Errorf("got %q", got)
	}
	if st.Kept != 3 || st.Redacted != 1 {
		t.Errorf("stats: kept %d, redacted %d; want 3 and 1", st.Kept, st.Redacted)
	}
}

// TestCheckSuspects: verify's second opinion lists what the scanner does
// not call certain (a kept version, a five-part number, numbers joined by
// '_') with the right places, and leaves out runs inside certain leaks.
func TestCheckSuspects(t *testing.T) {
	in := "line one\nStandards-Version: 3.9.3.0\nleak 8.8.8.8 here\nx 1.2.3.4.5 and 10_0_0_1\n"
	var leaks, sus []string
	err := CheckSuspects(context.Background(), strings.NewReader(in), newTestRedactor(t, nil).Scanner(), DefaultPolicy(),
		func(f Found) error { leaks = append(leaks, fmt.Sprintf("%d:%d", f.Line, f.Col)); return nil },
		func(s Suspect) error {
			sus = append(sus, fmt.Sprintf("%d:%d:%s", s.Line, s.Col, in[s.Start:s.End]))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(leaks, ",") != "3:6" || strings.Join(sus, ",") != "2:20:3.9.3.0,4:3:1.2.3.4.5,4:17:10_0_0_1" {
		t.Errorf("leaks %v, suspects %v", leaks, sus)
	}
}

// TestWorkersCarryOverOnlyAfterSuccess: workers (and their caches) carry
// over from one Stream to the next, but not from a Stream whose OnToken
// failed, so no mapping is ever lost.
func TestWorkersCarryOverOnlyAfterSuccess(t *testing.T) {
	fail := true
	var got []string
	r := newTestRedactor(t, func(o *Options) {
		o.Workers = 1
		o.OnToken = func(m Mapping) error {
			if fail {
				return errors.New("store full")
			}
			got = append(got, m.Token)
			return nil
		}
	})
	if _, err := r.Stream(context.Background(), strings.NewReader("8.8.8.8\n"), io.Discard); err == nil {
		t.Fatal("want the OnToken error")
	}
	fail = false
	for range 2 {
		if _, err := r.Stream(context.Background(), strings.NewReader("8.8.8.8\n"), io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) == 0 {
		t.Error("the mapping the failed Stream cached was never reported")
	}
}
