package cases

import (
	"errors"
	"fmt"
	"time"

	"antidote/internal/findings"
)

// Reason kinds: why a document may not be published yet.
const (
	ReasonUnreviewed  = "finding-unreviewed"   // a proposed finding awaits review
	ReasonNoCase      = "no-case"              // an accepted finding no vendor has been told of
	ReasonNotNotified = "not-notified"         // a vendor of the case has not been notified: no clock
	ReasonEmbargo     = "embargo"              // a vendor has not resolved it and its embargo runs
	ReasonCaseInvalid = "case-invalid"         // the case's timeline breaks the rules
	ReasonUnexamined  = "findings-unexamined"  // nobody looked for findings in it
	ReasonRedaction   = "redaction-unverified" // the redacted text has not passed antidote verify
	ReasonApprovals   = "approvals"            // fewer than two different people approved it
	// ReasonUnauthentic: a record the gate relies on fails authentication
	// under the workspace key: it was changed or inserted outside antidote.
	ReasonUnauthentic = "record-unauthentic"
)

// Reason is one thing standing between a document and publication.
type Reason struct {
	Kind     string     `json:"kind"`
	Finding  int64      `json:"finding,omitempty"`
	Case     int64      `json:"case,omitempty"`
	Vendor   string     `json:"vendor,omitempty"`
	Product  string     `json:"product,omitempty"`
	Status   Status     `json:"status,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
	Detail   string     `json:"detail"`
}

// Decision is the gate's answer for one document.
type Decision struct {
	Doc        int64    `json:"doc"`
	Releasable bool     `json:"releasable"`
	BlockedBy  []Reason `json:"blocked_by"`
}

// FindingInfo is what the gate needs of a finding.
type FindingInfo struct {
	ID         int64
	State      findings.State
	Exploited  bool
	MergedInto int64
	// Unauthentic: the stored state fails authentication.
	Unauthentic bool
}

// Approval is one person's sign-off on publishing a document.
type Approval struct {
	Actor string
	At    time.Time
	// Unauthentic: the stored approval fails authentication; it does not
	// count and blocks the document.
	Unauthentic bool
}

// DocInput is what the gate needs of a document: the findings it
// describes, whether its redaction passed verify, and its approvals.
type DocInput struct {
	ID        int64
	Findings  []int64
	Verified  bool
	Approvals []Approval
	// Unauthentic describes records of this document (its verification
	// result) that fail authentication; each blocks it.
	Unauthentic []string
	// Unexamined: nobody looked for findings in it (neither findings
	// extraction nor an analyst who found none), so an empty Findings says
	// nothing about the exploits it may describe.
	Unexamined bool
}

// GateInput is everything the gate evaluates against.
type GateInput struct {
	At       time.Time // the moment to answer for
	Policy   Policy
	Required int // approvals from different people; 0 means 2
	Findings []FindingInfo
	Cases    []Case
	Events   []Event // of all cases, in any order
	Products []Product
	Vendors  []Vendor // names for the reasons
	// Missing describes records the authenticated audit log says were
	// made and never removed but that the store no longer holds (a
	// finding deleted with its links frees every document it named):
	// nothing is released until they are restored.
	Missing []string
}

// Gate decides which documents may be published. Building it replays
// every case once; each decision then costs the number of findings the
// document describes, with each finding's verdict computed once: the whole
// plan is linear in documents, links, findings and events. A Gate is not
// safe for concurrent use.
type Gate struct {
	at       time.Time
	policy   Policy
	required int
	findings map[int64]FindingInfo
	cases    map[int64][]caseEval // by finding
	products map[int64]Product
	vendors  map[int64]string
	memo     map[int64][]Reason
	blockAll []Reason // unauthentic policy entries: nothing is released
}

type caseEval struct {
	state State
	err   error
}

// NewGate prepares the gate for in.At.
func NewGate(in GateInput) *Gate {
	g := &Gate{
		at:       in.At,
		policy:   in.Policy,
		required: in.Required,
		findings: make(map[int64]FindingInfo, len(in.Findings)),
		cases:    make(map[int64][]caseEval),
		products: make(map[int64]Product, len(in.Products)),
		vendors:  make(map[int64]string, len(in.Vendors)),
		memo:     make(map[int64][]Reason, len(in.Findings)),
	}
	if g.required <= 0 {
		g.required = 2
	}
	// A forged finding (state, merge, or the documents linked to it: a
	// deleted link frees a document nobody can name) or product (vendor,
	// class, downstream makers) could free any document: nothing is
	// released until it is set right.
	for _, f := range in.Findings {
		if f.Unauthentic {
			g.blockAll = append(g.blockAll, Reason{Kind: ReasonUnauthentic, Finding: f.ID,
				Detail: fmt.Sprintf("finding %d's stored state or document links fail authentication: they were changed outside antidote", f.ID)})
		}
	}
	for _, p := range in.Products {
		if p.Unauthentic {
			g.blockAll = append(g.blockAll, Reason{Kind: ReasonUnauthentic, Product: p.Name,
				Detail: fmt.Sprintf("product %d's stored vendor, class or downstream makers fail authentication: they were changed outside antidote", p.ID)})
		}
	}
	for _, name := range in.Policy.Unauthentic {
		g.blockAll = append(g.blockAll, Reason{Kind: ReasonUnauthentic,
			Detail: fmt.Sprintf("the embargo policy entry %q fails authentication: it was changed outside antidote; set it again with 'antidote policy set'", name)})
	}
	for _, m := range in.Missing {
		g.blockAll = append(g.blockAll, Reason{Kind: ReasonUnauthentic, Detail: m})
	}
	for _, f := range in.Findings {
		g.findings[f.ID] = f
	}
	for _, p := range in.Products {
		g.products[p.ID] = p
	}
	for _, v := range in.Vendors {
		g.vendors[v.ID] = v.Name
	}
	byCase := make(map[int64][]Event, len(in.Cases))
	for _, e := range in.Events {
		byCase[e.Case] = append(byCase[e.Case], e)
	}
	for _, c := range in.Cases {
		evs := byCase[c.ID]
		SortEvents(evs)
		s := NewState(c)
		var err error
		if c.Unauthentic {
			err = errUnauthentic{fmt.Sprintf("case %d's record fails authentication: it was changed or inserted outside antidote", c.ID)}
		}
		for _, e := range evs {
			if e.Unauthentic {
				err = errUnauthentic{fmt.Sprintf("event %d of case %d fails authentication: it was changed or inserted outside antidote", e.Seq, c.ID)}
				break
			}
		}
		for _, e := range evs {
			if err != nil {
				break
			}
			if e.At.After(in.At) {
				break
			}
			if err = s.Apply(e); err != nil {
				err = fmt.Errorf("event %d: %w", e.Seq, err)
				break
			}
		}
		g.cases[c.Finding] = append(g.cases[c.Finding], caseEval{state: s, err: err})
	}
	return g
}

// Decide answers for one document.
func (g *Gate) Decide(d DocInput) Decision {
	dec := Decision{Doc: d.ID, BlockedBy: []Reason{}}
	dec.BlockedBy = append(dec.BlockedBy, g.blockAll...)
	for _, u := range d.Unauthentic {
		dec.BlockedBy = append(dec.BlockedBy, Reason{Kind: ReasonUnauthentic, Detail: u})
	}
	for i, f := range d.Findings {
		dup := false
		for _, prev := range d.Findings[:i] {
			if prev == f {
				dup = true
				break
			}
		}
		if !dup {
			dec.BlockedBy = append(dec.BlockedBy, g.finding(f)...)
		}
	}
	if d.Unexamined {
		dec.BlockedBy = append(dec.BlockedBy, Reason{Kind: ReasonUnexamined,
			Detail: "nobody has looked for findings in it ('antidote findings extract', or 'antidote findings none' when it describes none)"})
	}
	if !d.Verified {
		dec.BlockedBy = append(dec.BlockedBy, Reason{Kind: ReasonRedaction,
			Detail: "its redaction has not passed 'antidote verify --all'"})
	}
	var who []string
	for _, a := range d.Approvals {
		if a.Unauthentic {
			dec.BlockedBy = append(dec.BlockedBy, Reason{Kind: ReasonUnauthentic,
				Detail: fmt.Sprintf("an approval of document %d fails authentication: it was changed or inserted outside antidote", d.ID)})
			continue
		}
		if a.At.After(g.at) {
			continue
		}
		seen := false
		for _, w := range who {
			if w == a.Actor {
				seen = true
			}
		}
		if !seen {
			who = append(who, a.Actor)
		}
	}
	if len(who) < g.required {
		dec.BlockedBy = append(dec.BlockedBy, Reason{Kind: ReasonApprovals,
			Detail: fmt.Sprintf("%d of %d approvals from different people ('antidote release approve %d')", len(who), g.required, d.ID)})
	}
	dec.Releasable = len(dec.BlockedBy) == 0
	return dec
}

// finding returns why finding id blocks publication (nil if it does not),
// computing it once.
func (g *Gate) finding(id int64) []Reason {
	if r, ok := g.memo[id]; ok {
		return r
	}
	r := g.evalFinding(id)
	g.memo[id] = r
	return r
}

func (g *Gate) evalFinding(id int64) []Reason {
	f, ok := g.findings[id]
	// Follow merges to the finding that carries the case. (A forged
	// finding blocks every document: see blockAll.)
	for hops := 0; ok && f.State == findings.Merged && hops < 32; hops++ {
		f, ok = g.findings[f.MergedInto]
	}
	switch {
	case !ok || f.State == findings.Merged:
		return []Reason{{Kind: ReasonUnreviewed, Finding: id, Detail: "the finding it describes is missing or merged in a loop: review it"}}
	case f.State == findings.Rejected:
		return nil
	case f.State == findings.Proposed:
		return []Reason{{Kind: ReasonUnreviewed, Finding: f.ID,
			Detail: fmt.Sprintf("finding %d is proposed: accept, merge or reject it", f.ID)}}
	}
	cs := g.cases[f.ID]
	if len(cs) == 0 {
		return []Reason{{Kind: ReasonNoCase, Finding: f.ID,
			Detail: fmt.Sprintf("finding %d is accepted but no case is open ('antidote case open %d --vendor NAME')", f.ID, f.ID)}}
	}
	var out []Reason
	for _, ce := range cs {
		var ue errUnauthentic
		if errors.As(ce.err, &ue) {
			out = append(out, Reason{Kind: ReasonUnauthentic, Finding: f.ID, Case: ce.state.Case.ID, Detail: ue.msg})
			continue
		}
		if ce.err != nil {
			out = append(out, Reason{Kind: ReasonCaseInvalid, Finding: f.ID, Case: ce.state.Case.ID,
				Detail: fmt.Sprintf("case %d's timeline is invalid: %v", ce.state.Case.ID, ce.err)})
			continue
		}
		out = append(out, g.evalCase(f, ce.state)...)
	}
	return out
}

func (g *Gate) evalCase(f FindingInfo, s State) []Reason {
	var out []Reason
	targets := s.Targets
	// A product shipped through downstream makers is resolved only when
	// each of them has deployed the fix; makers the case does not list yet
	// count as not notified.
	for _, ts := range s.Targets {
		p, ok := g.products[ts.Product]
		if !ok || p.Vendor != ts.Vendor {
			continue
		}
		for _, m := range p.Downstream {
			if _, has := s.Target(Target{Vendor: m, Product: p.ID}); !has {
				targets = append(targets, TargetState{Target: Target{Vendor: m, Product: p.ID}, Status: NotNotified})
			}
		}
	}
	for _, ts := range targets {
		p, known := g.products[ts.Product]
		upstream := ts.Product == 0 || !known || p.Vendor == ts.Vendor
		if s.Resolved(ts, p) {
			continue
		}
		clock := g.policy.Clock(ts, p.Class, f.Exploited, s.PublicAt)
		if clock.Expired(g.at) {
			continue
		}
		r := Reason{Finding: f.ID, Case: s.Case.ID, Vendor: g.vendorName(ts.Vendor), Status: ts.Status}
		if known {
			r.Product = p.Name
		}
		role := "vendor"
		if !upstream {
			role = "downstream maker"
		}
		if clock.Deadline.IsZero() {
			r.Kind = ReasonNotNotified
			r.Detail = fmt.Sprintf("%s %s has not been notified of finding %d: its embargo clock has not started", role, r.Vendor, f.ID)
		} else {
			dl := clock.Deadline.UTC()
			r.Kind = ReasonEmbargo
			r.Deadline = &dl
			r.Detail = fmt.Sprintf("%s %s is %s on finding %d; embargo until %s (%s)", role, r.Vendor, ts.Status, f.ID, dl.Format(time.RFC3339), clock.Basis)
		}
		out = append(out, r)
	}
	return out
}

// Resolved reports whether a party no longer holds the finding back: it is
// not affected or has deployed the fix; an upstream vendor's release of a
// fix resolves it for that vendor; a downstream maker has nothing to deploy
// when the upstream product is not affected. p is the target's product (zero
// for a vendor-wide target). This is the one rule the release gate, case
// views and publication share.
func (s State) Resolved(ts TargetState, p Product) bool {
	upstream := ts.Product == 0 || p.ID == 0 || p.Vendor == ts.Vendor
	switch ts.Status {
	case NotAffected, FixDeployed:
		return true
	case Fixed:
		return upstream
	}
	if !upstream {
		if up, ok := s.Target(Target{Vendor: p.Vendor, Product: p.ID}); ok && up.Status == NotAffected {
			return true
		}
	}
	return false
}

func (g *Gate) vendorName(id int64) string {
	if n, ok := g.vendors[id]; ok {
		return n
	}
	return fmt.Sprintf("vendor %d", id)
}

// Plan decides every document in order.
func Plan(in GateInput, docs []DocInput) []Decision {
	g := NewGate(in)
	out := make([]Decision, len(docs))
	for i, d := range docs {
		out[i] = g.Decide(d)
	}
	return out
}

// errUnauthentic is a case whose stored records fail authentication.
type errUnauthentic struct{ msg string }

func (e errUnauthentic) Error() string { return e.msg }
