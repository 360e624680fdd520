//go:build !unix

package detect

import "time"

// cpuTime is not measured here; benchmarks then report wall-clock
// throughput only.
func cpuTime() time.Duration { return 0 }
