// Package cputime measures the CPU time of a piece of work on one thread,
// for tests that check how work grows with input size: unlike the wall
// clock, it does not grow while the thread waits for a busy processor. It is
// a leaf.
package cputime

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Of runs fn on one locked OS thread and returns the CPU time that thread
// spent in it (CLOCK_THREAD_CPUTIME_ID). Work fn hands to other goroutines
// is not counted.
func Of(fn func()) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &before); err != nil {
		return 0, err
	}
	fn()
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &after); err != nil {
		return 0, err
	}
	return time.Duration(after.Nano() - before.Nano()), nil
}

// Least returns the least CPU time of n runs of fn: the run the least
// disturbed by caches and interrupts.
func Least(n int, fn func()) (time.Duration, error) {
	best := time.Duration(1<<63 - 1)
	for range n {
		d, err := Of(fn)
		if err != nil {
			return 0, err
		}
		best = min(best, d)
	}
	return best, nil
}
