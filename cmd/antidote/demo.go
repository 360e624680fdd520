package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
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
	fs := newFlagSet(e, "demo", "demo [--keep DIR] [--seed N] [--serve] [--addr 127.0.0.1:8080]")
	keep := fs.String("keep", "", "build the demo workspace in DIR and keep it (passphrase: ANTIDOTE_PASSPHRASE or printed)")
	seed := fs.Int64("seed", 7, "seed of the synthetic leak")
	serve := fs.Bool("serve", false, "end by serving the demo workspace, with one account per role (until Ctrl-C)")
	addr := fs.String("addr", "127.0.0.1:8080", "address for --serve")
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
	// The transcript names the demo's files relative to its directory
	// (leak.zip, not /tmp/antidote-demo-123/leak.zip) and shows what the
	// commands print on standard error in its place.
	absBase, err := filepath.Abs(base)
	if err != nil {
		return err
	}
	shown := ""
	if *keep != "" {
		shown = filepath.Clean(*keep) + string(filepath.Separator)
	}
	out := &relWriter{w: e.stdout, dir: absBase + string(filepath.Separator), shown: shown}
	defer out.flush()
	orig := *e
	pe := *e
	pe.stdout, pe.stderr = out, out
	e = &pe
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
	where := "; both in a temporary directory removed at the end"
	if *keep != "" {
		where = ""
	}
	fmt.Fprintf(e.stdout, "written as %s and ingested into an encrypted workspace (%s%c)%s.\n", leakZip, wsDir, filepath.Separator, where)
	for _, st := range demoSteps(leakZip, staff) {
		fmt.Fprintf(e.stdout, "\n== %s\n$ antidote %s\n", st.say, quoteArgs(st.args))
		cmd := commands()[st.args[0]]
		err := cmd.run(ctx, &de, st.args[1:])
		if err != nil && !(st.partial && exitCode(err) == exitPartial) {
			return fmt.Errorf("demo step %q: %w", quoteArgs(st.args), err)
		}
		if err != nil {
			fmt.Fprintf(e.stdout, "(%v)\n", err)
		}
		if st.args[0] == "init" {
			if err := holdKeys(ctx, &de); err != nil {
				return err
			}
		}
	}
	if err := demoDisclosure(ctx, e, &de); err != nil {
		return err
	}
	if err := demoRelease(ctx, e, &de, staff); err != nil {
		return err
	}
	if err := demoPublish(ctx, e, &de, base, staff, *keep != ""); err != nil {
		return err
	}
	if *serve {
		// The server writes from its own goroutines: straight to the
		// terminal, not through the transcript's path rewriting.
		se := de
		se.stdout, se.stderr = orig.stdout, orig.stderr
		if err := demoServe(ctx, e, &se, *addr); err != nil {
			return err
		}
	}
	if *keep != "" {
		fmt.Fprintf(e.stdout, "\nThe workspace is kept at %s. To go on with it:\n", wsDir)
		fmt.Fprintf(e.stdout, "  export ANTIDOTE_WORKSPACE=%s\n", shellQuote(wsDir))
		if e.getenv("ANTIDOTE_PASSPHRASE") == "" {
			fmt.Fprintf(e.stdout, "  export ANTIDOTE_PASSPHRASE=%s   # generated for the demo\n", shellQuote(pass))
		}
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

// relWriter writes through to w with every path under dir named relative
// to it (prefixed with shown). It works a line at a time, so that a path
// split across two writes is still found.
type relWriter struct {
	w          io.Writer
	dir, shown string
	buf        []byte
}

func (r *relWriter) Write(p []byte) (int, error) {
	r.buf = append(r.buf, p...)
	i := bytes.LastIndexByte(r.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	err := r.write(r.buf[:i+1])
	r.buf = append(r.buf[:0], r.buf[i+1:]...)
	return len(p), err
}

func (r *relWriter) write(b []byte) error {
	_, err := io.WriteString(r.w, strings.ReplaceAll(string(b), r.dir, r.shown))
	return err
}

// flush writes what is left of an unfinished line.
func (r *relWriter) flush() error {
	err := r.write(r.buf)
	r.buf = r.buf[:0]
	return err
}

// holdKeys unlocks the demo workspace once and keeps its keys in this
// process, so the commands that follow do not each pay the KDF.
func holdKeys(ctx context.Context, e *env) error {
	l, keys, err := unlockKeys(ctx, e, &wsFlags{})
	if err != nil {
		return fmt.Errorf("unlock demo workspace: %w", err)
	}
	e.held = &heldKeys{dir: l.Dir(), keys: keys}
	return nil
}
