package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"antidote/internal/cases"
	"antidote/internal/workspace"
)

func cmdRelease(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "release", args, map[string]subcommand{"plan": cmdReleasePlan, "approve": cmdReleaseApprove})
}

func cmdReleasePlan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "release plan", "release plan [--at TIME] [--json]")
	w := addWorkspaceFlags(fs)
	var when timeFlag
	fs.Var(&when, "at", "answer for this moment, past or future (default now), e.g. 2017-06-01T00:00:00Z")
	jsonOut := fs.Bool("json", false, "one JSON object per document: doc, releasable, blocked_by")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("release plan takes no arguments")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	at := when.or(time.Now())
	out := newJSONLines(e.stdout)
	sum, err := ws.ReleasePlan(ctx, ws.actor, at, func(dec cases.Decision) error {
		if *jsonOut {
			return out.put(dec)
		}
		if dec.Releasable {
			fmt.Fprintf(out.w, "doc %d: releasable\n", dec.Doc)
			return nil
		}
		fmt.Fprintf(out.w, "doc %d: blocked\n", dec.Doc)
		for _, r := range dec.BlockedBy {
			fmt.Fprintf(out.w, "  %s: %s\n", r.Kind, r.Detail)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !*jsonOut {
		fmt.Fprintf(out.w, "%d of %d documents releasable at %s\n", sum.Releasable, sum.Documents, at.Format(time.RFC3339))
	}
	return out.flush()
}

func cmdReleaseApprove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "release approve", "release approve DOC [--at TIME] [--json]")
	w := addWorkspaceFlags(fs)
	var when timeFlag
	fs.Var(&when, "at", "when the approval was given, if earlier (default now); it counts for release plans from then on")
	jsonOut := fs.Bool("json", false, "print the approval as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote release approve DOC")
	}
	doc, err := parseID("document ID", fs.Arg(0))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	at := when.or(now)
	if at.After(now) {
		return usageErrorf("an approval cannot be given in the future (--at %s)", at.Format(time.RFC3339))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	added, err := ws.Approve(ctx, ws.actor, doc, at)
	if errors.Is(err, workspace.ErrNotFound) {
		return fmt.Errorf("no document %d in this workspace (see 'antidote docs list')", doc)
	}
	if err != nil {
		return err
	}
	// The CLI's actor is an operator named by --as or $ANTIDOTE_USER: it
	// holds the key, but its name is not an account's login.
	fmt.Fprintf(e.stderr, "antidote: note: %q is a name given on the command line, not an authenticated account: the two-person rule holds only as far as the people using this workspace are honest about --as\n", ws.actor.Name)
	if *jsonOut {
		return printJSON(e.stdout, map[string]any{"doc": doc, "actor": ws.actor.Name, "at": at, "new": added})
	}
	if !added {
		fmt.Fprintf(e.stdout, "%s had already approved document %d\n", ws.actor.Name, doc)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s approved document %d; publication needs approvals from two different people\n", ws.actor.Name, doc)
	return nil
}
