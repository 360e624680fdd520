package detect

import (
	"antidote/internal/cputime"
	"bytes"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestKindAndScopeNames(t *testing.T) {
	for k := IPv4; k <= Secret; k++ {
		got, err := ParseKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("hostname"); err == nil {
		t.Error("ParseKind accepted an unknown kind")
	}
	for sc := ScopeNone; sc <= Unspecified; sc++ {
		got, err := ParseScope(sc.String())
		if err != nil || got != sc {
			t.Errorf("ParseScope(%q) = %v, %v", sc.String(), got, err)
		}
	}
	if _, err := ParseScope("global"); err == nil {
		t.Error("ParseScope accepted an unknown scope")
	}
	if Kind(0).String() != "kind(0)" || LinkLocal.String() != "link-local" {
		t.Error("String of an odd value")
	}
}

func TestScopeOf(t *testing.T) {
	for _, c := range []struct {
		addr string
		want Scope
	}{
		{"8.8.8.8", Public},               // ordinary public address
		{"10.1.2.3", Private},             // RFC 1918
		{"172.16.0.1", Private},           // RFC 1918, first of /12
		{"172.32.0.1", Public},            // just past 172.16/12
		{"192.168.1.1", Private},          // RFC 1918
		{"127.0.0.1", Loopback},           // loopback
		{"169.254.1.1", LinkLocal},        // link-local
		{"224.0.0.251", Multicast},        // mDNS
		{"233.252.0.1", Documentation},    // MCAST-TEST-NET
		{"192.0.2.1", Documentation},      // TEST-NET-1
		{"198.51.100.7", Documentation},   // TEST-NET-2
		{"203.0.113.9", Documentation},    // TEST-NET-3
		{"100.64.0.1", Shared},            // CGN
		{"100.128.0.1", Public},           // just past 100.64/10
		{"198.18.0.1", Reserved},          // benchmarking
		{"192.0.0.8", Reserved},           // IETF protocol assignments
		{"240.0.0.1", Reserved},           // class E
		{"255.255.255.255", Reserved},     // limited broadcast
		{"0.1.2.3", Reserved},             // this network
		{"0.0.0.0", Unspecified},          // unspecified
		{"::", Unspecified},               // unspecified
		{"::1", Loopback},                 // loopback
		{"::ffff:10.0.0.1", Private},      // mapped takes the IPv4 scope
		{"::ffff:8.8.8.8", Public},        // mapped public
		{"64:ff9b::192.168.0.1", Private}, // NAT64 takes the IPv4 scope
		{"2001:db8::1", Documentation},    // documentation
		{"3fff:0fff::1", Documentation},   // documentation (RFC 9637)
		{"fd12:3456::1", Private},         // unique local
		{"fe80::1", LinkLocal},            // link-local
		{"fe80::1%eth0", LinkLocal},       // zone ignored
		{"ff02::1", Multicast},            // all nodes
		{"2606:4700::1111", Public},       // global unicast
		{"2001::1", Public},               // Teredo
		{"2001:2::1", Reserved},           // benchmarking
		{"100::1", Reserved},              // discard-only
		{"1::2", Reserved},                // unallocated
	} {
		if got := ScopeOf(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("ScopeOf(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
	if ScopeOf(netip.Addr{}) != ScopeNone {
		t.Error("invalid Addr has a scope")
	}
}

// TestScope4Arithmetic checks the fast IPv4 path against the table.
func TestScope4Arithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	check := func(b [4]byte) {
		a := netip.AddrFrom4(b)
		want := Public
		for _, rule := range scopes4 {
			if rule.p.Contains(a) {
				want = rule.s
				break
			}
		}
		if got := scope4(b); got != want {
			t.Fatalf("scope4(%v) = %v, table says %v", a, got, want)
		}
	}
	for _, rule := range scopes4 {
		b := rule.p.Addr().As4()
		check(b)
		for i := 0; i < 64; i++ {
			c := b
			c[3] ^= byte(r.IntN(256))
			c[2] ^= byte(r.IntN(4))
			check(c)
		}
	}
	for i := 0; i < 100000; i++ {
		check([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
	}
}

// TestScope6Switch checks the fast IPv6 path against the table.
func TestScope6Switch(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	check := func(b [16]byte) {
		a := netip.AddrFrom16(b)
		if a.Is4In6() || nat64.Contains(a) {
			return
		}
		want := Reserved
		for _, rule := range scopes6 {
			if rule.p.Contains(a) {
				want = rule.s
				break
			}
		}
		if got := scope6(a); got != want {
			t.Fatalf("scope6(%v) = %v, table says %v", a, got, want)
		}
	}
	for _, rule := range scopes6 {
		b := rule.p.Addr().As16()
		for i := 0; i < 256; i++ {
			c := b
			for k := rule.p.Bits() / 8; k < 16; k++ {
				c[k] = byte(r.IntN(256))
			}
			if k := (rule.p.Bits() - 1) / 8; i%2 == 0 && k >= 0 {
				c[k] ^= byte(r.IntN(4)) // just outside the block, often
			}
			check(c)
		}
	}
	for i := 0; i < 100000; i++ {
		var b [16]byte
		for k := range b {
			b[k] = byte(r.IntN(256))
		}
		b[0] = []byte{0, 0x20, 0x3f, 0x5f, 0xfc, 0xfe, 0xff, byte(r.IntN(256))}[r.IntN(8)]
		check(b)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		note string
		opts Options
	}{
		{"unknown kind", Options{Kinds: []Kind{0}}},
		{"name without letters", Options{Names: []string{"Ana", " -- "}}},
		{"name too long", Options{Names: []string{strings.Repeat("a ", 100)}}},
		{"invalid UTF-8", Options{Names: []string{"An\xffa"}}},
	} {
		_, err := New(c.opts)
		if err == nil {
			t.Errorf("%s: New succeeded", c.note)
			continue
		}
		for _, n := range c.opts.Names {
			if n != "Ana" && strings.TrimSpace(n) != "" && strings.Contains(err.Error(), strings.TrimSpace(n)) {
				t.Errorf("%s: error %q contains the name", c.note, err)
			}
		}
	}
	// Names off: the list is ignored.
	s, err := New(Options{Kinds: []Kind{IPv4}, Names: []string{"Ana"}})
	if err != nil || len(s.Scan(nil, []byte("Ana 1.2.3.4"))) != 1 {
		t.Error("Kinds without Name should ignore the list")
	}
}

// TestKindsFilterBeforeOverlap: a disabled kind never hides an enabled one.
func TestKindsFilterBeforeOverlap(t *testing.T) {
	s, _ := New(Options{Kinds: []Kind{IPv4}})
	got := s.Scan(nil, []byte("1.2.3.4@example.com"))
	if len(got) != 1 || got[0].Kind != IPv4 {
		t.Fatalf("got %v", got)
	}
	all, _ := New(Options{})
	if got := all.Scan(nil, []byte("1.2.3.4@example.com")); len(got) != 1 || got[0].Kind != Email {
		t.Fatalf("with all kinds got %v", got)
	}
}

func TestScanAppends(t *testing.T) {
	s, _ := New(Options{})
	dst := []Match{{Start: -1}}
	dst = s.Scan(dst, []byte("a 1.2.3.4"))
	if len(dst) != 2 || dst[0].Start != -1 || dst[1].Value != "1.2.3.4" {
		t.Fatalf("Scan did not append: %v", dst)
	}
}

// TestSafeCutStreaming scans text in pieces cut by SafeCut and checks that
// the matches equal those of one scan over the whole text.
func TestSafeCutStreaming(t *testing.T) {
	names := []string{"John Smith", "Ana Maria Lopez"}
	s, err := New(Options{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(readLoghub(t, "OpenSSH")[:20000])
	b.WriteString("\nmet John\nSmith and Ana Maria\n  Lopez; password = \"a b c\" pwd=x\n")
	b.WriteString("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\nAAKCAQ==\n-----END RSA PRIVATE KEY-----\n")
	b.WriteString("long line " + strings.Repeat("word ", 300) + "api_key: \"k e y\" 10.0.0.1 end\n")
	b.WriteString("long line " + strings.Repeat("w [x] ", 200) + "jane [at] example [dot] org --password hunter2 x (at) y (dot) com\n")
	// Versions whose context is a few words away, on lines too long to wait
	// for: the cut must not part a number from its context.
	b.WriteString("long line " + strings.Repeat("ver 1.0.0.0 Standards Version is 3.9.3.0 zlib1g (>= 1.2.3.4) pkg (1.2.3.4) stable testing; 8.8.4.4 ", 40) + "\n")
	text := b.Bytes()
	want := s.Scan(nil, text)

	r := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 200; trial++ {
		var got []Match
		off, carry := 0, []byte(nil)
		for pos := 0; pos < len(text) || len(carry) > 0; {
			step := 1 + r.IntN(3000)
			end := min(len(text), pos+step)
			buf := append(carry, text[pos:end]...)
			pos = end
			cut := len(buf)
			if pos < len(text) {
				cut = s.SafeCut(buf)
			}
			for _, m := range s.Scan(nil, buf[:cut]) {
				m.Start += off
				m.End += off
				got = append(got, m)
			}
			off += cut
			carry = append([]byte(nil), buf[cut:]...)
			if pos >= len(text) && cut == len(buf) {
				break
			}
		}
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("trial %d: match %d: streaming %v, whole text %v", trial, i, got[i], want[i])
				}
			}
			t.Fatalf("trial %d: streaming found %d matches, whole text %d", trial, len(got), len(want))
		}
	}
}

func TestSafeCutCases(t *testing.T) {
	s, _ := New(Options{Names: []string{"John Smith"}})
	for _, c := range []struct {
		note string
		in   string
		want int
	}{
		{"after the last line break", "a 1.2.3.4\nb 5.6", 10},
		{"not inside an open key block", "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", 2},
		{"not inside a name that may continue", "a\nJohn\nb", 2},
		{"a completed name is fine", "a\nJohn Smith\nb", 13},
		{"no line break: last safe space", "a 1.2.3.4 b", 10},
		{"not between keyword and value", "password = ", 0},
		{"not inside a quoted value", `x "password": "a b`, 2},
		{"nothing safe", "abc", 0},
		{"partial BEGIN marker", "x\n-----BEG", 2},
		{"not inside a spaced at-sign", "a jane [at] x", 2},
		{"not between flag and value", "a --password x", 2},
		{"not between a command and its password", "a curl -u bob:pw x", 2},
		{"not between IDENTIFIED and BY", "a identified by 'x", 2},
		{"not after a version keyword", "a ver 1", 2},
		{"not inside a version keyword's window", "a Version is 3", 2},
		{"not after a comparison", "a (>= 1", 2},
		{"not inside a changelog header", "a pkg (1.2.3.4) stable test", 6},
		{"a word that only ends in ver", "a server 1", 9},
	} {
		if got := s.SafeCut([]byte(c.in)); got != c.want {
			t.Errorf("%s: SafeCut(%q) = %d, want %d", c.note, c.in, got, c.want)
		}
	}
}

// TestAdversarialInputsStayLinear feeds inputs built to trigger repeated
// work (every line a key header, runs of colons, '@' and dots) at two sizes,
// eight times apart, and requires well under the 64 times a quadratic scan
// would take. It compares the CPU time of the scanning thread (the least of
// three tries at each size), not the wall clock: on a busy machine waiting
// for a processor costs wall time, not CPU time, so load cannot fail it.
func TestAdversarialInputsStayLinear(t *testing.T) {
	s, err := New(Options{Names: []string{"a a a a", "Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	// The matches go into one slice, reused: the first try of a size
	// faults in fresh memory for them (every eighth byte can be a match),
	// which on a virtual machine costs more than scanning, and the least
	// of the tries is then the scan alone.
	var ms []Match
	fastest := func(text []byte) time.Duration {
		best, err := cputime.Least(3, func() {
			ms = s.Scan(ms[:0], text)
			s.SafeCut(text)
		})
		if err != nil {
			t.Skipf("no per-thread CPU clock here: %v", err)
		}
		return max(best, 10*time.Microsecond)
	}
	const small, large = 128 << 10, 1 << 20
	for _, unit := range []string{
		"-----BEGIN RSA PRIVATE KEY-----\n",
		"1:2:3:4:5:6:7:",
		"::1::",
		"a@",
		"a.",
		"@a.",
		"password=password=",
		"a a a ",
		"1.1.1.1.",
		"eyJaaaaaaaaaaaaa.",
		"a[at]", "a.a[at]a.a", "x%40y.", "&#64;a.", " [at] b [dot] ",
		"--password ", "s://u:p@", "a:a:", "pwd=a[at]", "-----BEGIN RSA PRIVATE KEY-----\\",
		"MAC=00:00:", "\u00ad", "e\u0301", "李", "１.", "%2F1.",
		"1-1-", "ab-", "2a00-1-", "a--1-", "0.", "a.0.", "ec2-1-", "://0x1.", "://1.1", "://a@", "password('", "(('",
		"sshpass -p ", " -p -u ", "curl -u a:b ", "machine h login u ", " identified by '",
	} {
		ts := fastest(bytes.Repeat([]byte(unit), small/len(unit)))
		tl := fastest(bytes.Repeat([]byte(unit), large/len(unit)))
		if ratio := float64(tl) / float64(ts); ratio > 32 {
			t.Errorf("%q: eight times the input took %.0f times as long (%v, %v): not linear", unit, ratio, ts, tl)
		}
	}
}

// TestSafeCutEveryPrefix cuts each line at what SafeCut returns for every
// prefix of it, as a streaming caller would when its buffer ends there,
// and checks that scanning the two pieces finds what one scan finds.
func TestSafeCutEveryPrefix(t *testing.T) {
	s, err := New(Options{Names: []string{"John Smith", "Ana Maria Lopez"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"long line w [x] w [x] jane [at] example [dot] org --password hunter2 x (at) y (dot) com",
		"ver 1.0.0.0 and Standards Version is now 3.9.3.0 then 8.8.8.8",
		"zlib1g (>= 1.2.3.4) and libc6 (<< 2.3.4.5) from 9.9.9.9",
		"erlang (1.2.3.4) stable-security testing; urgency=medium 8.8.4.4",
		"Bump policy to 3.6.1.1 for 1.1.1.1 served by 1.0.0.1",
		"met John Smith and Ana Maria Lopez at 10.0.0.1 password = \"a b c\" pwd=x",
		"* fix to pam_unix_passwd: try repeatedly; gpg: Support --passphrase with --quick-gen; The default password hashing algorithm",
		"SET PASSWORD FOR 'root'@'localhost' = PASSWORD('a b c d e'); then 8.8.8.8",
		// Rules that look back along the line to a command or keyword.
		"mysql -u root --host db -p'S3cr3t x' --all and 8.8.8.8",
		"sshpass -p 'Xy7 kLm9Qz!' ssh -o StrictHostKeyChecking=no root@10.0.0.1",
		"curl -s -X POST --user 'admin:p@ss w0rd' -H 'Accept: x' http://10.0.0.2/",
		"CREATE USER 'bob'@'%' IDENTIFIED WITH mysql_native_password BY 'Xy7 kLm9Qz!';",
		"echo machine api.example.com login bob password Xy7#kLm9Qz >> ~/.netrc",
	} {
		text := []byte(line)
		want := s.Scan(nil, text)
		for end := 1; end <= len(text); end++ {
			cut, got := cutAndScan(s, text, end)
			if !slices.Equal(got, want) {
				t.Errorf("%q cut at %d (buffer of %d): found %v, whole line %v", line, cut, end, got, want)
				break
			}
		}
	}
}

func TestLastNewline(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 300; trial++ {
		text := bytes.Repeat([]byte{'x'}, r.IntN(20000))
		for range r.IntN(4) {
			if len(text) > 0 {
				text[r.IntN(len(text))] = '\n'
			}
		}
		if got, want := lastNewline(text), bytes.LastIndexByte(text, '\n'); got != want {
			t.Fatalf("lastNewline of %d bytes = %d, want %d", len(text), got, want)
		}
	}
}

// TestAssignmentGapBound: a value further than MaxLen blanks from its
// keyword is not the keyword's value (SafeCut relies on the bound).
func TestAssignmentGapBound(t *testing.T) {
	s, _ := New(Options{Kinds: []Kind{Secret}})
	for _, c := range []struct {
		gap  int
		want int
	}{{1, 1}, {MaxLen - 1, 1}, {MaxLen + 1, 0}} {
		text := []byte("password=" + strings.Repeat(" ", c.gap) + "Summer2024!x")
		if got := len(s.Scan(nil, text)); got != c.want {
			t.Errorf("gap of %d blanks: %d matches, want %d", c.gap, got, c.want)
		}
	}
}

// cutAndScan cuts text where SafeCut says for a buffer of its first end
// bytes and scans the two pieces, as a streaming caller would.
func cutAndScan(s *Scanner, text []byte, end int) (int, []Match) {
	cut := s.SafeCut(text[:end])
	got := s.Scan(nil, text[:cut])
	for _, m := range s.Scan(nil, text[cut:]) {
		m.Start += cut
		m.End += cut
		got = append(got, m)
	}
	return cut, got
}

// FuzzSafeCut cuts the input where SafeCut says for a buffer ending at a
// fuzzed offset and compares the matches of the two pieces with those of
// one scan.
func FuzzSafeCut(f *testing.F) {
	f.Add([]byte("a ver 1.0.0.0 b"), 6)
	f.Add([]byte("jane [at] example [dot] org x"), 5)
	f.Add([]byte("x password = \"a b\" 8.8.8.8 y"), 14)
	f.Add([]byte("curl -s -u 'a:p w' machine h password x identified by 'y z'"), 12)
	s, err := New(Options{Names: []string{"John Smith"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte, end int) {
		if len(text) == 0 {
			return
		}
		end = 1 + (end&0x7fffffff)%len(text)
		want := s.Scan(nil, text)
		cut, got := cutAndScan(s, text, end)
		if !slices.Equal(got, want) {
			t.Fatalf("%q cut at %d of %d: pieces %v, whole %v", text, cut, end, got, want)
		}
	})
}

// TestKeyedByBits: a KeyedByBits scanner finds the same matches with the
// address text left out, and Canonical gives that text back.
func TestKeyedByBits(t *testing.T) {
	s, err := New(Options{Names: []string{"John Smith"}})
	if err != nil {
		t.Fatal(err)
	}
	k := s.KeyedByBits()
	text := append(readLoghub(t, "OpenSSH")[:20000], []byte("\nJohn Smith 00-1A-2B-3C-4D-5E fe80::1%eth0 ::ffff:1.2.3.4 jane@example.org pwd=Summer2024! v1.2.3.4\n")...)
	want, got := s.Scan(nil, text), k.Scan(nil, text)
	if len(got) != len(want) {
		t.Fatalf("keyed scanner found %d matches, plain %d", len(got), len(want))
	}
	kinds := map[Kind]bool{}
	for i := range want {
		w, g := want[i], got[i]
		kinds[g.Kind] = true
		addr := g.Kind == IPv4 || g.Kind == IPv6 || g.Kind == MAC
		if addr && g.Value != "" || !addr && g.Value != w.Value {
			t.Errorf("match %d (%v): keyed Value %q, plain %q", i, g.Kind, g.Value, w.Value)
		}
		if g.Canonical() != w.Value || w.Canonical() != w.Value {
			t.Errorf("match %d (%v): Canonical %q, Value %q", i, g.Kind, g.Canonical(), w.Value)
		}
		g.Value = w.Value
		if g != w {
			t.Errorf("match %d: keyed %v, plain %v", i, g, w)
		}
	}
	for _, want := range []Kind{IPv4, IPv6, MAC, Email, Name, Secret} {
		if !kinds[want] {
			t.Errorf("no %v match in the test text", want)
		}
	}
}

// TestChangelogLookAheadBound: a changelog header keeps its version only
// when the ';' ending its distributions is near enough for a stream to
// see it (maxDistributions), as the reference detector says too.
func TestChangelogLookAheadBound(t *testing.T) {
	s, _ := New(Options{Kinds: []Kind{IPv4}})
	for _, c := range []struct {
		dists string
		kept  string
	}{
		{"unstable", "version"},
		{strings.Repeat("a", maxDistributions-1), "version"},
		{strings.Repeat("a", maxDistributions+1), ""},
	} {
		text := []byte("pkg (1.2.3.4) " + c.dists + "; urgency=low")
		ms := s.Scan(nil, text)
		if len(ms) != 1 || ms[0].Kept != c.kept {
			t.Errorf("%d bytes of distributions: %v, want kept %q", len(c.dists), ms, c.kept)
		}
		if ref := refScan(Options{Kinds: []Kind{IPv4}}, text); len(ref) != 1 || ref[0].Kept != c.kept {
			t.Errorf("reference, %d bytes of distributions: %v, want kept %q", len(c.dists), ref, c.kept)
		}
	}
}

// TestValuesOutliveTheirScan: e-mail and secret Values share a block per
// Scan; a later Scan must not write over the Values an earlier one made,
// as a caller keeps them (a redactor's fresh mappings).
func TestValuesOutliveTheirScan(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s = s.KeyedByBits()
	first := s.Scan(nil, []byte("Mail Alice@Example.org, bob@example.net pwd=Summer2024! token=x"))
	want := []string{"alice@example.org", "bob@example.net", "Summer2024!", "x"}
	for k := 0; k < 200; k++ {
		s.Scan(nil, []byte(strings.Repeat("carol@example.com password=hunter2 ", k)))
	}
	var got []string
	for _, m := range first {
		got = append(got, m.Value)
	}
	if !slices.Equal(got, want) {
		t.Errorf("values %q after later scans, want %q", got, want)
	}
}

// TestScanAllocatesPerBlock: a KeyedByBits Scan makes the text of e-mail
// and secret Values in blocks, not a string per match; text dense with
// them needs a few allocations, not thousands.
func TestScanAllocatesPerBlock(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s = s.KeyedByBits()
	text := []byte(strings.Repeat("Mail user7@example.com with password=hunter2 now. ", 2000))
	dst := s.Scan(nil, text)
	if len(dst) != 4000 {
		t.Fatalf("%d matches, want 4000", len(dst))
	}
	allocs := testing.AllocsPerRun(5, func() { dst = s.Scan(dst[:0], text) })
	if allocs > 40 {
		t.Errorf("%v allocations for 4000 e-mail and secret matches", allocs)
	}
}
