package cases

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"antidote/internal/cputime"
	"antidote/internal/findings"
)

const (
	google, samsung, xiaomi, apple = 1, 2, 3, 4
	android, ios                   = 10, 20
)

func world() GateInput {
	return GateInput{
		Policy: DefaultPolicy(),
		Vendors: []Vendor{{ID: google, Name: "Google"}, {ID: samsung, Name: "Samsung"},
			{ID: xiaomi, Name: "Xiaomi"}, {ID: apple, Name: "Apple"}},
		Products: []Product{
			{ID: android, Vendor: google, Name: "Android", Class: PhoneOS, Downstream: []int64{samsung, xiaomi}},
			{ID: ios, Vendor: apple, Name: "iOS", Class: PhoneOS},
		},
	}
}

func status(c int64, days float64, v, p int64, st Status, mod ...func(*Event)) Event {
	e := Event{Case: c, At: at(days), Actor: "ana", Kind: EventStatus, Target: Target{Vendor: v, Product: p}, Status: st}
	for _, m := range mod {
		m(&e)
	}
	return e
}

func fixed(v string) func(*Event)    { return func(e *Event) { e.FixedVersion = v } }
func deployed(l string) func(*Event) { return func(e *Event) { e.PatchLevel = l } }

var approved = []Approval{{Actor: "ana", At: t0}, {Actor: "ben", At: t0}}

func kinds(d Decision) string {
	var ks []string
	for _, r := range d.BlockedBy {
		k := r.Kind
		if r.Vendor != "" {
			k += ":" + r.Vendor
		}
		ks = append(ks, k)
	}
	return strings.Join(ks, " ")
}

