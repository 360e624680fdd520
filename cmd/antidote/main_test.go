package main

import (
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"antidote/internal/ingest"

	"antidote/internal/workspace"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the antidote command inside scripts
// (and as the unlock agent it re-executes).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"antidote": func() {
			err := runEnv(context.Background(), testCLIEnv(os.LookupEnv, os.Stdin, os.Stdout, os.Stderr), os.Args[1:])
			if err != nil && exitCode(err) != exitOK {
				if msg := err.Error(); msg != "" {
					os.Stderr.WriteString("antidote: " + msg + "\n")
				}
			}
			os.Exit(exitCode(err))
		},
	})
}

// testCLIEnv is the env of a command run by a test: the same as the shipped
// binary's but with a cheap KDF, so that tests stay fast. The real cost is
// calibrated at init; the shipped binary has no switch to lower it.
func testCLIEnv(lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) *env {
	e := &env{lookupEnv: lookupEnv, stdin: stdin, stdout: stdout, stderr: stderr, kdf: workspace.InsecureKDF}
	if v, ok := lookupEnv(killAtDocEnv); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			panic(killAtDocEnv + " must be a number")
		}
		e.tuneIngest = func(o *ingest.Options) { killAtDoc(o, n) }
	}
	return e
}

// killAtDocEnv, read by the test binary only, makes an ingest kill itself
// with SIGKILL when it reaches that document, committing every 25
// documents, so that a test knows where the kill landed.
const killAtDocEnv = "ANTIDOTE_TEST_KILL_AT_DOC"

func killAtDoc(o *ingest.Options, n int) {
	o.BatchDocs = 25
	o.ProgressPeriod = time.Nanosecond
	show := o.Progress
	o.Progress = func(p ingest.Progress) {
		if p.Docs >= n {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		if show != nil {
			show(p)
		}
	}
}

// TestScripts runs the end-to-end CLI scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("ANTIDOTE_USER", "tester")
			env.Setenv("XDG_RUNTIME_DIR", env.WorkDir)
			return nil
		},
		RequireExplicitExec: false,
	})
}

// TestEveryCommandHasHelp asks for the help of every command and every
// subcommand its group lists: each exits 0 and names its flags with two
// dashes.
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands() {
		out, _, err := runCLI(t, map[string]string{}, "help", name)
		if exitCode(err) != exitOK {
			t.Errorf("antidote help %s: exit %d (%v)", name, exitCode(err), err)
			continue
		}
		first, _, _ := strings.Cut(out, "\n")
		group := strings.Fields(first)
		if len(group) < 4 || !strings.Contains(group[3], "|") {
			if !strings.Contains(out, "usage: antidote "+name) {
				t.Errorf("antidote help %s printed no usage line: %q", name, first)
			}
			continue
		}
		// The overview's list, "(vendor add|list|show|...)", names exactly
		// the subcommands the group dispatches.
		subs := strings.Split(group[3], "|")
		if _, list, ok := strings.Cut(commands()[name].summary, "("+name+" "); ok {
			list, _, _ = strings.Cut(list, ")")
			listed := strings.Split(list, "|")
			slices.Sort(listed)
			if !slices.Equal(listed, slices.Sorted(slices.Values(subs))) {
				t.Errorf("antidote help lists %s's subcommands as %s, the command has %s", name, strings.Join(listed, "|"), group[3])
			}
		} else {
			t.Errorf("the summary of %s, %q, lists no subcommands as (%s a|b)", name, commands()[name].summary, name)
		}
		for _, sub := range subs {
			out, _, err := runCLI(t, map[string]string{}, "help", name, sub)
			if exitCode(err) != exitOK || !strings.Contains(out, "usage: antidote "+name+" "+sub) {
				t.Errorf("antidote help %s %s: exit %d, output %q", name, sub, exitCode(err), out)
			}
			if strings.Contains(out, "\n  -") && !strings.Contains(out, "\n  --") {
				t.Errorf("antidote help %s %s lists flags with one dash", name, sub)
			}
		}
	}
}
