package detect

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var fuzzNames = []string{"John Smith", "O'Brien", "Müller", "Ana", "ana maria lopez", "Jean-Luc", "李小龙", "K", "Straße", "Łukasz Ødegård", "Anne-Marie Bush | last-first initials given", "Will Power | case"}

func fuzzOptions(mode uint8) Options {
	var o Options
	if mode&1 != 0 {
		o.Names = fuzzNames
	}
	if mode&2 != 0 {
		// A subset of kinds, chosen by the high bits.
		for k := IPv4; k <= Secret; k++ {
			if mode&(4<<(k-1)) != 0 {
				o.Kinds = append(o.Kinds, k)
			}
		}
		if o.Kinds == nil {
			o.Kinds = []Kind{Email}
		}
	}
	return o
}

func compareWithReference(t *testing.T, mode uint8, text []byte) {
	t.Helper()
	o := fuzzOptions(mode)
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Scan(nil, text)
	checkInvariants(t, "fuzz", text, got)
	want := refScan(o, text)
	if !slices.Equal(got, want) {
		t.Fatalf("mode %d, text %q:\nscanner   %v\nreference %v", mode, text, got, want)
	}
}

func FuzzScanVsReference(f *testing.F) {
	for _, c := range allCases() {
		f.Add([]byte(c.in), uint8(1))
		f.Add([]byte(c.in), uint8(0xff))
	}
	for _, s := range fragments {
		f.Add([]byte(s), uint8(1))
	}
	f.Add([]byte("1.2.3.4 fe80::1 00:1a:2b:3c:4d:5e a@b.co"), uint8(0))
	f.Fuzz(func(t *testing.T, text []byte, mode uint8) {
		if len(text) > 1024 {
			return // the reference is quadratic
		}
		compareWithReference(t, mode, text)
	})
}

// fragments are pieces of identifiers and their look-alikes; random
// concatenations of them reach corners that random bytes rarely do.
var fragments = []string{
	"1", "2", "10", "255", "256", "010", "1234", ".", "..", "[.]", "(.)", "{.}", "[dot]", "(DOT)",
	":", "::", ":::", "a", "f", "fe80", "ffff", "db8", "2001", "0", "00", "1a", "x", "g",
	"-", "_", "@", "+", "%", "'", "’", "\"", "`", "/", "\\", "[", "]", "(", ")", " ", "  ", "\t", "\n", "\r\n", "\\n",
	"=", ":=", "=>", "==", "password", "PWD", "pwd", "api_key", "secret", "token", "_password", "/etc/passwd",
	"example", "com", ".com", "png", "2x", "xn--p1ai", "é", "ü", "рф", "李", "\u0301", "\u00a0", "\u2028",
	"AKIA", "IOSFODNN7EXAMPLE", "AIza", "ghp_", "github_pat_", "xoxb-", "sk_live_", "eyJ", "eyJhbGciOiJIUzI1", "abcdefghij0123456789",
	"-----BEGIN ", "-----END ", "RSA PRIVATE KEY", "PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "-----", "MIIE", "Version: 1",
	"John", "Smith", "john smith", "O'Brien", "o’brien", "Müller", "MÜLLER", "Ana", "Maria", "Lopez", "Jean-Luc", "李小龙", "k", "K", "\u212a",
	"*", "${", "<", "null", "%eth0", "\xff", "\xc3", "\xe2\x80",
	"[at]", "(AT)", "[@]", "(@)", " [at] ", " [dot] ", "%40", "%3D", "&#64;", "&#x40;", "&#46;", "://", "u:p@", "--password ",
	"<password>", "</password>", "define('pwd', ", "Authorization: Bearer ", "token", "pass", "IPv6:", "[::]", "/64", "1::",
	"２５５", "０", "．", "Ｚ", "bot", "%2F", "\u00ad", "\u200b", "e\u0301", "Jose", "MAC=", "ff:", "李", "的",
	// host names, escapes, versions, code
	"ip-", "host", "-sta", ".in-addr.arpa", ".example.com", `\fB`, `\fR`, `\*(Aq`, `\(aq`, `\*R`, `\f(CW`, "%20", "%25",
	"v", "V", "version", "Version: ", "policy ", " ver ", "(>= ", "1:", "+dfsg", "~rc1", "-1)", ") unstable;", "(",
	"::/home", "::/64", "strtok_r(", "os.environ[", "your-", "_here", "files",
	"Bush, ", "A. ", "Anne-Marie", "Bush", "Will Power", "will power", "WILL", "Power", ", A.",
	"</td><td>", "<b>", "<br/>", "<", ">", "\u2010", "Smith-Jones", "Jean Luc", "Luc-",
	"Strasse", "STRAẞE", "straße", "Lukasz", "łukasz", "Odegard", "ødegård", "ß", "ø", "ss",
	"mysql ", "mariadb-dump ", " -p", "-p'", "password '", "Password \"", "_pw: ", "pw=", "xoxb-your-",
	"http://", "://", "0x7f", "0177", "3232235777", "0x", "u@", "PASSWORD('", "password(\"", "old_",
	"sshpass ", "curl ", " -u ", " -u'", "--user ", "a:b", "$X", "IDENTIFIED BY '", " identified with p by \"", "machine ", "default ", " login ", " password ",
}

