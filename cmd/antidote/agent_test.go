package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAgentHardening runs hardenAgent in a child process (it cannot be
// undone) and checks that the process is no longer dumpable and cannot
// write a core file.
func TestAgentHardening(t *testing.T) {
	if os.Getenv("ANTIDOTE_TEST_HARDEN_CHILD") == "1" {
		if err := hardenAgent(); err != nil {
			os.Stdout.WriteString("error " + err.Error())
			os.Exit(1)
		}
		d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		var rl unix.Rlimit
		unix.Getrlimit(unix.RLIMIT_CORE, &rl)
		os.Stdout.WriteString("dumpable=" + strconv.Itoa(d) + " core=" + strconv.FormatUint(rl.Cur, 10) + "/" + strconv.FormatUint(rl.Max, 10) + "\n")
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAgentHardening$")
	cmd.Env = append(os.Environ(), "ANTIDOTE_TEST_HARDEN_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "dumpable=0 core=0/0") {
		t.Errorf("hardened agent reports %q, want dumpable=0 core=0/0", out)
	}
}

// TestAgentSession: the agent started by unlock holds nothing of the
// environment (no ANTIDOTE_PASSPHRASE in /proc/<pid>/environ), cannot
// dump core, keeps the key in locked memory, listens under
// $XDG_RUNTIME_DIR, and 'lock' says it ended only once it has.
func TestAgentSession(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc")
	}
	ctx := context.Background()
	runtime := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	// The leak this guards against: unlock's own environment.
	t.Setenv("ANTIDOTE_PASSPHRASE", "correct-horse-battery")
	ws := filepath.Join(t.TempDir(), "ws")
	runCLI := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		e := testCLIEnv(os.LookupEnv, strings.NewReader(""), &out, &errb)
		err := runEnv(ctx, e, append(args, "--workspace", ws))
		return out.String() + errb.String(), err
	}
	if out, err := runCLI("init"); err != nil {
		t.Fatalf("init: %v: %s", err, out)
	}
	if out, err := runCLI("unlock", "--for", "1m"); err != nil {
		t.Fatalf("unlock: %v: %s", err, out)
	}
	sock, err := agentSocket(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sock, runtime+string(filepath.Separator)) {
		t.Errorf("agent socket %s, want under $XDG_RUNTIME_DIR %s", sock, runtime)
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := peerCred(c.(*net.UnixConn))
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(int(cred.Pid))
	environ, err := os.ReadFile("/proc/" + pid + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(environ, []byte("ANTIDOTE_PASSPHRASE")) || bytes.Contains(environ, []byte("correct-horse")) {
		t.Error("the agent's /proc/<pid>/environ holds the passphrase")
	}
	limits, _ := os.ReadFile("/proc/" + pid + "/limits")
	if !regexp.MustCompile(`(?m)^Max core file size\s+0\s+0\s`).Match(limits) {
		t.Errorf("agent's core limit is not zero:\n%s", limits)
	}
	status, _ := os.ReadFile("/proc/" + pid + "/status")
	if m := regexp.MustCompile(`VmLck:\s+(\d+) kB`).FindSubmatch(status); m == nil || string(m[1]) == "0" {
		var rl unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl) == nil && rl.Cur >= 4096 {
			t.Errorf("the agent locked no memory for its key (RLIMIT_MEMLOCK %d)", rl.Cur)
		}
	}
	out, err := runCLI("lock")
	if err != nil {
		t.Fatalf("lock: %v: %s", err, out)
	}
	if !strings.Contains(out, "pid "+pid+") wiped its key and has ended") {
		t.Errorf("lock said %q", out)
	}
	if !processEnded(int(cred.Pid)) {
		t.Errorf("agent %s still runs after lock said it ended", pid)
	}
	if out, _ := runCLI("lock"); !strings.Contains(out, "No unlocked session") {
		t.Errorf("second lock: %q", out)
	}
}

// TestAgentDirectoryNotPrivate: without $XDG_RUNTIME_DIR the agent's
// directory is in the temporary directory, where another user may make it
// first; a directory others can enter is refused.
func TestAgentDirectoryNotPrivate(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(tmp, "missing"))
	t.Setenv("TMPDIR", tmp)
	d := filepath.Join(tmp, "antidote-"+strconv.Itoa(os.Getuid()))
	if err := os.Mkdir(d, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o777)
	if _, err := agentSocket("/some/workspace"); err == nil || !strings.Contains(err.Error(), "not private") {
		t.Errorf("a world-writable agent directory: %v, want refused", err)
	}
	os.Chmod(d, 0o700)
	if os.Getuid() == 0 {
		// Made first by another user (root can play one).
		os.Chown(d, 65534, 65534)
		if _, err := agentSocket("/some/workspace"); err == nil {
			t.Error("another user's agent directory was accepted")
		}
		os.Chown(d, 0, 0)
	}
	sock, err := agentSocket("/some/workspace")
	if err != nil || !strings.HasPrefix(sock, d+"/") {
		t.Errorf("a private agent directory: %s, %v", sock, err)
	}
}
