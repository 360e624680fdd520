package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"antidote/internal/detect"
	"antidote/internal/redact"
	"antidote/internal/workspace"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify", "verify [--policy F] [--names F] PATH... | -\n"+
		"       antidote verify --all [--policy F] [--names F]   (every redacted document of the workspace, recorded for the release gate)")
	w := addWorkspaceFlags(fs)
	var rf redactFlags
	rf.add(fs, false)
	all := fs.Bool("all", false, "check the stored redaction of every document of the workspace and record which passed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *all && fs.NArg() > 0:
		return usageErrorf("--all checks the workspace's redacted documents: it takes no PATH")
	case !*all && fs.NArg() == 0:
		return usageErrorf("verify needs the redacted files or directories to check (or - for standard input), or --all inside a workspace")
	}
	pol, err := readPolicy(rf.policy)
	if err != nil {
		return err
	}
	names, err := readNames(rf.names)
	if err != nil {
		return err
	}
	warnPhrases(e.stderr, rf.names, names)
	sc, err := detect.New(detect.Options{Names: names})
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("names file %s: %w", rf.names, err))
	}
	if *all {
		return verifyAll(ctx, e, w, sc, pol, len(names))
	}
	ins, err := listInputs(fs.Args(), "")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	total, files, unchecked := 0, 0, 0
	for _, in := range ins {
		f, err := openInput(e, in)
		if err != nil {
			return err
		}
		text, what := peekText(f)
		if what != "" {
			// Identifiers inside a compressed or structured file are out of
			// reach of a byte-level check: it cannot pass.
			f.Close()
			unchecked++
			fmt.Fprintf(bw, "%s: cannot be checked: %s, not text\n", in.path, what)
			continue
		}
		n, err := checkRedacted(ctx, bw, in.path, text, sc, pol)
		f.Close()
		if err != nil {
			return fmt.Errorf("verify %s: %w", in.path, err)
		}
		if n > 0 {
			files++
			total += n
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	switch {
	case total > 0 && unchecked > 0:
		return withExit(exitLeaks, fmt.Errorf("verify: %d identifiers of redacted types remain in %d of %d files, and %d files are not text and cannot be checked", total, files, len(ins), unchecked))
	case total > 0:
		return withExit(exitLeaks, fmt.Errorf("verify: %d identifiers of redacted types remain in %d of %d files", total, files, len(ins)))
	case unchecked > 0:
		return withExit(exitLeaks, fmt.Errorf("verify: %d of %d files are not text and cannot be checked (listed above): publish redacted text only", unchecked, len(ins)))
	}
	fmt.Fprintf(e.stderr, "verify: no identifiers of redacted types in %d files\n", len(ins))
	return nil
}

// checkRedacted prints "NAME:LINE:COL: TYPE (SCOPE)" for every identifier
// of a type pol redacts left in r, and returns how many there were. Places
// and types only: verify never prints what it found.
func checkRedacted(ctx context.Context, w io.Writer, name string, r io.Reader, sc *detect.Scanner, pol redact.Policy) (int, error) {
	n := 0
	err := redact.CheckSuspects(ctx, r, sc, pol, func(m redact.Found) error {
		n++
		return printFound(w, name, m)
	}, func(sp redact.Suspect) error {
		return printSuspect(w, name, sp)
	})
	return n, err
}

// printFound prints the place and type of an identifier left, never its value.
func printFound(w io.Writer, name string, m redact.Found) error {
	scope := ""
	if m.Scope != detect.ScopeNone {
		scope = " (" + m.Scope.String() + ")"
	}
	_, err := fmt.Fprintf(w, "%s:%d:%d: %s%s\n", name, m.Line, m.Col, m.Kind, scope)
	return err
}

// printSuspect prints a place the greedier second opinion flags, for a
// person to judge; it does not fail the check.
func printSuspect(w io.Writer, name string, s redact.Suspect) error {
	like := "ipv4-like"
	if s.Kind == detect.IPv6 {
		like = "hex-colon"
	}
	_, err := fmt.Fprintf(w, "%s:%d:%d: suspect %s (to judge)\n", name, s.Line, s.Col, like)
	return err
}

// verifyAll checks the stored redaction of every document of the workspace
// and records which passed, for the release gate.
func verifyAll(ctx context.Context, e *env, w *wsFlags, sc *detect.Scanner, pol redact.Policy, names int) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	bw := bufio.NewWriter(e.stdout)
	var pr *docProgress
	sum, err := ws.VerifyAll(ctx, ws.actor, workspace.VerifyOptions{Scanner: sc, Policy: pol, Names: names}, func(v workspace.VerifiedDoc) error {
		switch {
		case v.NotRedacted:
			why := "run 'antidote redact --all'"
			if v.NoText {
				why = "no extracted text"
			}
			fmt.Fprintf(bw, "doc %d: not redacted (%s)\n", v.Doc, why)
		case v.Changed:
			fmt.Fprintf(bw, "doc %d: redacted again while it was checked: not recorded\n", v.Doc)
		case v.MissingTokens > 0:
			fmt.Fprintf(bw, "doc %d: %d tokens in its redaction have no stored mapping (an interrupted redact --all): run 'antidote redact --all' again\n", v.Doc, v.MissingTokens)
		case v.Damaged:
			fmt.Fprintf(bw, "doc %d: damaged: its sealed redaction does not open; not checked, stays blocked (run 'antidote redact --all' again)\n", v.Doc)
		}
		for _, f := range v.Found {
			if err := printFound(bw, fmt.Sprintf("doc %d", v.Doc), f); err != nil {
				return err
			}
		}
		for _, sp := range v.Suspects {
			if err := printSuspect(bw, fmt.Sprintf("doc %d", v.Doc), sp); err != nil {
				return err
			}
		}
		return nil
	}, func(total int) {
		if pr == nil {
			pr = newDocProgress(e.stderr, "checked", total)
		}
		pr.step()
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	rest := ""
	if sum.NotRedacted > 0 {
		rest = fmt.Sprintf("; %d documents not redacted", sum.NotRedacted)
	}
	if sum.Changed > 0 {
		rest += fmt.Sprintf("; %d redacted again during the check (run verify --all again)", sum.Changed)
	}
	if sum.Incomplete > 0 {
		rest += fmt.Sprintf("; %d with tokens that cannot be revealed (listed above)", sum.Incomplete)
	}
	if sum.Damaged > 0 {
		rest += fmt.Sprintf("; %d damaged, not checked (listed above)", sum.Damaged)
	}
	if sum.Failed > 0 || sum.Damaged > 0 {
		return withExit(exitLeaks, fmt.Errorf("verify: %d identifiers of redacted types remain in %d of %d redacted documents, which stay blocked from release%s",
			sum.Found, sum.Failed, sum.Passed+sum.Failed+sum.Changed, rest))
	}
	fmt.Fprintf(e.stderr, "verify: no identifiers of redacted types in %d redacted documents, recorded as verified for the release gate%s\n", sum.Passed, rest)
	return nil
}
