package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// needBwrap skips where bubblewrap is not installed; where it is
// installed but cannot run, the tests fail.
func needBwrap(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("bubblewrap not installed (CI installs it)")
		}
		t.Skip("bubblewrap not installed")
	}
}

func TestRunPipesInputAndOutput(t *testing.T) {
	needBwrap(t)
	for _, mode := range []Mode{Bubblewrap, Off} {
		r := New(Config{Mode: mode})
		out, err := r.Run(context.Background(), Cmd{Program: "cat", Stdin: []byte("through the pipe")})
		if err != nil || string(out) != "through the pipe" {
			t.Errorf("mode %d: %q, %v", mode, out, err)
		}
	}
}

// TestConfinement: the program sees only the system's /usr, no network
// but loopback, none of the caller's environment, and runs as nobody.
func TestConfinement(t *testing.T) {
	needBwrap(t)
	t.Setenv("ANTIDOTE_CANARY", "caller-secret")
	r := New(Config{})
	run := func(script string) string {
		t.Helper()
		out, err := r.Run(context.Background(), Cmd{Program: "sh", Args: []string{"-c", script}, Env: []string{"LANG=C"}})
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		return string(out)
	}
	root := strings.Fields(run("ls -A /"))
	slices.Sort(root)
	if want := []string{"bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr"}; !slices.Equal(root, want) {
		t.Errorf("root holds %v, want %v", root, want)
	}
	var ifaces []string
	for _, line := range strings.Split(run("cat /proc/net/dev"), "\n")[2:] {
		if name, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			ifaces = append(ifaces, name)
		}
	}
	if !slices.Equal(ifaces, []string{"lo"}) {
		t.Errorf("network interfaces %v, want only lo", ifaces)
	}
	env := run("env")
	if strings.Contains(env, "caller-secret") || strings.Contains(env, "HOME=") || !strings.Contains(env, "LANG=C") {
		t.Errorf("environment inside: %q", env)
	}
	if id := strings.TrimSpace(run("id -u")); id != "65534" {
		t.Errorf("runs as uid %s, want nobody", id)
	}
	if out := run("echo x > /usr/probe 2>/dev/null && echo writable || echo read-only"); strings.TrimSpace(out) != "read-only" {
		t.Errorf("/usr is %s", out)
	}
}

func TestLimits(t *testing.T) {
	needBwrap(t)
	ctx := context.Background()
	t.Run("deadline", func(t *testing.T) {
		r := New(Config{Timeout: 300 * time.Millisecond})
		_, err := r.Run(ctx, Cmd{Program: "sleep", Args: []string{"60"}})
		if !errors.Is(err, ErrLimit) {
			t.Errorf("sleep past the deadline: %v, want ErrLimit", err)
		}
	})
	t.Run("output", func(t *testing.T) {
		r := New(Config{MaxOutput: 1 << 20})
		_, err := r.Run(ctx, Cmd{Program: "yes"})
		if !errors.Is(err, ErrLimit) {
			t.Errorf("endless output: %v, want ErrLimit", err)
		}
	})
	t.Run("memory", func(t *testing.T) {
		// dd allocates its block at once: 512 MiB fails under a 256 MiB
		// address space and passes under 2 GiB.
		args := []string{"if=/dev/zero", "of=/dev/null", "bs=512M", "count=1"}
		if _, err := New(Config{MemoryBytes: 256 << 20}).Run(ctx, Cmd{Program: "dd", Args: args}); err == nil {
			t.Error("512 MiB block under a 256 MiB limit: no error")
		}
		if _, err := New(Config{MemoryBytes: 2 << 30}).Run(ctx, Cmd{Program: "dd", Args: args}); err != nil {
			t.Errorf("512 MiB block under a 2 GiB limit: %v", err)
		}
	})
	t.Run("exit status", func(t *testing.T) {
		_, err := New(Config{}).Run(ctx, Cmd{Program: "false"})
		if !errors.Is(err, ErrFailed) {
			t.Errorf("false: %v, want ErrFailed", err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := New(Config{}).Run(cctx, Cmd{Program: "sleep", Args: []string{"60"}})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled run: %v, want context.Canceled", err)
		}
	})
}

// TestFailsClosed: without bubblewrap nothing runs, and the error says so.
func TestFailsClosed(t *testing.T) {
	r := New(Config{Bwrap: "/nonexistent/bwrap"})
	out, err := r.Run(context.Background(), Cmd{Program: "cat", Stdin: []byte("x")})
	if !errors.Is(err, ErrUnavailable) || out != nil || !strings.Contains(err.Error(), "bubblewrap") {
		t.Errorf("missing bwrap: %q, %v; want ErrUnavailable naming bubblewrap", out, err)
	}
	if _, err := New(Config{Mode: Off}).Run(context.Background(), Cmd{Program: "no-such-extractor"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("missing program: %v, want ErrUnavailable", err)
	}
}

// BenchmarkOverhead: the cost of confinement per program run, against the
// same run unconfined (rlimits only).
func BenchmarkOverhead(b *testing.B) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		b.Skip("bubblewrap not installed")
	}
	for _, mode := range []struct {
		name string
		mode Mode
	}{{"bwrap", Bubblewrap}, {"off", Off}} {
		b.Run(mode.name, func(b *testing.B) {
			r := New(Config{Mode: mode.mode})
			for b.Loop() {
				if _, err := r.Run(context.Background(), Cmd{Program: "true"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
