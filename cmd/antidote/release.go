package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/store"
)

func cmdRelease(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "release", args, map[string]subcommand{"plan": cmdReleasePlan, "approve": cmdReleaseApprove})
}

// loadGate reads everything the release gate needs, without opening any
// sealed document content.
func loadGate(ctx context.Context, st *store.Store, at time.Time) (cases.GateInput, []cases.DocInput, error) {
	var in cases.GateInput
	in.At = at
	var err error
	if in.Policy, err = st.Policy(ctx); err != nil {
		return in, nil, err
	}
	if in.Findings, err = st.FindingInfos(ctx); err != nil {
		return in, nil, err
	}
	if in.Cases, err = st.Cases(ctx); err != nil {
		return in, nil, err
	}
	if in.Events, err = st.CaseEvents(ctx); err != nil {
		return in, nil, err
	}
	if in.Products, err = st.Products(ctx); err != nil {
		return in, nil, err
	}
	if in.Vendors, err = st.Vendors(ctx, false); err != nil {
		return in, nil, err
	}
	ids, err := st.DocIDs(ctx)
	if err != nil {
		return in, nil, err
	}
	links, err := st.DocFindings(ctx)
	if err != nil {
		return in, nil, err
	}
	approvals, err := st.Approvals(ctx)
	if err != nil {
		return in, nil, err
	}
	// Verified: the document's current redaction passed 'antidote verify --all'.
	verified, err := st.VerifiedDocs(ctx)
	if err != nil {
		return in, nil, err
	}
	docs := make([]cases.DocInput, len(ids))
	for i, id := range ids {
		docs[i] = cases.DocInput{ID: id, Findings: links[id], Verified: verified[id], Approvals: approvals[id]}
	}
	return in, docs, nil
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
	in, docs, err := loadGate(ctx, ws.store, at)
	if err != nil {
		return err
	}
	g := cases.NewGate(in)
	out := newJSONLines(e.stdout)
	releasable := 0
	for _, d := range docs {
		dec := g.Decide(d)
		if dec.Releasable {
			releasable++
		}
		if *jsonOut {
			if err := out.put(dec); err != nil {
				return err
			}
			continue
		}
		if dec.Releasable {
			fmt.Fprintf(out.w, "doc %d: releasable\n", dec.Doc)
			continue
		}
		fmt.Fprintf(out.w, "doc %d: blocked\n", dec.Doc)
		for _, r := range dec.BlockedBy {
			fmt.Fprintf(out.w, "  %s: %s\n", r.Kind, r.Detail)
		}
	}
	if err := ws.record(ctx, "release.plan", at.Format(time.RFC3339), auditDetail(map[string]any{"documents": len(docs), "releasable": releasable})); err != nil {
		return err
	}
	if !*jsonOut {
		fmt.Fprintf(out.w, "%d of %d documents releasable at %s\n", releasable, len(docs), at.Format(time.RFC3339))
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
	if strings.TrimSpace(ws.actor) == "" || ws.actor == "unknown" {
		return usageErrorf("an approval needs a person: pass --as NAME or set ANTIDOTE_USER")
	}
	added, err := ws.store.Approve(ctx, doc, ws.actor, at)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no document %d in this workspace (see 'antidote docs list')", doc)
	}
	if err != nil {
		return err
	}
	if err := ws.record(ctx, "release.approve", fmt.Sprintf("doc %d", doc), auditDetail(map[string]any{"new": added, "at": at.Format(time.RFC3339)})); err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, map[string]any{"doc": doc, "actor": ws.actor, "at": at, "new": added})
	}
	if !added {
		fmt.Fprintf(e.stdout, "%s had already approved document %d\n", ws.actor, doc)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s approved document %d; publication needs approvals from two different people\n", ws.actor, doc)
	return nil
}
