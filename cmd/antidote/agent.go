package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"antidote/internal/secret"
	"antidote/internal/workspace"
)

// The unlock agent is this binary re-executed in the background. It holds
// the workspace's exported master key in memory only, hands it over a Unix
// socket to processes of the same user (checked with SO_PEERCRED), and
// forgets it when its time is up or 'antidote lock' asks. Nothing of the
// key touches the disk.
const agentCommand = "__agent"

// agentSocket names the socket for a workspace: in a private per-user
// directory, named by a hash of the workspace path (socket paths are short).
// The directory lives under $XDG_RUNTIME_DIR when that exists (a per-user
// tmpfs nobody else can write), else in the temporary directory, where it
// is refused if anyone but this user made it or can enter it.
func agentSocket(dir string) (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if fi, err := os.Stat(base); base == "" || err != nil || !fi.IsDir() {
		base = os.TempDir()
	}
	d := filepath.Join(base, "antidote-"+strconv.Itoa(os.Getuid()))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("create agent directory: %w", err)
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 || (ok && int(st.Uid) != os.Getuid()) {
		return "", fmt.Errorf("agent directory %s is not private to this user (another user may have made it): remove it if it is yours, or set XDG_RUNTIME_DIR to a directory only you can enter", d)
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(d, hex.EncodeToString(sum[:12])+".sock"), nil
}

func agentDial(ctx context.Context, dir string) (net.Conn, error) {
	sock, err := agentSocket(dir)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return d.DialContext(ctx, "unix", sock)
}

// agentKeys asks a running agent for the workspace's keys.
func agentKeys(ctx context.Context, l *workspace.Locked) (*workspace.Keys, error) {
	c, err := agentDial(ctx, l.Dir())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, "KEY\n"); err != nil {
		return nil, err
	}
	buf := make([]byte, 4096) // one buffer: no copies left behind by growing
	n, err := io.ReadFull(c, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		clear(buf)
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("agent holds no key")
	}
	keys, err := l.UnlockExport(secret.NewBytes(buf[:n]))
	clear(buf)
	return keys, err
}

// agentLock asks a running agent to wipe its key and exit, and waits
// until its process has ended. found is false when no agent answered;
// pid is the agent's process (from the socket's peer credentials).
func agentLock(ctx context.Context, dir string) (found bool, pid int, err error) {
	c, err := agentDial(ctx, dir)
	if err != nil {
		return false, 0, nil
	}
	defer c.Close()
	if uc, ok := c.(*net.UnixConn); ok {
		if cred, err := peerCred(uc); err == nil {
			pid = int(cred.Pid)
		}
	}
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, "LOCK\n"); err != nil {
		return true, pid, err
	}
	// The agent answers LOCKED once its key is wiped (an agent of an older
	// antidote just exits); either way the proof is its process ending.
	io.ReadAll(io.LimitReader(c, 64))
	if pid == 0 {
		return true, 0, errors.New("the unlock agent's process is unknown: check that it has ended")
	}
	for i := 0; i < 200; i++ {
		if processEnded(pid) {
			return true, pid, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return true, pid, fmt.Errorf("the unlock agent (pid %d) wiped its key but has not ended; end it with 'kill %d'", pid, pid)
}

// processEnded reports whether pid is gone (or a zombie: it has exited and
// holds no memory).
func processEnded(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// pid (comm) STATE ...: comm may hold spaces and parentheses.
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z' || b[i+2] == 'X'
	}
	return false
}

