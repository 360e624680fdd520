//go:build unix

package redact

import (
	"syscall"
	"testing"
)

// reportRusage, deferred as defer reportRusage(b)(), reports the process's
// CPU time (user and system) and minor page faults per operation: on a
// busy machine the wall clock says little about the work done.
func reportRusage(b *testing.B) func() {
	var before syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		return func() {}
	}
	return func() {
		var after syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil || b.N == 0 {
			return
		}
		cpu := func(r *syscall.Rusage) int64 { return r.Utime.Nano() + r.Stime.Nano() }
		b.ReportMetric(float64(cpu(&after)-cpu(&before))/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(after.Stime.Nano()-before.Stime.Nano())/float64(b.N), "sys-ns/op")
		b.ReportMetric(float64(after.Minflt-before.Minflt)/float64(b.N), "faults/op")
	}
}
