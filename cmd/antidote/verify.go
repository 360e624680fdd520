package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"antidote/internal/detect"
	"antidote/internal/redact"
	"antidote/internal/store"
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
		scope := ""
		if m.Scope != detect.ScopeNone {
			scope = " (" + m.Scope.String() + ")"
		}
		_, err := fmt.Fprintf(w, "%s:%d:%d: %s%s\n", name, m.Line, m.Col, m.Kind, scope)
		return err
	}, func(s redact.Suspect) error {
		// The greedier second opinion: for a person to judge; it does
		// not fail the check.
		like := "ipv4-like"
		if s.Kind == detect.IPv6 {
			like = "hex-colon"
		}
		_, err := fmt.Fprintf(w, "%s:%d:%d: suspect %s (to judge)\n", name, s.Line, s.Col, like)
		return err
	})
	return n, err
}

// verifyAll checks the stored redaction of every document of the workspace
// with the same independent check as file verify, and records for each the
// result against the exact redaction it read: redacting a document again
// takes it back to unverified. The release gate counts passed documents.
func verifyAll(ctx context.Context, e *env, w *wsFlags, sc *detect.Scanner, pol redact.Policy, names int) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	docs, err := allDocs(ctx, ws.store)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	var passed, failed, unredacted, changed, found int
	pr := newDocProgress(e.stderr, "checked", len(docs))
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		pr.step()
		r, err := ws.store.Redaction(ctx, d.ID)
		if errors.Is(err, store.ErrNotFound) {
			unredacted++
			why := "run 'antidote redact --all'"
			if d.Meta.TextSize == 0 {
				why = "no extracted text"
			}
			fmt.Fprintf(bw, "doc %d: not redacted (%s)\n", d.ID, why)
			continue
		}
		if err != nil {
			return err
		}
		n, err := checkRedacted(ctx, bw, fmt.Sprintf("doc %d", d.ID), bytes.NewReader(r.Text), sc, pol)
		if err != nil {
			return fmt.Errorf("verify document %d: %w", d.ID, err)
		}
		err = ws.store.RecordCheck(ctx, d.ID, r.Version, n == 0)
		if errors.Is(err, store.ErrChanged) {
			changed++
			fmt.Fprintf(bw, "doc %d: redacted again while it was checked: not recorded\n", d.ID)
			continue
		}
		if err != nil {
			return err
		}
		if n > 0 {
			failed++
			found += n
		} else {
			passed++
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	detail := auditDetail(map[string]any{
		"documents": len(docs), "passed": passed, "failed": failed, "not_redacted": unredacted, "changed": changed,
		"identifiers": found, "policy": json.RawMessage(pol.String()), "names": names,
	})
	if err := ws.record(ctx, "verify.all", fmt.Sprintf("%d documents", len(docs)), detail); err != nil {
		return err
	}
	rest := ""
	if unredacted > 0 {
		rest = fmt.Sprintf("; %d documents not redacted", unredacted)
	}
	if changed > 0 {
		rest += fmt.Sprintf("; %d redacted again during the check (run verify --all again)", changed)
	}
	if failed > 0 {
		return withExit(exitLeaks, fmt.Errorf("verify: %d identifiers of redacted types remain in %d of %d redacted documents, which stay blocked from release%s",
			found, failed, passed+failed+changed, rest))
	}
	fmt.Fprintf(e.stderr, "verify: no identifiers of redacted types in %d redacted documents, recorded as verified for the release gate%s\n", passed, rest)
	return nil
}