func TestGate(t *testing.T) {
	iosCase := Case{ID: 1, Finding: 100, Targets: []Target{{apple, ios}}}
	androidCase := Case{ID: 2, Finding: 200, Targets: []Target{{google, android}}}
	base := []FindingInfo{{ID: 100, State: findings.Accepted}, {ID: 200, State: findings.Accepted}}
	tests := []struct {
		name     string
		at       float64
		findings []FindingInfo
		cases    []Case
		events   []Event
		doc      DocInput
		want     string // reason kinds with vendors, "" for releasable
	}{
		// A document describing no finding, verified and approved twice.
		{"clean", 1, base, nil, nil, DocInput{ID: 1, Verified: true, Approvals: approved}, ""},
		// Same person approving twice is one approval; not verified.
		{"one approver", 1, base, nil, nil, DocInput{ID: 1, Approvals: []Approval{{Actor: "ana", At: t0}, {Actor: "ana", At: t0}}}, "redaction-unverified approvals"},
		// An approval given after the moment asked about does not count yet.
		{"future approval", 1, base, nil, nil, DocInput{ID: 1, Verified: true, Approvals: []Approval{{Actor: "ana", At: t0}, {Actor: "ben", At: at(5)}}}, "approvals"},
		// An accepted finding without a case blocks.
		{"no case", 1, base, nil, nil, DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "no-case"},
		// A proposed finding blocks until reviewed; a rejected one does not.
		{"proposed and rejected", 1, []FindingInfo{{ID: 100, State: findings.Proposed}, {ID: 200, State: findings.Rejected}}, nil, nil,
			DocInput{ID: 1, Findings: []int64{100, 200}, Verified: true, Approvals: approved}, "finding-unreviewed"},
		// A merged finding is judged by the one it was merged into.
		{"merged", 1, []FindingInfo{{ID: 100, State: findings.Accepted}, {ID: 300, State: findings.Merged, MergedInto: 100}}, nil, nil,
			DocInput{ID: 1, Findings: []int64{300}, Verified: true, Approvals: approved}, "no-case"},
		// Records failing authentication block, whatever they say.
		{"forged approval", 1, base, nil, nil, DocInput{ID: 1, Verified: true, Approvals: []Approval{{Actor: "ana", At: t0}, {Actor: "eve", At: t0, Unauthentic: true}}}, "record-unauthentic approvals"},
		{"forged check", 1, base, nil, nil, DocInput{ID: 1, Approvals: approved, Unauthentic: []string{"check"}}, "record-unauthentic redaction-unverified"},
		{"forged finding state", 1, []FindingInfo{{ID: 100, State: findings.Rejected, Unauthentic: true}}, nil, nil,
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "record-unauthentic"},
		{"forged merge", 1, []FindingInfo{{ID: 100, State: findings.Rejected}, {ID: 300, State: findings.Merged, MergedInto: 100, Unauthentic: true}}, nil, nil,
			DocInput{ID: 1, Findings: []int64{300}, Verified: true, Approvals: approved}, "record-unauthentic"},
		{"forged fix event", 30, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified), func() Event { e := status(1, 20, apple, ios, Fixed, fixed("10.3.1")); e.Unauthentic = true; return e }()},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "record-unauthentic"},
		{"forged case", 91, base, []Case{{ID: 1, Finding: 100, Targets: []Target{{apple, ios}}, Unauthentic: true}}, []Event{status(1, 0, apple, ios, Notified)},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "record-unauthentic"},
		// Vendor not notified: blocked without a deadline.
		{"not notified", 1, base, []Case{iosCase}, nil, DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "not-notified:Apple"},
		// Notified, embargo running.
		{"embargo", 30, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified)},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "embargo:Apple"},
		// Embargo run out: releasable though unfixed.
		{"expired", 91, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified)},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, ""},
		// Exploited in the wild: 7 days.
		{"exploited", 8, []FindingInfo{{ID: 100, State: findings.Accepted, Exploited: true}}, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified)},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, ""},
		// Fixed upstream with no downstream makers: resolved.
		{"fixed", 30, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified), status(1, 20, apple, ios, Fixed, fixed("10.3.1"))},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, ""},
		// Asking about a moment before the fix: still under embargo.
		{"before the fix", 10, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Notified), status(1, 20, apple, ios, Fixed, fixed("10.3.1"))},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "embargo:Apple"},
		// Android fixed by Google but downstream makers not told: blocked for each.
		{"downstream pending", 30, base, []Case{androidCase}, []Event{status(2, 0, google, android, Notified), status(2, 20, google, android, Fixed, fixed("2017-04-01"))},
			DocInput{ID: 1, Findings: []int64{200}, Verified: true, Approvals: approved}, "not-notified:Samsung not-notified:Xiaomi"},
		// Samsung deployed, Xiaomi notified and within its clock.
		{"one deployed", 30, base, []Case{androidCase}, []Event{status(2, 0, google, android, Notified), status(2, 20, google, android, Fixed, fixed("2017-04-01")),
			status(2, 21, samsung, android, Notified), status(2, 25, samsung, android, FixDeployed, deployed("2017-05-01")), status(2, 21, xiaomi, android, Notified)},
			DocInput{ID: 1, Findings: []int64{200}, Verified: true, Approvals: approved}, "embargo:Xiaomi"},
		// Upstream not affected: downstream makers have nothing to deploy.
		{"upstream not affected", 1, base, []Case{androidCase}, []Event{status(2, 0, google, android, Notified),
			status(2, 0.5, google, android, NotAffected, func(e *Event) { e.Justification = VulnerableCodeNotPresent })},
			DocInput{ID: 1, Findings: []int64{200}, Verified: true, Approvals: approved}, ""},
		// Details already public: the embargo collapses for everyone, even the un-notified.
		{"public", 5, base, []Case{iosCase, androidCase}, []Event{{Case: 1, At: at(2), Actor: "ana", Kind: EventPublic, Evidence: "https://example.org"},
			{Case: 2, At: at(2), Actor: "ana", Kind: EventPublic, Evidence: "https://example.org"}},
			DocInput{ID: 1, Findings: []int64{100, 200}, Verified: true, Approvals: approved}, ""},
		// A case whose history breaks the rules blocks with its own reason.
		{"invalid history", 5, base, []Case{iosCase}, []Event{status(1, 0, apple, ios, Fixed)},
			DocInput{ID: 1, Findings: []int64{100}, Verified: true, Approvals: approved}, "case-invalid"},
		// A finding listed twice is reported once.
		{"duplicate link", 1, base, []Case{iosCase}, nil, DocInput{ID: 1, Findings: []int64{100, 100}, Verified: true, Approvals: approved}, "not-notified:Apple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := world()
			in.At = at(tt.at)
			in.Findings, in.Cases = tt.findings, tt.cases
			for i := range tt.events {
				tt.events[i].Seq = int64(i + 1)
			}
			in.Events = tt.events
			d := Plan(in, []DocInput{tt.doc})[0]
			if got := kinds(d); got != tt.want {
				t.Fatalf("blocked by %q, want %q (%+v)", got, tt.want, d.BlockedBy)
			}
			if d.Releasable != (tt.want == "") || d.Doc != tt.doc.ID {
				t.Errorf("decision %+v", d)
			}
			for _, r := range d.BlockedBy {
				if r.Kind == ReasonEmbargo && (r.Deadline == nil || !r.Deadline.After(in.At)) {
					t.Errorf("embargo reason without a future deadline: %+v", r)
				}
				if r.Detail == "" {
					t.Errorf("reason without detail: %+v", r)
				}
			}
		})
	}
}

