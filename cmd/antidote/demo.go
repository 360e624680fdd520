package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"antidote/internal/synth"
)

// demoStep is one command the demo runs, with a line saying why.
type demoStep struct {
	say  string
	args []string
	// partial marks steps whose exit code 3 (some inputs skipped) is expected.
	partial bool
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [--keep DIR] [--seed N]")
	keep := fs.String("keep", "", "build the demo workspace in DIR and keep it (passphrase: ANTIDOTE_PASSPHRASE or printed)")
	seed := fs.Int64("seed", 7, "seed of the synthetic leak")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	base := *keep
	if base == "" {
		tmp, err := os.MkdirTemp("", "antidote-demo-")
		if err != nil {
			return fmt.Errorf("create demo directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		base = tmp
	} else if err := os.MkdirAll(base, 0o700); err != nil {
		return fmt.Errorf("create demo directory: %w", err)
	}
	leak := synth.Demo(*seed)
	leakZip := filepath.Join(base, "leak.zip")
	f, err := os.OpenFile(leakZip, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write demo leak: %w", err)
	}
	if err := leak.WriteZip(f); err != nil {
		f.Close()
		return fmt.Errorf("write demo leak: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	pass := e.getenv("ANTIDOTE_PASSPHRASE")
	if pass == "" {
		var b [12]byte
		rand.Read(b[:])
		pass = "demo-" + hex.EncodeToString(b[:])
	}
	wsDir := filepath.Join(base, "workspace")
	staff := filepath.Join(base, "staff.txt")
	if err := os.WriteFile(staff, []byte(strings.Join(leak.Staff, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	de := *e
	de.lookupEnv = func(k string) (string, bool) {
		switch k {
		case "ANTIDOTE_PASSPHRASE":
			return pass, true
		case "ANTIDOTE_WORKSPACE":
			return wsDir, true
		case "ANTIDOTE_USER":
			if v, ok := e.lookupEnv(k); ok {
				return v, ok
			}
			return "demo-analyst", true
		}
		return e.lookupEnv(k)
	}
	fmt.Fprintf(e.stdout, "antidote demo: a synthetic leak of %d files (Confluence pages, mail, office files, a PDF, nested archives)\n", len(leak.Files))
	fmt.Fprintf(e.stdout, "written to %s, ingested into an encrypted workspace at %s.\n", leakZip, wsDir)
	for _, st := range demoSteps(leakZip, staff) {
		fmt.Fprintf(e.stdout, "\n== %s\n$ antidote %s\n", st.say, strings.Join(st.args, " "))
		cmd := commands()[st.args[0]]
		err := cmd.run(ctx, &de, st.args[1:])
		if err != nil && !(st.partial && exitCode(err) == exitPartial) {
			return fmt.Errorf("demo step %q: %w", strings.Join(st.args, " "), err)
		}
		if err != nil {
			fmt.Fprintf(e.stdout, "(%v)\n", err)
		}
	}
	if err := demoDisclosure(ctx, e, &de); err != nil {
		return err
	}
	if *keep != "" {
		fmt.Fprintf(e.stdout, "\nThe workspace is kept at %s; its passphrase is in ANTIDOTE_PASSPHRASE", wsDir)
		if e.getenv("ANTIDOTE_PASSPHRASE") == "" {
			fmt.Fprintf(e.stdout, " (generated: %s)", pass)
		}
		fmt.Fprintln(e.stdout, ".")
	}
	return nil
}

func demoSteps(leakZip, staff string) []demoStep {
	return []demoStep{
		{say: "Create an encrypted workspace", args: []string{"init"}},
		{say: "Ingest the leak: every format, nested archives, deduplicated, sealed at rest", args: []string{"ingest", "--quiet", leakZip}, partial: true},
		{say: "What was found", args: []string{"docs", "list"}},
		{say: "Full-text search over the encrypted index", args: []string{"search", `"smart tv" OR implant`, "--limit", "5"}},
		{say: "Every access is in the tamper-evident audit log", args: []string{"audit", "verify"}},
	}
}
