// Package sandbox runs an external extractor (Tesseract, a converter) on
// hostile input in a process that cannot reach the network, the workspace
// or the user's files, under memory, CPU and wall-clock limits.
//
// The program runs inside bubblewrap (bwrap) with every namespace
// unshared (no network, its own PID, IPC and UTS namespaces), as user
// nobody with no capabilities, seeing only /usr read-only, a fresh /proc
// and /dev, and a small /tmp in memory. Inside, prlimit caps its address
// space, CPU time, file size and core dumps. The input reaches it on
// standard input and the result comes back on standard output: no
// document content is written to any file on disk.
//
// When bubblewrap is missing or cannot create its namespaces, Run fails
// with ErrUnavailable rather than running the program unconfined. Mode Off
// is the explicit opt-out: the program then runs as a plain child process
// with the same rlimits, deadline and pipes, but with the user's view of
// the file system and network.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Mode chooses how programs are confined.
type Mode int

const (
	// Bubblewrap confines programs with bwrap; the default.
	Bubblewrap Mode = iota
	// Off runs programs unconfined but for rlimits and the deadline.
	Off
)

// Defaults, used where a Config field is zero.
const (
	DefaultMemoryBytes = 2 << 30
	DefaultCPUSeconds  = 300
	DefaultTimeout     = 5 * time.Minute
	DefaultMaxOutput   = 64 << 20
	DefaultTmpBytes    = 64 << 20
)

// Config bounds every program a Runner runs.
type Config struct {
	Mode        Mode
	Bwrap       string        // bubblewrap binary; default "bwrap" on PATH
	Prlimit     string        // prlimit binary; default "prlimit" on PATH
	MemoryBytes int64         // address-space limit (RLIMIT_AS)
	CPUSeconds  int           // CPU-time limit (RLIMIT_CPU)
	Timeout     time.Duration // wall-clock limit per run
	MaxOutput   int64         // bytes read from standard output before the run is stopped
	TmpBytes    int64         // size of the in-memory /tmp inside the sandbox
}

func (c Config) withDefaults() Config {
	if c.Bwrap == "" {
		c.Bwrap = "bwrap"
	}
	if c.Prlimit == "" {
		c.Prlimit = "prlimit"
	}
	if c.MemoryBytes <= 0 {
		c.MemoryBytes = DefaultMemoryBytes
	}
	if c.CPUSeconds <= 0 {
		c.CPUSeconds = DefaultCPUSeconds
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.TmpBytes <= 0 {
		c.TmpBytes = DefaultTmpBytes
	}
	return c
}

// Errors wrapped by Run.
var (
	// ErrUnavailable: the sandbox could not be set up (bubblewrap missing,
	// or user namespaces refused), or the program is not installed.
	ErrUnavailable = errors.New("sandbox unavailable")
	// ErrLimit: the program ran past the deadline, the output limit, or
	// was killed by its CPU or memory limit.
	ErrLimit = errors.New("sandbox limit reached")
	// ErrFailed: the program ran and exited with an error.
	ErrFailed = errors.New("sandboxed program failed")
)

// Cmd is one program run.
type Cmd struct {
	Program string   // name on PATH or absolute path; it must live under /usr
	Args    []string // arguments after the program name
	Env     []string // environment, KEY=VALUE; nothing else is inherited
	Stdin   []byte   // the whole input
}

// Runner runs programs under one Config. It is safe for concurrent use.
type Runner struct {
	cfg Config

	mu       sync.Mutex
	checked  bool
	setupErr error
	bwrap    string
	prlimit  string
}

// New returns a Runner; nothing is checked until the first Run or Check.
func New(cfg Config) *Runner { return &Runner{cfg: cfg.withDefaults()} }

// Mode reports how the runner confines programs.
func (r *Runner) Mode() Mode { return r.cfg.Mode }

// Check sets the sandbox up once, running a trivial program in it, and
// reports ErrUnavailable if that fails.
func (r *Runner) Check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.checked {
		return r.setupErr
	}
	err := r.setup(ctx)
	if ctx.Err() != nil {
		// Cancelled while checking: nothing was learnt.
		return ctx.Err()
	}
	r.checked, r.setupErr = true, err
	return err
}

