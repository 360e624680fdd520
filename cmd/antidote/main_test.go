package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the antidote command inside scripts
// (and as the unlock agent it re-executes).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"antidote": func() {
			err := run(context.Background(), os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
			if err != nil && exitCode(err) != exitOK {
				if msg := err.Error(); msg != "" {
					os.Stderr.WriteString("antidote: " + msg + "\n")
				}
			}
			os.Exit(exitCode(err))
		},
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// A cheap KDF keeps scripts fast; the real cost is calibrated at init.
			env.Setenv("ANTIDOTE_INSECURE_FAST_KDF", "1")
			env.Setenv("ANTIDOTE_USER", "tester")
			env.Setenv("XDG_RUNTIME_DIR", env.WorkDir)
			return nil
		},
		RequireExplicitExec: false,
	})
}
