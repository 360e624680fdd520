//go:build unix

package detect

import (
	"syscall"
	"time"
)

// cpuTime is the processor time this process has used. Benchmarks report
// throughput per CPU second as well as per wall second: on a machine shared
// with other work, wall time counts the time the benchmark was not running.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