func (r *Runner) setup(ctx context.Context) error {
	p, err := exec.LookPath(r.cfg.Prlimit)
	if err != nil {
		return fmt.Errorf("prlimit (util-linux) not found: %w", ErrUnavailable)
	}
	r.prlimit = p
	if r.cfg.Mode == Off {
		return nil
	}
	b, err := exec.LookPath(r.cfg.Bwrap)
	if err != nil {
		return fmt.Errorf("bubblewrap (bwrap) not found; install it, or turn the sandbox off explicitly: %w", ErrUnavailable)
	}
	r.bwrap = b
	truePath, err := systemPath("true")
	if err != nil {
		return fmt.Errorf("probe program: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	c := exec.CommandContext(ctx, r.bwrap, r.bwrapArgs(truePath, nil, nil)...)
	c.Env = []string{}
	c.Stderr = &limitedBuffer{max: 4 << 10, buf: &stderr}
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(firstLine(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("bubblewrap cannot create its namespaces (%s): %w", msg, ErrUnavailable)
	}
	return nil
}

// systemPath resolves a program on PATH and requires it to live under
// /usr, the only tree the sandbox shows (Debian merges /bin into /usr/bin).
func systemPath(program string) (string, error) {
	p, err := exec.LookPath(program)
	if err != nil {
		return "", fmt.Errorf("%s not installed: %w", filepath.Base(program), ErrUnavailable)
	}
	p, err = filepath.Abs(p)
	if err == nil {
		p, err = filepath.EvalSymlinks(p)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(program), ErrUnavailable)
	}
	if !strings.HasPrefix(p, "/usr/") {
		return "", fmt.Errorf("%s is installed outside /usr, which the sandbox does not show: %w", filepath.Base(program), ErrUnavailable)
	}
	return p, nil
}

// bwrapArgs builds bubblewrap's command line around the program.
func (r *Runner) bwrapArgs(program string, args, env []string) []string {
	a := []string{
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--uid", "65534", "--gid", "65534",
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--clearenv", "--setenv", "PATH", "/usr/bin",
		"--ro-bind", "/usr", "/usr",
		"--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
		"--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
		"--proc", "/proc", "--dev", "/dev",
		"--size", strconv.FormatInt(r.cfg.TmpBytes, 10), "--tmpfs", "/tmp",
		"--chdir", "/tmp",
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		a = append(a, "--setenv", k, v)
	}
	a = append(a, "--")
	return append(a, r.limited(program, args)...)
}

// limited wraps the program in prlimit.
func (r *Runner) limited(program string, args []string) []string {
	a := []string{r.prlimit,
		"--as=" + strconv.FormatInt(r.cfg.MemoryBytes, 10),
		"--cpu=" + strconv.Itoa(r.cfg.CPUSeconds),
		"--fsize=" + strconv.FormatInt(r.cfg.TmpBytes, 10),
		"--core=0",
		"--", program}
	return append(a, args...)
}

// Run runs c confined and returns its standard output. The error wraps
// ErrUnavailable, ErrLimit or ErrFailed, or is ctx's error; it never
// contains the program's output.
func (r *Runner) Run(ctx context.Context, c Cmd) ([]byte, error) {
	if err := r.Check(ctx); err != nil {
		return nil, err
	}
	program, err := systemPath(c.Program)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(program)
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	var cmd *exec.Cmd
	if r.cfg.Mode == Off {
		argv := r.limited(program, c.Args)
		cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append([]string{"PATH=/usr/bin"}, c.Env...)
		cmd.Dir = "/"
	} else {
		cmd = exec.CommandContext(ctx, r.bwrap, r.bwrapArgs(program, c.Args, c.Env)...)
		cmd.Env = []string{}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = bytes.NewReader(c.Stdin)
	var out bytes.Buffer
	stdout := &limitedBuffer{max: r.cfg.MaxOutput, buf: &out, onFull: cancel}
	cmd.Stdout = stdout
	cmd.Stderr = io.Discard
	err = cmd.Run()
	switch {
	case err == nil && !stdout.full:
		return out.Bytes(), nil
	case parent.Err() != nil:
		return nil, parent.Err()
	case stdout.full:
		return nil, fmt.Errorf("%s wrote more than %d MiB: %w", name, r.cfg.MaxOutput>>20, ErrLimit)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s ran past %s: %w", name, r.cfg.Timeout, ErrLimit)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			switch ws.Signal() {
			case syscall.SIGXCPU, syscall.SIGKILL, syscall.SIGSEGV, syscall.SIGABRT, syscall.SIGBUS:
				return nil, fmt.Errorf("%s killed by %s (CPU or memory limit, or a crash): %w", name, ws.Signal(), ErrLimit)
			}
		}
		return nil, fmt.Errorf("%s exited with status %d: %w", name, ee.ExitCode(), ErrFailed)
	}
	return nil, fmt.Errorf("start %s: %w", name, ErrUnavailable)
}

// limitedBuffer keeps up to max bytes, then marks itself full and calls
// onFull so that the program is stopped.
type limitedBuffer struct {
	max    int64
	buf    *bytes.Buffer
	full   bool
	onFull func()
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.full {
		return 0, io.ErrShortWrite
	}
	if int64(l.buf.Len()+len(p)) > l.max {
		l.full = true
		if l.onFull != nil {
			l.onFull()
		}
		return 0, io.ErrShortWrite
	}
	return l.buf.Write(p)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
