package detect

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func loghubAll(b *testing.B) []byte {
	var all []byte
	for _, name := range loghubFiles {
		all = append(all, readLoghub(b, name)...)
	}
	return all
}

// denseText is synthetic text packed with identifiers and near-misses.
func denseText() []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 1<<20 {
		switch r.IntN(10) {
		case 0:
			fmt.Fprintf(&b, "%d.%d.%d.%d ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 1:
			fmt.Fprintf(&b, "2001:db8::%x ", r.IntN(65536))
		case 2:
			fmt.Fprintf(&b, "user%d@example.com ", r.IntN(1000))
		case 3:
			fmt.Fprintf(&b, "%02x:%02x:%02x:%02x:%02x:%02x ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 4:
			fmt.Fprintf(&b, "v%d.%d.%d ", r.IntN(10), r.IntN(10), r.IntN(10))
		case 5:
			fmt.Fprintf(&b, "%02d:%02d:%02d ", r.IntN(24), r.IntN(60), r.IntN(60))
		case 6:
			b.WriteString("password=hunter2 std::vector ")
		default:
			b.WriteString("the quick brown fox ")
		}
	}
	return []byte(b.String())
}

// benchNames is a list of n synthetic "first last" names.
func benchNames(n int) []string {
	r := rand.New(rand.NewPCG(3, 3))
	syl := []string{"an", "bel", "cor", "da", "el", "fin", "gar", "ha", "is", "jo", "ka", "lu", "mar", "no", "or", "pe", "ri", "sa", "to", "vi"}
	word := func() string {
		var s string
		for k := 2 + r.IntN(2); k > 0; k-- {
			s += syl[r.IntN(len(syl))]
		}
		return strings.ToUpper(s[:1]) + s[1:]
	}
	out := make([]string, n)
	for i := range out {
		out[i] = word() + " " + word()
	}
	return out
}

func benchScan(b *testing.B, text []byte, opts Options) {
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	benchScanner(b, s, text)
}

func benchScanner(b *testing.B, s *Scanner, text []byte) {
	var dst []Match
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		dst = s.Scan(dst[:0], text)
	}
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(b.N)*float64(len(text))/1e6/c.Seconds(), "MB/cpu-s")
	}
}

func BenchmarkScanLoghub(b *testing.B) { benchScan(b, loghubAll(b), Options{}) }
func BenchmarkScanLoghubNames10k(b *testing.B) {
	benchScan(b, loghubAll(b), Options{Names: benchNames(10000)})
}
func BenchmarkScanDense(b *testing.B) { benchScan(b, denseText(), Options{}) }

// BenchmarkScanDenseKeyedByBits is BenchmarkScanDense for a redactor,
// which keys addresses by their bits.
func BenchmarkScanDenseKeyedByBits(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	benchScanner(b, s.KeyedByBits(), denseText())
}
func BenchmarkScanDenseNames10k(b *testing.B) {
	benchScan(b, denseText(), Options{Names: benchNames(10000)})
}
func BenchmarkScanLoghubIPv4Only(b *testing.B) {
	benchScan(b, loghubAll(b), Options{Kinds: []Kind{IPv4}})
}

func BenchmarkNew10kNames(b *testing.B) {
	names := benchNames(10000)
	for b.Loop() {
		if _, err := New(Options{Names: names}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSafeCutLongLine is what a streaming redactor pays per buffer of
// a line longer than its buffer: dense text has no line break at all.
func BenchmarkSafeCutLongLine(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	text := denseText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.SafeCut(text)
	}
}