func TestGateDeadlineIsExact(t *testing.T) {
	in := world()
	in.At = at(10)
	in.Findings = []FindingInfo{{ID: 100, State: findings.Accepted}}
	in.Cases = []Case{{ID: 1, Finding: 100, Targets: []Target{{apple, ios}}}}
	in.Events = []Event{status(1, 0, apple, ios, Notified), status(1, 5, apple, ios, Acknowledged)}
	d := Plan(in, []DocInput{{ID: 7, Findings: []int64{100}, Verified: true, Approvals: approved}})[0]
	r := d.BlockedBy[0]
	if r.Finding != 100 || r.Case != 1 || r.Vendor != "Apple" || r.Product != "iOS" || r.Status != Acknowledged || !r.Deadline.Equal(at(90)) {
		t.Errorf("reason %+v", r)
	}
}

// benchInput builds a workspace of the benchmark's size: docs documents,
// nf findings, nv vendors, ne case events.
func benchInput(docs, nf, nv, ne int) (GateInput, []DocInput) {
	in := GateInput{At: at(60), Policy: DefaultPolicy()}
	for v := 1; v <= nv; v++ {
		in.Vendors = append(in.Vendors, Vendor{ID: int64(v), Name: fmt.Sprintf("vendor-%d", v)})
		in.Products = append(in.Products, Product{ID: int64(v), Vendor: int64(v), Name: "p", Class: PhoneOS})
	}
	for f := 1; f <= nf; f++ {
		in.Findings = append(in.Findings, FindingInfo{ID: int64(f), State: findings.Accepted})
		v := int64(f%nv + 1)
		in.Cases = append(in.Cases, Case{ID: int64(f), Finding: int64(f), Targets: []Target{{v, v}}})
	}
	seq := int64(0)
	for len(in.Events) < ne {
		for f := 1; f <= nf && len(in.Events) < ne; f++ {
			v := int64(f%nv + 1)
			seq++
			st := Notified
			if len(in.Events) >= nf {
				st = Acknowledged
			}
			if len(in.Events) >= 2*nf {
				st = Investigating
			}
			if len(in.Events) >= 3*nf {
				in.Events = append(in.Events, Event{Seq: seq, Case: int64(f), At: at(float64(len(in.Events)/nf) + 1), Actor: "a", Kind: EventNote})
				continue
			}
			in.Events = append(in.Events, Event{Seq: seq, Case: int64(f), At: at(float64(len(in.Events) / nf)), Actor: "a", Kind: EventStatus, Target: Target{v, v}, Status: st})
		}
	}
	ds := make([]DocInput, docs)
	for i := range ds {
		ds[i] = DocInput{ID: int64(i + 1), Findings: []int64{int64(i%nf + 1), int64((i*7)%nf + 1)}, Verified: i%2 == 0, Approvals: approved}
	}
	return in, ds
}

// TestGateScalesLinearly plans ten times the input and requires well under
// a hundred times the work: it compares the CPU time of two sizes in one run
// (the least of three tries each), never a wall-clock limit, so a busy
// machine cannot fail it while a quadratic gate (about 100 times) still does.
func TestGateScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("plans 100,000 documents")
	}
	fastest := func(docs, findings, vendors, events int) time.Duration {
		in, ds := benchInput(docs, findings, vendors, events)
		var out []Decision
		best, err := cputime.Least(3, func() { out = Plan(in, ds) })
		if err != nil {
			t.Skipf("no per-thread CPU clock here: %v", err)
		}
		if len(out) != len(ds) {
			t.Fatalf("%d decisions for %d documents", len(out), len(ds))
		}
		return best
	}
	small := fastest(10000, 500, 20, 2000)
	large := fastest(100000, 5000, 200, 20000)
	ratio := float64(large) / float64(max(small, time.Microsecond))
	t.Logf("gate: 10,000 documents in %v, 100,000 in %v (x%.1f)", small, large, ratio)
	if ratio > 40 {
		t.Errorf("ten times the documents took %.0f times as long: the gate is not linear", ratio)
	}
}

func BenchmarkGate(b *testing.B) {
	in, ds := benchInput(100000, 5000, 200, 20000)
	b.ResetTimer()
	for b.Loop() {
		Plan(in, ds)
	}
}
