package detect

import "testing"

func BenchmarkTmpEmail(b *testing.B)  { benchScan(b, loghubAll(b), Options{Kinds: []Kind{Email}}) }
func BenchmarkTmpSecret(b *testing.B) { benchScan(b, loghubAll(b), Options{Kinds: []Kind{Secret}}) }
func BenchmarkTmpV6MAC(b *testing.B)  { benchScan(b, loghubAll(b), Options{Kinds: []Kind{IPv6, MAC}}) }
func BenchmarkTmpIPv4(b *testing.B)   { benchScan(b, loghubAll(b), Options{Kinds: []Kind{IPv4}}) }
func BenchmarkTmpLoop(b *testing.B) {
	text := loghubAll(b)
	b.SetBytes(int64(len(text)))
	c0 := cpuTime()
	n := 0
	for b.Loop() {
		for i := 0; i < len(text); i++ {
			if class[text[i]]&cWord == 0 {
				n++
			}
		}
	}
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(b.N)*float64(len(text))/1e6/c.Seconds(), "MB/cpu-s")
	}
	_ = n
}