// startAgent launches the agent for dir, handing it keys on a pipe.
func startAgent(ctx context.Context, dir string, keys *workspace.Keys, ttl time.Duration) error {
	sock, err := agentSocket(dir)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find antidote binary: %w", err)
	}
	cmd := exec.Command(exe, agentCommand, "--socket", sock, "--ttl", ttl.String())
	cmd.Args[0] = "antidote"
	// A minimal environment: nothing of ours (ANTIDOTE_PASSPHRASE above
	// all) sits in /proc/<agent>/environ for the whole session.
	cmd.Env = []string{}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start unlock agent: %w", err)
	}
	exp := keys.Export()
	_, werr := in.Write(exp.Reveal())
	in.Close()
	if werr != nil {
		cmd.Process.Kill()
		return fmt.Errorf("hand key to agent: %w", werr)
	}
	go cmd.Wait()
	for i := 0; i < 100; i++ {
		if c, err := agentDial(ctx, dir); err == nil {
			c.Close()
			cmd.Process.Release()
			return nil
		}
		time.Sleep(30 * time.Millisecond)
	}
	cmd.Process.Kill()
	return errors.New("the unlock agent did not start; run 'antidote unlock' again")
}

// runAgent is the agent process itself. Before it reads the key it makes
// itself non-dumpable (no core dump, no ptrace by other processes of the
// user, /proc/<pid>/mem closed) with a core limit of zero, and keeps the
// key in one page of its own, locked in RAM where the limit allows and left
// out of any dump, wiped when the session ends in any way.
func runAgent(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	sock := fs.String("socket", "", "")
	ttl := fs.Duration("ttl", 15*time.Minute, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := hardenAgent(); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	page, err := newKeyPage(4096)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	defer page.wipe()
	n, err := io.ReadFull(e.stdin, page.b)
	if n == 0 || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
		return errors.New("agent: no key on stdin")
	}
	key := page.b[:n]
	os.Remove(*sock)
	l, err := net.Listen("unix", *sock)
	if err != nil {
		return fmt.Errorf("agent: listen: %w", err)
	}
	os.Chmod(*sock, 0o600)
	defer os.Remove(*sock)
	ul := l.(*net.UnixListener)
	ul.SetUnlinkOnClose(true)
	deadline := time.Now().Add(*ttl)
	for {
		if time.Now().After(deadline) {
			return l.Close()
		}
		ul.SetDeadline(minTime(deadline, time.Now().Add(time.Second)))
		c, err := ul.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return l.Close()
			}
			continue
		}
		if stop := serveAgent(c, key, page.wipe); stop {
			return l.Close()
		}
	}
}

// hardenAgent makes this process non-dumpable and sets its core limit to
// zero.
func hardenAgent() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the agent non-dumpable: %w", err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("set the agent's core limit: %w", err)
	}
	return nil
}

// keyPage is memory outside the Go heap (never moved or copied by the
// garbage collector) for the key: locked in RAM where RLIMIT_MEMLOCK
// allows, excluded from core dumps.
type keyPage struct {
	b      []byte
	locked bool
}

func newKeyPage(size int) (*keyPage, error) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("allocate key memory: %w", err)
	}
	p := &keyPage{b: b}
	p.locked = unix.Mlock(b) == nil // best effort: the limit may be zero
	unix.Madvise(b, unix.MADV_DONTDUMP)
	return p, nil
}

// wipe clears the key and releases its page; it is safe to call twice.
func (p *keyPage) wipe() {
	if p.b == nil {
		return
	}
	clear(p.b)
	if p.locked {
		unix.Munlock(p.b)
	}
	unix.Munmap(p.b)
	p.b = nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// serveAgent answers one request; it reports whether the agent should stop.
// On LOCK it wipes the key before it confirms.
func serveAgent(c *net.UnixConn, key []byte, wipe func()) bool {
	defer c.Close()
	if !samePeer(c) {
		return false
	}
	c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
	if err != nil {
		return false
	}
	switch strings.TrimSpace(line) {
	case "KEY":
		c.Write(key)
	case "LOCK":
		wipe()
		io.WriteString(c, "LOCKED\n")
		return true
	}
	return false
}

// samePeer checks that the connecting process runs as this user.
func samePeer(c *net.UnixConn) bool {
	cred, err := peerCred(c)
	return err == nil && int(cred.Uid) == os.Getuid()
}

// peerCred is the other end's process credentials (SO_PEERCRED).
func peerCred(c *net.UnixConn) (*syscall.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	if cerr == nil && cred == nil {
		cerr = errors.New("no peer credentials")
	}
	return cred, cerr
}