// dense is a smaller alphabet that builds addresses often.
var dense = []string{
	"1", "25", "255", "0", "010", "300", "7", ".", ".", ".", "[.]", "(dot)", ":", ":", "::", "a", "f", "fe80", "ffff",
	"1a", "2b", "001a", "-", "-", "@", "x", " ", "\n", "ex.com", "b.org", "/", "%", "[", "]", "v", "_", "é", "pwd=",
	"[at]", "(at)", "%40", "&#64;", "[.]", "://", ":", "a:b@", "%2F", "%3a", "１", "９", "．", "ａ",
	"-", "-", "ip-", "x", `\fB`, `\*(Aq`, "%20", "v", "(", ")", "+d", "1:", ">=", "version ", ".arpa", ".in-addr",
}

// TestScanVsReferenceRandom compares scanner and reference on texts built
// from fragments; it runs in every `go test`, unlike the fuzzer.
func TestScanVsReferenceRandom(t *testing.T) {
	seed := uint64(1)
	if v := os.Getenv("DETECT_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(seed, 2))
	for i := 0; i < n; i++ {
		var b strings.Builder
		vocab := fragments
		if i%2 == 1 {
			vocab = dense
		}
		for k := r.IntN(32); k >= 0; k-- {
			b.WriteString(vocab[r.IntN(len(vocab))])
		}
		compareWithReference(t, uint8(r.IntN(256)), []byte(b.String()))
	}
}

// TestShapesVsReference compares scanner and reference on texts built
// around long structured shapes that random fragments rarely assemble:
// netfilter MAC fields, URLs with user information, defanged addresses.
func TestShapesVsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for k := r.IntN(4); k >= 0; k-- {
			switch r.IntN(5) {
			case 4:
				// host names, escapes and version contexts
				b.WriteString(pick("", " ", "ip-", "host", "customer-", "x_", `\fB`, `\*(Aq`, "%20", "%2F", "v", "(>= 1:", "Standards-Version: ", "a-", "1-", "1."))
				for g := 3 + r.IntN(3); g > 0; g-- {
					b.WriteString(pick("1", "10", "255", "256", "0", "07"))
					if g > 1 {
						b.WriteString(pick(".", ".", "-", "-", "[.]", "_"))
					}
				}
				b.WriteString(pick("", "-sta", ".example.com", ".in-addr.arpa", "+dfsg-1)", "-1)", ") unstable;", "a", "_", `\fR`, "-", ".", "::/home"))
			case 0:
				b.WriteString(pick("", "x", " ", "MAC=", "mac=", "=", ":"))
				for g := 12 + r.IntN(4); g > 0; g-- {
					b.WriteString(pick("00", "1a", "ff", "0", "fe", "Ab"))
					b.WriteString(pick(":", ":", ":", "-", ""))
				}
			case 1:
				b.WriteString(pick("http", "s3", "", "x_"))
				b.WriteString(pick("://", ":/", "//"))
				b.WriteString(pick("", "u", "pwd=", "a(at)"))
				b.WriteString(pick(":", "", "::"))
				b.WriteString(pick("p", "p@s", "", "p%40x.com", "[.]"))
				b.WriteString(pick("@", "@@", "[at]"))
				b.WriteString(pick("h", "1.2.3.4", "[::1]", "ex.com", ""))
				b.WriteString(pick("/", ":80", " ", ""))
			case 2:
				b.WriteString(pick("a", "jo.e", "1.2.3.4", "--password", "x%3D"))
				b.WriteString(pick(" [at] ", "[at]", "(@)", "%40", "&#64;", "@"))
				b.WriteString(pick("ex", "b-", "x"))
				b.WriteString(pick("[.]", " [dot] ", ".", "．", "&#46;"))
				b.WriteString(pick("com", "org.", "x", ""))
			default:
				b.WriteString(pick("１", "1", "２５５", "."))
				b.WriteString(pick("．", ".", "[.]"))
				b.WriteString(pick("２", "2", "%2F3", "%2F１", "%20"))
				b.WriteString(pick(".3.4", "．３．４", ".3.4.5", ""))
			}
		}
		compareWithReference(t, uint8(r.IntN(256)), []byte(b.String()))
	}
}
