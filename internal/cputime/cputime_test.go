package cputime

import (
	"testing"
	"time"
)

// TestSleepIsNotWork: a thread that sleeps spends almost no CPU time, and
// one that computes spends some.
func TestSleepIsNotWork(t *testing.T) {
	slept, err := Of(func() { time.Sleep(50 * time.Millisecond) })
	if err != nil {
		t.Skip(err)
	}
	x := 0
	worked, err := Of(func() {
		for i := range 50_000_000 {
			x += i
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if slept >= worked {
		t.Errorf("sleeping 50 ms cost %v of CPU, counting to 50 million %v (x=%d)", slept, worked, x)
	}
}
