package main

import (
	"bufio"
	"context"
	"fmt"

	"antidote/internal/detect"
	"antidote/internal/redact"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify", "verify [--policy F] [--names F] PATH... | -")
	var rf redactFlags
	rf.add(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("verify needs the redacted files or directories to check (or - for standard input)")
	}
	pol, err := readPolicy(rf.policy)
	if err != nil {
		return err
	}
	names, err := readNames(rf.names)
	if err != nil {
		return err
	}
	sc, err := detect.New(detect.Options{Names: names})
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("names file %s: %w", rf.names, err))
	}
	ins, err := listInputs(fs.Args(), "")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	total, files := 0, 0
	for _, in := range ins {
		f, err := openInput(e, in)
		if err != nil {
			return err
		}
		n := 0
		// Places and types only: verify never prints what it found.
		err = redact.Check(ctx, f, sc, pol, func(m redact.Found) error {
			n++
			scope := ""
			if m.Scope != detect.ScopeNone {
				scope = " (" + m.Scope.String() + ")"
			}
			_, err := fmt.Fprintf(bw, "%s:%d:%d: %s%s\n", in.path, m.Line, m.Col, m.Kind, scope)
			return err
		})
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
	if total > 0 {
		return withExit(exitLeaks, fmt.Errorf("verify: %d identifiers of redacted types remain in %d of %d files", total, files, len(ins)))
	}
	fmt.Fprintf(e.stderr, "verify: no identifiers of redacted types in %d files\n", len(ins))
	return nil
}
