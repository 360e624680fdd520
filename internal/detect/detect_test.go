package detect

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// w is one expected match: "kind|span" or "kind|span|value"; for secrets
// "secret:label|span".
type tcase struct {
	in    string
	want  []string
	names []string
}

var cases = []struct {
	note string
	tcase
}{
	// IPv4
	{"bare address in a log line", tcase{in: "Invalid user webmaster from 173.234.31.186", want: []string{"ipv4|173.234.31.186"}}},
	{"with a port, span is the address", tcase{in: "/10.10.34.11:3888 ok", want: []string{"ipv4|10.10.34.11"}}},
	{"in brackets", tcase{in: "for ns.example.com [173.234.31.186] failed", want: []string{"ipv4|173.234.31.186"}}},
	{"CIDR suffix left out", tcase{in: "route 10.0.0.0/8 via", want: []string{"ipv4|10.0.0.0"}}},
	{"in a URL with user info: the IP only", tcase{in: "http://user@1.2.3.4:8080/x", want: []string{"ipv4|1.2.3.4"}}},
	{"after key=", tcase{in: "rhost=218.188.2.4 user=root", want: []string{"ipv4|218.188.2.4"}}},
	{"sentence-final dot is not part of it", tcase{in: "connect to 8.8.8.8.", want: []string{"ipv4|8.8.8.8"}}},
	{"start and end of text", tcase{in: "0.0.0.0", want: []string{"ipv4|0.0.0.0"}}},
	{"255 in every octet", tcase{in: "255.255.255.255", want: []string{"ipv4|255.255.255.255"}}},
	{"leading zeros read as decimal", tcase{in: "host 010.001.002.003 up", want: []string{"ipv4|010.001.002.003|10.1.2.3"}}},
	{"defanged [.] once", tcase{in: "c2 at 1.2.3[.]4 seen", want: []string{"ipv4|1.2.3[.]4|1.2.3.4"}}},
	{"defanged [.] everywhere", tcase{in: "1[.]2[.]3[.]4", want: []string{"ipv4|1[.]2[.]3[.]4|1.2.3.4"}}},
	{"defanged (.)", tcase{in: "1(.)2(.)3(.)4", want: []string{"ipv4|1(.)2(.)3(.)4|1.2.3.4"}}},
	{"defanged [dot]", tcase{in: "10[dot]0[DOT]0[dot]1", want: []string{"ipv4|10[dot]0[DOT]0[dot]1|10.0.0.1"}}},
	{"defanged URL scheme", tcase{in: "hxxp://45.33.2.1/payload", want: []string{"ipv4|45.33.2.1"}}},
	{"range: both ends", tcase{in: "10.0.0.1-10.0.0.9", want: []string{"ipv4|10.0.0.1", "ipv4|10.0.0.9"}}},
	{"CJK text without spaces", tcase{in: "IP地址为192.168.1.1。", want: []string{"ipv4|192.168.1.1"}}},
	{"octet over 255", tcase{in: "1.2.3.256 and 300.1.1.1"}},
	{"four-digit octet", tcase{in: "1.2.3.4567"}},
	{"five parts: version string", tcase{in: "version 1.2.3.4.5 released"}},
	{"OID", tcase{in: "oid 2.5.4.3.1"}},
	{"decimal number", tcase{in: "pi is 3.14"}},
	{"date with three parts", tcase{in: "2017.03.07 and 12.03.2017"}},
	{"a 'v' before: a version, kept", tcase{in: "v1.2.3.4", want: []string{"ipv4!version|1.2.3.4"}}},
	{"glued to a letter on the right: the label is the span", tcase{in: "1.2.3.4a", want: []string{"ipv4|1.2.3.4a|1.2.3.4"}}},
	{"inside a host name: found", tcase{in: "rhost=5.36.59.76.dynamic-dsl-ip.example.om static-059.45.101.203.example.net", want: []string{"ipv4|5.36.59.76", "ipv4|static-059.45.101.203|59.45.101.203"}}},
	{"glued to letters in a host name: the labels are the span", tcase{in: "host129.206.196.21.example.com", want: []string{"ipv4|host129.206.196.21|129.206.196.21"}}},
	{"defanged dot before a digit glues", tcase{in: "1[.]2[.]3[.]4[.]5"}},
	{"three octets", tcase{in: "1.2.3"}},
	// IPv6
	{"full form", tcase{in: "addr 2001:0db8:0000:0000:0000:ff00:0042:8329 up", want: []string{"ipv6|2001:0db8:0000:0000:0000:ff00:0042:8329|2001:db8::ff00:42:8329"}}},
	{"compressed", tcase{in: "via 2001:db8::1 ok", want: []string{"ipv6|2001:db8::1"}}},
	{"upper case canonicalised", tcase{in: "2001:DB8::A", want: []string{"ipv6|2001:DB8::A|2001:db8::a"}}},
	{"loopback", tcase{in: "bind ::1 port", want: []string{"ipv6|::1"}}},
	{"IPv4-mapped", tcase{in: "from ::ffff:192.0.2.1", want: []string{"ipv6|::ffff:192.0.2.1"}}},
	{"NAT64", tcase{in: "64:ff9b::1.2.3.4", want: []string{"ipv6|64:ff9b::1.2.3.4|64:ff9b::102:304"}}},
	{"brackets and port", tcase{in: "[2001:db8::1]:443", want: []string{"ipv6|2001:db8::1"}}},
	{"zone is outside the span", tcase{in: "fe80::1%eth0", want: []string{"ipv6|fe80::1"}}},
	{"CIDR", tcase{in: "fc00::/7", want: []string{"ipv6|fc00::"}}},
	{"prefix with three hex digits", tcase{in: "2001::/16", want: []string{"ipv6|2001::"}}},
	{"Java unbracketed address and port", tcase{in: "[QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774]", want: []string{"ipv6|0:0:0:0:0:0:0:0|::"}}},
	{"after key:", tcase{in: "addr:fe80::1", want: []string{"ipv6|fe80::1"}}},
	{"trailing colon of a message", tcase{in: "peer 2001:db8::2: refused", want: []string{"ipv6|2001:db8::2"}}},
	{"C++ scope", tcase{in: "std::vector<int> Foo::Bar a::b::c"}},
	{"hex words", tcase{in: "dead::beef cafe::babe"}},
	{"times", tcase{in: "10:30:00 12:00"}},
	{"double colon alone", tcase{in: "a :: b"}},
	{"single short group", tcase{in: "y[::2] z = 1:: w = ::a"}},
	{"two groups are enough", tcase{in: "x[1::2]", want: []string{"ipv6|1::2"}}},
	{"EUI-64 / WWN", tcase{in: "wwn 20:00:00:25:b5:00:00:0f"}},
	{"glued on the right", tcase{in: "fe80::1x"}},
	{"five-digit group", tcase{in: "fe80::12345"}},
	// E-mail
	{"plain address lower-cased", tcase{in: "mail John.Smith@Example.COM now", want: []string{"email|John.Smith@Example.COM|john.smith@example.com"}}},
	{"plus tag", tcase{in: "<jane+news@mail.example.org>", want: []string{"email|jane+news@mail.example.org"}}},
	{"trailing dot excluded", tcase{in: "write to a@b.example.", want: []string{"email|a@b.example"}}},
	{"UTF-8 local part and domain", tcase{in: "josé@exämple.de", want: []string{"email|josé@exämple.de"}}},
	{"IDN TLD", tcase{in: "info@пример.рф", want: []string{"email|info@пример.рф"}}},
	{"punycode TLD", tcase{in: "a@example.xn--p1ai", want: []string{"email|a@example.xn--p1ai"}}},
	{"git remote is an address", tcase{in: "git@github.com:org/repo.git", want: []string{"email|git@github.com"}}},
	{"apostrophe inside kept, quote before dropped", tcase{in: "'o'brien@example.ie'", want: []string{"email|o'brien@example.ie"}}},
	{"mailto", tcase{in: "mailto:x@y.io", want: []string{"email|x@y.io"}}},
	{"retina image", tcase{in: "logo@2x.png image@3x.jpg"}},
	{"file ending that is not a TLD", tcase{in: "sprite@large.svg"}},
	{"mention", tcase{in: "thanks @alice"}},
	{"npm scope", tcase{in: "npm i @types/node"}},
	{"single-label domain", tcase{in: "root@localhost"}},
	{"numeric TLD: the IP instead", tcase{in: "user@1.2.3.4", want: []string{"ipv4|1.2.3.4"}}},
	{"local part ending in a dot", tcase{in: "john.@example.com"}},
	{"package version", tcase{in: "lodash@4.17.21"}},
	// MAC
	{"colon form", tcase{in: "hwaddr 00:1a:2b:3c:4d:5e up", want: []string{"mac|00:1a:2b:3c:4d:5e"}}},
	{"dash form upper case", tcase{in: "00-1A-2B-3C-4D-5E", want: []string{"mac|00-1A-2B-3C-4D-5E|00:1a:2b:3c:4d:5e"}}},
	{"Cisco form", tcase{in: "mac 001a.2b3c.4d5e,", want: []string{"mac|001a.2b3c.4d5e|00:1a:2b:3c:4d:5e"}}},
	{"macOS single digits", tcase{in: "0:1b:63:84:45:e6", want: []string{"mac|0:1b:63:84:45:e6|00:1b:63:84:45:e6"}}},
	{"seven groups: longer run", tcase{in: "00:1a:2b:3c:4d:5e:6f"}},
	{"mixed separators", tcase{in: "00:1a-2b:3c:4d:5e"}},
	{"five groups", tcase{in: "00:1a:2b:3c:4d"}},
	// Names
	{"whole word, case-insensitive", tcase{in: "met JOHN SMITH today", names: []string{"John Smith"}, want: []string{"name|JOHN SMITH|John Smith"}}},
	{"flexible white space across a line break", tcase{in: "John\n   Smith", names: []string{"John Smith"}, want: []string{"name|John\n   Smith|John Smith"}}},
	{"possessive stays outside", tcase{in: "Smith's car and Smith’s", names: []string{"Smith"}, want: []string{"name|Smith", "name|Smith"}}},
	{"not inside a longer word", tcase{in: "Smithson ASmith Smith2", names: []string{"Smith"}}},
	{"curly apostrophe in the name", tcase{in: "Mr O’Brien", names: []string{"O'Brien"}, want: []string{"name|O’Brien|O'Brien"}}},
	{"Unicode folding", tcase{in: "MÜLLER und müller", names: []string{"Müller"}, want: []string{"name|MÜLLER|Müller", "name|müller|Müller"}}},
	{"longest listed name wins", tcase{in: "Ana Maria Lopez", names: []string{"Ana", "Ana Maria Lopez"}, want: []string{"name|Ana Maria Lopez"}}},
	{"first spelling is the value", tcase{in: "ana", names: []string{"ANA", "Ana"}, want: []string{"name|ana|ANA"}}},
	{"after a non-ASCII letter is not a word start", tcase{in: "éAna", names: []string{"Ana"}}},
	{"name in an e-mail address is the address", tcase{in: "ana@example.com", names: []string{"Ana"}, want: []string{"email|ana@example.com"}}},
	{"too much white space", tcase{in: "John                    Smith", names: []string{"John Smith"}}},
	// Secrets
	{"password assignment", tcase{in: "login password=hunter2 ok", want: []string{"secret:password|hunter2"}}},
	{"JSON api key, quoted with space", tcase{in: `{"api_key": "abc def"}`, want: []string{"secret:api-key|abc def"}}},
	{"YAML passwd", tcase{in: "passwd: s3cr3t!", want: []string{"secret:password|s3cr3t!"}}},
	{"env var suffix", tcase{in: "DB_PASSWORD=p4ss&x=1", want: []string{"secret:password|p4ss"}}},
	{"pwd in a query string", tcase{in: "?user=bob&pwd=x9", want: []string{"secret:password|x9"}}},
	{"Go :=", tcase{in: `secret := "s"`, want: []string{"secret:secret|s"}}},
	{"PWD is a directory", tcase{in: "PWD=/home/jdoe OLDPWD=~"}},
	{"placeholders", tcase{in: "password=******** password=${DB_PASS} password: <password> password=null"}},
	{"path to /etc/passwd", tcase{in: "/etc/passwd: No such file"}},
	{"failed password line", tcase{in: "Failed password for root from 1.2.3.4 port 22 ssh2", want: []string{"ipv4|1.2.3.4"}}},
	{"empty value: the next line is not the value", tcase{in: "password=\nnext"}},
	{"space after the separator", tcase{in: "password= hunter2", want: []string{"secret:password|hunter2"}}},
	{"AWS key id", tcase{in: "aws AKIAIOSFODNN7EXAMPLE x", want: []string{"secret:aws-access-key|AKIAIOSFODNN7EXAMPLE"}}},
	{"AWS key glued", tcase{in: "AKIAIOSFODNN7EXAMPLEX"}},
	{"GitHub token", tcase{in: "token ghp_" + strings.Repeat("a1B2", 9), want: []string{"secret:github-token|ghp_" + strings.Repeat("a1B2", 9)}}},
	{"GitHub fine-grained", tcase{in: "github_pat_" + strings.Repeat("A1_b", 20), want: []string{"secret:github-token|github_pat_" + strings.Repeat("A1_b", 20)}}},
	{"Slack", tcase{in: "xoxb-123456789012-abcdefABCDEF", want: []string{"secret:slack-token|xoxb-123456789012-abcdefABCDEF"}}},
	{"Google API key", tcase{in: "key=AIzaSyA-" + strings.Repeat("x", 31) + " ", want: []string{"secret:google-api-key|AIzaSyA-" + strings.Repeat("x", 31)}}},
	{"Stripe", tcase{in: "sk_live_4eC39HqLyjWDarjtT1zdp7dc", want: []string{"secret:stripe-key|sk_live_4eC39HqLyjWDarjtT1zdp7dc"}}},
	{"JWT", tcase{in: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_-x", want: []string{"secret:jwt|eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_-x"}}},
	{"token after api_key= is the token", tcase{in: "api_key=AKIAIOSFODNN7EXAMPLE", want: []string{"secret:aws-access-key|AKIAIOSFODNN7EXAMPLE"}}},
	{"IP as a password value is the IP", tcase{in: "password=10.0.0.1", want: []string{"ipv4|10.0.0.1"}}},
	{"RSA key block", tcase{in: "k:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\nAAKCAQ==\n-----END RSA PRIVATE KEY-----\nafter", want: []string{"secret:private-key|-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\nAAKCAQ==\n-----END RSA PRIVATE KEY-----"}}},
	{"OpenSSH key block", tcase{in: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", want: []string{"secret:private-key|-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----"}}},
	{"PGP private key block", tcase{in: "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: X\n\nlQ==\n-----END PGP PRIVATE KEY BLOCK-----", want: []string{"secret:private-key|-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: X\n\nlQ==\n-----END PGP PRIVATE KEY BLOCK-----"}}},
	{"JSON-escaped key", tcase{in: `"private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"`, want: []string{`secret:secret|-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n`}}},
	{"truncated key: body lines only", tcase{in: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nIB+/x=\n\nSome prose follows here.", want: []string{"secret:private-key|-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nIB+/x="}}},
	{"long value cut at MaxLen", tcase{in: "password=" + strings.Repeat("x", MaxLen+50), want: []string{"secret:password|" + strings.Repeat("x", MaxLen)}}},
	{"long JWT cut at MaxLen", tcase{in: "eyJ" + strings.Repeat("a", 20) + ".eyJ" + strings.Repeat("b", MaxLen) + ".c.", want: []string{"secret:jwt|" + ("eyJ" + strings.Repeat("a", 20) + ".eyJ" + strings.Repeat("b", MaxLen))[:MaxLen]}}},
	{"public key is not a secret", tcase{in: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"}},
	{"certificate is not a secret", tcase{in: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}},
}

func parseWant(s string) (kind Kind, label, span, value, kept string) {
	parts := strings.SplitN(s, "|", 3)
	k := parts[0]
	if i := strings.IndexByte(k, '!'); i >= 0 {
		k, kept = k[:i], k[i+1:]
	}
	if i := strings.IndexByte(k, ':'); i >= 0 {
		k, label = k[:i], k[i+1:]
	}
	kind, err := ParseKind(k)
	if err != nil {
		panic(err)
	}
	span, value = parts[1], parts[1]
	if len(parts) == 3 {
		value = parts[2]
	}
	if kind == Email {
		value = strings.ToLower(value)
	}
	return
}

func TestScanTable(t *testing.T) {
	for _, c := range allCases() {
		s, err := New(Options{Names: c.names})
		if err != nil {
			t.Fatalf("%s: %v", c.note, err)
		}
		got := s.Scan(nil, []byte(c.in))
		checkInvariants(t, c.note, []byte(c.in), got)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q: got %d matches %v, want %v", c.note, c.in, len(got), got, c.want)
			continue
		}
		for i, w := range c.want {
			kind, label, span, value, kept := parseWant(w)
			g := got[i]
			if g.Kind != kind || g.Label != label || c.in[g.Start:g.End] != span || g.Value != value || g.Kept != kept {
				t.Errorf("%s: %q: match %d = %v %q %q %q kept %q, want %v %q %q %q kept %q", c.note, c.in, i, g.Kind, g.Label, c.in[g.Start:g.End], g.Value, g.Kept, kind, label, span, value, kept)
			}
		}
		// The reference must agree on every table case.
		ref := refScan(Options{Names: c.names}, []byte(c.in))
		if fmt.Sprint(ref) != fmt.Sprint(got) {
			t.Errorf("%s: %q: reference %v, scanner %v", c.note, c.in, ref, got)
		}
	}
}

// checkInvariants: inside the input, sorted, non-overlapping, and the span
// re-reads to the value.
func checkInvariants(t *testing.T, note string, text []byte, ms []Match) {
	t.Helper()
	last := 0
	for _, m := range ms {
		if m.Start < last || m.End <= m.Start || m.End > len(text) {
			t.Fatalf("%s: bad span [%d,%d) after %d in %d bytes", note, m.Start, m.End, last, len(text))
		}
		last = m.End
		span := string(text[m.Start:m.End])
		switch m.Kind {
		case IPv4:
			// The span may hold the rest of a host name label around the
			// address ("ip-216-69-169-168"); the value's octets, in
			// order or reversed (in-addr.arpa), must be in it.
			if o := m.Addr.As4(); m.Addr.Is4() {
				fwd := fmt.Sprintf("%d %d %d %d", o[0], o[1], o[2], o[3])
				rev := fmt.Sprintf("%d %d %d %d", o[3], o[2], o[1], o[0])
				v := span
				for _, d := range []string{"[.]", "(.)", "{.}", "[dot]", "[DOT]", "[Dot]", "(dot)", "(DOT)", "&#46;", "．"} {
					v = strings.ReplaceAll(v, d, ".")
				}
				nums := strings.Join(regexp.MustCompile(`[0-9]+`).FindAllString(refASCIIDigits(v), -1), " ")
				norm := regexp.MustCompile(`(^| )0+([0-9])`).ReplaceAllString(nums, "$1$2")
				if !strings.Contains(" "+norm+" ", " "+fwd+" ") && !strings.Contains(" "+norm+" ", " "+rev+" ") && !inetAtonIs(span, m.Addr) || m.Value != m.Addr.String() {
					t.Fatalf("%s: IPv4 span %q does not hold %q", note, span, m.Value)
				}
			}
			if m.Kept != "" && m.Kept != "version" {
				t.Fatalf("%s: unknown kept reason %q", note, m.Kept)
			}
		case IPv6:
			// The span is the address, or a host name label that holds it
			// with dashes for colons, or a PTR name's reversed nibbles.
			a, err := netip.ParseAddr(span)
			if err != nil {
				a, err = hostV6(span)
			}
			if err != nil || a.String() != m.Value || a != m.Addr {
				t.Fatalf("%s: IPv6 span %q does not re-read to %q: %v", note, span, m.Value, err)
			}
		case Email:
			if refanged := refangEmail(span); strings.ToLower(refanged) != m.Value || strings.Count(refanged, "@") != 1 {
				t.Fatalf("%s: e-mail span %q, value %q", note, span, m.Value)
			}
		case MAC:
			h := strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.ToLower(span))
			if v := strings.ReplaceAll(m.Value, ":", ""); len(h) == 12 && h != v {
				t.Fatalf("%s: MAC span %q, value %q", note, span, m.Value)
			}
		case Secret:
			if span != m.Value || m.Label == "" {
				t.Fatalf("%s: secret span and value differ or no label", note)
			}
		case Name:
			if m.Value == "" {
				t.Fatalf("%s: name without value", note)
			}
		}
		if (m.Kind == IPv4 || m.Kind == IPv6) != m.Addr.IsValid() || m.Addr.IsValid() && m.Scope != ScopeOf(m.Addr) {
			t.Fatalf("%s: address/scope fields wrong for %v", note, m.Kind)
		}
	}
}

// refangEmail undoes the defanged and escaped at-signs and dots an e-mail
// span may hold.
func refangEmail(span string) string {
	span = refangAt.ReplaceAllString(span, "@")
	return refangDot.ReplaceAllString(span, ".")
}

var (
	refangAt  = regexp.MustCompile(`(?i) ?(?:\[at\]|\(at\)|\[@\]|\(@\)) ?|%40|&#64;|&#x40;`)
	refangDot = regexp.MustCompile(`(?i) ?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)) ?|&#46;|．`)
)

// hostV6 reads the IPv6 address in a host name label (the first run of
// dashed hex groups that parses, "ip-2a00-1450--200e") or in the 32 reversed
// nibbles of a PTR name.
func hostV6(span string) (netip.Addr, error) {
	if len(span) == 63 && strings.Count(span, ".") == 31 {
		n := []byte(strings.ReplaceAll(span, ".", ""))
		slices.Reverse(n)
		var b strings.Builder
		for i := 0; i < 32; i += 4 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.Write(n[i : i+4])
		}
		return netip.ParseAddr(b.String())
	}
	for _, run := range regexp.MustCompile(`[0-9A-Fa-f]+(?:--?[0-9A-Fa-f]+)+`).FindAllString(span, -1) {
		if a, err := netip.ParseAddr(strings.ReplaceAll(run, "-", ":")); err == nil {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no dashed or nibble address in %q", span)
}

// inetAtonIs reports whether span, read as inet_aton reads a URL host (one
// to four parts, each decimal, 0-octal or 0x-hex, the last filling the
// bits left), is the address a.
func inetAtonIs(span string, a netip.Addr) bool {
	parts := strings.Split(span, ".")
	if len(parts) > 4 || !a.Is4() {
		return false
	}
	var v uint64
	for i, p := range parts {
		x, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return false
		}
		if i < len(parts)-1 {
			v |= x << (24 - 8*i)
		} else {
			v |= x
		}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}) == a
}
