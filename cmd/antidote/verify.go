package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"antidote/internal/detect"
	"antidote/internal/redact"
	"antidote/internal/workspace"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify", "verify [--json] [--policy F] [--names F] PATH... | -\n"+
		"       antidote verify --all [--json] [--policy F] [--names F]   (every redacted document of the workspace, recorded for the release gate)")
	w := addWorkspaceFlags(fs)
	var rf redactFlags
	rf.add(fs, false)
	all := fs.Bool("all", false, "check the stored redaction of every document of the workspace and record which passed")
	asJSON := fs.Bool("json", false, "print one JSON object per line: file or doc, line, col, class (identifier, suspect, unchecked or document), type, scope; never a value")
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
		return verifyAll(ctx, e, w, sc, pol, len(names), *asJSON)
	}
	ins, err := listInputs(fs.Args(), "")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	out := &verifyOut{w: bw, json: *asJSON}
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
			if err := out.unchecked(in.path, what); err != nil {
				return err
			}
			continue
		}
		n, err := checkRedacted(ctx, out, in.path, text, sc, pol)
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
func checkRedacted(ctx context.Context, out *verifyOut, name string, r io.Reader, sc *detect.Scanner, pol redact.Policy) (int, error) {
	n := 0
	err := redact.CheckSuspects(ctx, r, sc, pol, func(m redact.Found) error {
		n++
		return out.found(verifyJSON{File: name}, m)
	}, func(sp redact.Suspect) error {
		return out.suspect(verifyJSON{File: name}, sp)
	})
	return n, err
}

// verifyOut prints verify's findings as text lines or, with --json, as
// one JSON object per line.
type verifyOut struct {
	w    io.Writer
	json bool
}

// verifyJSON is one line of 'antidote verify --json'. It never holds what
// was found, only where and of what type.
type verifyJSON struct {
	File  string `json:"file,omitempty"`
	Doc   int64  `json:"doc,omitempty"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Line  int    `json:"line,omitempty"`
	Col   int    `json:"col,omitempty"`
	// Class is "identifier" (a certain leak: verify fails), "suspect"
	// (the greedier second opinion, for a person to judge), "unchecked"
	// (not text) or "document" (verify --all: a document not checked).
	Class  string `json:"class"`
	Type   string `json:"type,omitempty"`
	Scope  string `json:"scope,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (o *verifyOut) place(at verifyJSON) string {
	if at.File != "" {
		return at.File
	}
	return fmt.Sprintf("doc %d", at.Doc)
}

func (o *verifyOut) emit(v verifyJSON) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = o.w.Write(append(b, '\n'))
	return err
}

// found prints the place and type of an identifier left, never its value.
func (o *verifyOut) found(at verifyJSON, m redact.Found) error {
	if o.json {
		at.Start, at.End, at.Line, at.Col = int64(m.Start), int64(m.End), m.Line, m.Col
		at.Class, at.Type = "identifier", m.Kind.String()
		if m.Scope != detect.ScopeNone {
			at.Scope = m.Scope.String()
		}
		return o.emit(at)
	}
	scope := ""
	if m.Scope != detect.ScopeNone {
		scope = " (" + m.Scope.String() + ")"
	}
	_, err := fmt.Fprintf(o.w, "%s:%d:%d: %s%s\n", o.place(at), m.Line, m.Col, m.Kind, scope)
	return err
}

// suspect prints a place the greedier second opinion flags, for a person
// to judge; it does not fail the check.
func (o *verifyOut) suspect(at verifyJSON, s redact.Suspect) error {
	like := "ipv4-like"
	if s.Kind == detect.IPv6 {
		like = "hex-colon"
	}
	if o.json {
		at.Start, at.End, at.Line, at.Col = s.Start, s.End, s.Line, s.Col
		at.Class, at.Type = "suspect", like
		return o.emit(at)
	}
	_, err := fmt.Fprintf(o.w, "%s:%d:%d: suspect %s (to judge)\n", o.place(at), s.Line, s.Col, like)
	return err
}

// unchecked prints a file verify cannot check, and why.
func (o *verifyOut) unchecked(path, what string) error {
	if o.json {
		return o.emit(verifyJSON{File: path, Class: "unchecked", Reason: what + ", not text"})
	}
	_, err := fmt.Fprintf(o.w, "%s: cannot be checked: %s, not text\n", path, what)
	return err
}

// document prints, for verify --all, a document that was not checked
// or not recorded, and why.
func (o *verifyOut) document(doc int64, why string) error {
	if o.json {
		return o.emit(verifyJSON{Doc: doc, Class: "document", Reason: why})
	}
	_, err := fmt.Fprintf(o.w, "doc %d: %s\n", doc, why)
	return err
}

// verifyAll checks the stored redaction of every document of the workspace
// and records which passed, for the release gate.
func verifyAll(ctx context.Context, e *env, w *wsFlags, sc *detect.Scanner, pol redact.Policy, names int, asJSON bool) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	bw := bufio.NewWriter(e.stdout)
	out := &verifyOut{w: bw, json: asJSON}
	var pr *docProgress
	sum, err := ws.VerifyAll(ctx, ws.actor, workspace.VerifyOptions{Scanner: sc, Policy: pol, Names: names}, func(v workspace.VerifiedDoc) error {
		why := ""
		switch {
		case v.NotRedacted:
			why = "not redacted (run 'antidote redact --all')"
			if v.NoText {
				why = "not redacted (no extracted text)"
			}
		case v.Changed:
			why = "redacted again while it was checked: not recorded"
		case v.MissingTokens > 0:
			why = fmt.Sprintf("%d tokens in its redaction have no stored mapping (an interrupted redact --all): run 'antidote redact --all' again", v.MissingTokens)
		case v.Damaged:
			why = "damaged: its sealed redaction does not open; not checked, stays blocked (run 'antidote redact --all' again)"
		}
		if why != "" {
			if err := out.document(v.Doc, why); err != nil {
				return err
			}
		}
		for _, f := range v.Found {
			if err := out.found(verifyJSON{Doc: v.Doc}, f); err != nil {
				return err
			}
		}
		for _, sp := range v.Suspects {
			if err := out.suspect(verifyJSON{Doc: v.Doc}, sp); err != nil {
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
