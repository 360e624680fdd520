package vault

import (
	"strings"
	"testing"
	"time"
)

func TestKDFValidate(t *testing.T) {
	good := InsecureKDF()
	cases := []struct {
		name string
		edit func(*KDFParams)
		want string // substring of the error; "" means valid
	}{
		{"insecure profile is valid", func(*KDFParams) {}, ""},
		{"default-like profile", func(p *KDFParams) { p.Time, p.MemoryKiB, p.Threads = 3, 64<<10, 4 }, ""},
		{"other algorithm", func(p *KDFParams) { p.Algorithm = "scrypt" }, "not supported"},
		{"zero time would make argon2 panic", func(p *KDFParams) { p.Time = 0 }, "time"},
		{"absurd time", func(p *KDFParams) { p.Time = maxTime + 1 }, "time"},
		{"zero threads", func(p *KDFParams) { p.Threads = 0 }, "threads"},
		{"memory below 8 KiB per thread", func(p *KDFParams) { p.Threads, p.MemoryKiB = 4, 31 }, "memory"},
		{"memory above 4 GiB", func(p *KDFParams) { p.MemoryKiB = maxMemoryKiB + 1 }, "memory"},
		// The tampered keys.json of issue 16: 4 GiB and 1000 passes cost
		// 4.2 GB and 103 s per attempt; each bound alone now refuses.
		{"memory of the tampered key file", func(p *KDFParams) { p.MemoryKiB = 4 << 20 }, "memory"},
		{"time of the tampered key file", func(p *KDFParams) { p.Time = 1000 }, "time"},
		{"memory above 1 GiB", func(p *KDFParams) { p.MemoryKiB = 1<<20 + 1 }, "memory"},
		{"many passes at 1 GiB", func(p *KDFParams) { p.Time, p.MemoryKiB = 9, 1<<20 }, "cost"},
		{"calibrate's ceiling", func(p *KDFParams) { p.Time, p.MemoryKiB, p.Threads = 32, 256<<10, 4 }, ""},
		{"many threads", func(p *KDFParams) { p.Threads, p.MemoryKiB = 255, 255*8 }, "threads"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good
			c.edit(&p)
			err := p.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "vault: ") {
				t.Fatalf("Validate() = %v, want a vault error mentioning %q", err, c.want)
			}
		})
	}
}

func TestKDFSaltChecked(t *testing.T) {
	p := InsecureKDF()
	if err := p.validateSalted(); err == nil {
		t.Fatal("a profile without salt passed the key-file check")
	}
	p = p.withFreshSalt()
	if err := p.validateSalted(); err != nil {
		t.Fatal(err)
	}
	q := p.withFreshSalt()
	if string(p.Salt) == string(q.Salt) {
		t.Fatal("two fresh salts are equal")
	}
}

func TestCalibrate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs argon2id at 64 MiB")
	}
	// What the parameters cost on this machine is what Calibrate measures;
	// the test holds the policy's bounds, never a time.
	p := Calibrate(500 * time.Millisecond)
	t.Logf("Calibrate(500ms): time=%d memory=%d MiB threads=%d", p.Time, p.MemoryKiB>>10, p.Threads)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.MemoryKiB < calibrateMinMemoryKiB || p.MemoryKiB > calibrateMaxMemoryKiB || p.Time < 1 {
		t.Fatalf("Calibrate gave time=%d memory=%d KiB, outside the policy", p.Time, p.MemoryKiB)
	}
	if len(p.Salt) != 0 {
		t.Fatal("Calibrate should leave Salt to the key file")
	}
	// A target below one pass at the floor returns the floor.
	if f := Calibrate(time.Nanosecond); f.Time != 1 || f.MemoryKiB != calibrateMinMemoryKiB {
		t.Fatalf("Calibrate(1ns) = time %d memory %d, want the floor", f.Time, f.MemoryKiB)
	}
}
