package workspace

import (
	"context"
	"fmt"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
)

// gateInput reads everything the release gate needs, without opening any
// sealed document content.
func (ws *Workspace) gateInput(ctx context.Context, at time.Time) (cases.GateInput, []cases.DocInput, error) {
	st := ws.store
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
	if in.Missing, err = ws.missingRecords(ctx, in.Findings, in.Cases); err != nil {
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
	// Verified: the document's current redaction passed VerifyAll.
	// Records that fail authentication under the workspace key are
	// marked by the store and block what they concern (cases.ReasonUnauthentic).
	verified, forged, err := st.RedactionChecks(ctx)
	if err != nil {
		return in, nil, err
	}
	examined, err := st.ExaminedDocs(ctx)
	if err != nil {
		return in, nil, err
	}
	docs := make([]cases.DocInput, len(ids))
	for i, id := range ids {
		x, ok := examined[id]
		docs[i] = cases.DocInput{ID: id, Findings: links[id], Verified: verified[id], Approvals: approvals[id],
			Unexamined: !ok || !ws.examinedMAC(x).Equal(x.MAC)}
		if forged[id] {
			docs[i].Unauthentic = []string{fmt.Sprintf("the verification result of document %d fails authentication: it was changed or inserted outside antidote; run 'antidote verify --all' again", id)}
		}
	}
	return in, docs, nil
}

// PlanSummary counts a release plan.
type PlanSummary struct {
	Documents, Releasable int
}

// ReleasePlan decides for every document whether it may be released at at,
// and if not exactly why, calling each per document in id order (streamed:
// a plan of 100,000 documents is never held whole).
func (ws *Workspace) ReleasePlan(ctx context.Context, a Actor, at time.Time, each func(cases.Decision) error) (PlanSummary, error) {
	var sum PlanSummary
	if err := allow(a, auth.ReleaseRead); err != nil {
		return sum, err
	}
	in, docs, err := ws.gateInput(ctx, at)
	if err != nil {
		return sum, err
	}
	g := cases.NewGate(in)
	sum.Documents = len(docs)
	for _, d := range docs {
		dec := g.Decide(d)
		if dec.Releasable {
			sum.Releasable++
		}
		if err := each(dec); err != nil {
			return sum, err
		}
	}
	return sum, ws.record(ctx, a, "release.plan", at.Format(time.RFC3339), auditDetail(map[string]any{"documents": sum.Documents, "releasable": sum.Releasable}))
}

// Approve records the actor's approval of a document for release, given at
// at (never in the future). It reports whether the approval is new.
func (ws *Workspace) Approve(ctx context.Context, a Actor, doc int64, at time.Time) (bool, error) {
	if err := allow(a, auth.ReleaseApprove); err != nil {
		return false, err
	}
	if at.After(ws.now()) {
		return false, invalid(fmt.Errorf("an approval cannot be given in the future (--at %s)", at.Format(time.RFC3339)))
	}
	if strings.TrimSpace(a.Name) == "" || a.Name == "unknown" {
		return false, invalid(fmt.Errorf("an approval needs a person: pass --as NAME or set ANTIDOTE_USER"))
	}
	added, err := ws.store.Approve(ctx, doc, a.Name, at)
	if err != nil {
		return false, notFound(err, "document %d", doc)
	}
	return added, ws.record(ctx, a, "release.approve", fmt.Sprintf("doc %d", doc), auditDetail(map[string]any{"new": added, "at": at.Format(time.RFC3339)}))
}
