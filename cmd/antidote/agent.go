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
func agentSocket(dir string) (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
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
		return "", fmt.Errorf("agent directory %s is not private to this user: remove it and try again", d)
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
	b, err := io.ReadAll(io.LimitReader(c, 4096))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("agent holds no key")
	}
	keys, err := l.UnlockExport(secret.NewBytes(b))
	clear(b)
	return keys, err
}

// agentLock asks a running agent to forget its key and exit.
func agentLock(ctx context.Context, dir string) (bool, error) {
	c, err := agentDial(ctx, dir)
	if err != nil {
		return false, nil
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, "LOCK\n"); err != nil {
		return false, err
	}
	io.ReadAll(c)
	return true, nil
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

// runAgent is the agent process itself.
func runAgent(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	sock := fs.String("socket", "", "")
	ttl := fs.Duration("ttl", 15*time.Minute, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := io.ReadAll(io.LimitReader(e.stdin, 4096))
	if err != nil || len(key) == 0 {
		return errors.New("agent: no key on stdin")
	}
	defer clear(key)
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
		if stop := serveAgent(c, key); stop {
			return l.Close()
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// serveAgent answers one request; it reports whether the agent should stop.
func serveAgent(c *net.UnixConn, key []byte) bool {
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
		return true
	}
	return false
}

// samePeer checks that the connecting process runs as this user.
func samePeer(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *syscall.Ucred
	var cerr error
	raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	return cerr == nil && cred != nil && int(cred.Uid) == os.Getuid()
}
