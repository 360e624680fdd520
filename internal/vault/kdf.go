package vault

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"
)

// KDFAlgorithm is the only passphrase KDF antidote uses.
const KDFAlgorithm = "argon2id"

// Bounds applied to KDF parameters read from a key file, so that a
// corrupted or hostile keys.json costs an unlock attempt no more than what
// Calibrate could have chosen, with room to spare: at most 1 GiB of memory,
// 64 passes, 16 lanes, and 8 GiB of memory passes in all (a few seconds).
// Calibrate stays inside them (256 MiB, and Time capped by the budget).
const (
	minSaltLen   = 16
	maxSaltLen   = 64
	maxTime      = 64
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxThreads   = 16
	// maxWorkKiB bounds Time × MemoryKiB: 32 passes at 256 MiB.
	maxWorkKiB = 8 << 20

	saltLen = 32
	kekLen  = 32

	// Calibrate's floor and the memory it grows to before it raises Time.
	calibrateMinMemoryKiB = 64 << 10  // 64 MiB
	calibrateMaxMemoryKiB = 256 << 10 // 256 MiB
)

// KDFParams says how a passphrase becomes a key-encryption key. It is stored in
// the key file; none of it is secret.
type KDFParams struct {
	Algorithm string `json:"algorithm"`
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	// Salt is replaced by a fresh random value whenever a key file wraps the
	// master key (NewKeyFile, Rewrap); profiles leave it empty.
	Salt []byte `json:"salt,omitempty"`
}

// Validate reports whether p can be used. It does not judge strength: the
// cheap profile from InsecureKDF is valid.
func (p KDFParams) Validate() error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return nil
}

func (p KDFParams) validate() error {
	switch {
	case p.Algorithm != KDFAlgorithm:
		return fmt.Errorf("KDF algorithm %q is not supported (want %q)", p.Algorithm, KDFAlgorithm)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("KDF time %d is outside 1..%d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("KDF threads %d is outside 1..%d", p.Threads, maxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("KDF memory %d KiB is outside %d..%d KiB", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case uint64(p.Time)*uint64(p.MemoryKiB) > maxWorkKiB:
		return fmt.Errorf("KDF cost of %d passes over %d KiB exceeds %d KiB passes", p.Time, p.MemoryKiB, maxWorkKiB)
	}
	return nil
}

// validateSalted is validate plus a salt check, for parameters read from a key
// file.
func (p KDFParams) validateSalted() error {
	if err := p.validate(); err != nil {
		return err
	}
	if len(p.Salt) < minSaltLen || len(p.Salt) > maxSaltLen {
		return fmt.Errorf("KDF salt of %d bytes is outside %d..%d", len(p.Salt), minSaltLen, maxSaltLen)
	}
	return nil
}

// withFreshSalt returns a copy of p with a new random salt.
func (p KDFParams) withFreshSalt() KDFParams {
	p.Salt = make([]byte, saltLen)
	rand.Read(p.Salt)
	return p
}

// deriveKEK runs argon2id. The caller wipes the result.
func (p KDFParams) deriveKEK(pass []byte) []byte {
	return argon2.IDKey(pass, p.Salt, p.Time, p.MemoryKiB, p.Threads, kekLen)
}

// InsecureKDF returns a profile that costs almost nothing (64 KiB, one pass).
// It exists so tests, including the CLI's end-to-end scripts, run fast. It
// gives a passphrase no protection: never use it for a real workspace.
func InsecureKDF() KDFParams {
	return KDFParams{Algorithm: KDFAlgorithm, Time: 1, MemoryKiB: 64, Threads: 1}
}

// Calibrate returns parameters for which deriving a key takes about target on
// this machine (antidote's CLI asks for 500ms). Memory never goes below 64 MiB;
// to reach the target it first grows memory to 256 MiB, the cost that matters
// most against guessing on GPUs, then raises Time. If one pass at 64 MiB
// already exceeds target, that floor is returned anyway. Calibration runs the
// KDF at the floor at most twice, well under two seconds on any machine that
// can unlock in target.
func Calibrate(target time.Duration) KDFParams {
	threads := min(max(runtime.NumCPU(), 1), 4)
	p := KDFParams{Algorithm: KDFAlgorithm, Time: 1, MemoryKiB: calibrateMinMemoryKiB, Threads: uint8(threads)}
	probe := p.withFreshSalt()
	pass := []byte("antidote calibration")
	// Best of two runs: the first may pay for page faults, and a busy machine
	// makes any single run slow.
	best := time.Duration(0)
	for i := range 2 {
		start := time.Now()
		probe.deriveKEK(pass)
		d := time.Since(start)
		if i == 0 || d < best {
			best = d
		}
		if d >= target {
			break
		}
	}
	if best <= 0 || best >= target {
		return p
	}
	// Cost is close to linear in Time·Memory.
	ratio := float64(target) / float64(best)
	memFactor := min(ratio, float64(calibrateMaxMemoryKiB)/float64(calibrateMinMemoryKiB))
	p.MemoryKiB = uint32(float64(calibrateMinMemoryKiB)*memFactor) &^ 1023 // whole MiB
	p.MemoryKiB = max(p.MemoryKiB, calibrateMinMemoryKiB)
	t := ratio / memFactor
	p.Time = uint32(min(max(t+0.5, 1), float64(maxTime), float64(maxWorkKiB/uint64(p.MemoryKiB))))
	return p
}
