package cases

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)

func at(days float64) time.Time { return t0.Add(time.Duration(days * float64(day))) }

func TestTransitionTable(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{NotNotified, Notified, true},         // the only way to start
		{NotNotified, Fixed, false},           // nobody fixes what they were not told
		{NotNotified, Unresponsive, false},    // cannot be unresponsive before being asked
		{Notified, Notified, true},            // a reminder
		{Notified, NotAffected, true},         // quick answer
		{Fixed, FixDeployed, true},            // fix reaches devices
		{Fixed, FixInProgress, true},          // fix found incomplete
		{Fixed, Notified, false},              // no going back to the start
		{NotAffected, Investigating, true},    // verdict reopened
		{NotAffected, Fixed, false},           // must reopen first
		{Unresponsive, Acknowledged, true},    // vendor comes back
		{FixDeployed, NotAffected, false},     // a deployed fix means it was affected
		{Disputed, NotAffected, true},         // dispute settled
		{Investigating, Investigating, false}, // nothing to record
	}
	for _, tt := range tests {
		if CanMove(tt.from, tt.to) != tt.ok {
			t.Errorf("%s -> %s: want %v", tt.from, tt.to, tt.ok)
		}
	}
	// Every status is reachable from not-notified through the table.
	seen := map[Status]bool{NotNotified: true}
	queue := []Status{NotNotified}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range moves[s] {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range Statuses() {
		if !seen[s] {
			t.Errorf("status %s is unreachable", s)
		}
	}
}

func TestApply(t *testing.T) {
	apple := Target{Vendor: 1, Product: 10}
	c := Case{ID: 5, Finding: 9, Opened: t0, Targets: []Target{apple}}
	ev := func(days float64, st Status, mod ...func(*Event)) Event {
		e := Event{At: at(days), Actor: "ana", Kind: EventStatus, Target: apple, Status: st}
		for _, m := range mod {
			m(&e)
		}
		return e
	}
	tests := []struct {
		name   string
		events []Event
		errHas string
		check  func(t *testing.T, s State)
	}{
		// A full happy path keeps the first notification as the clock's start.
		{"happy", []Event{ev(0, Notified), ev(1, Notified), ev(2, Acknowledged), ev(30, Fixed, func(e *Event) { e.FixedVersion = "10.3.1"; e.ReleaseDate = at(31) })}, "",
			func(t *testing.T, s State) {
				ts, _ := s.Target(apple)
				if ts.Status != Fixed || !ts.Notified.Equal(at(0)) || ts.FixedVersion != "10.3.1" || !ts.ReleaseDate.Equal(at(31)) || !ts.Since.Equal(at(30)) {
					t.Errorf("state %+v", ts)
				}
			}},
		// Skipping notification is refused.
		{"skip notify", []Event{ev(0, Acknowledged)}, "cannot go from not-notified", nil},
		// Fixed needs a version.
		{"fixed no version", []Event{ev(0, Notified), ev(1, Fixed)}, "fixed version", nil},
		// Deployed needs a patch level.
		{"deployed no level", []Event{ev(0, Notified), ev(1, FixDeployed)}, "patch level", nil},
		// Not affected needs a VEX justification.
		{"not affected bad", []Event{ev(0, Notified), ev(1, NotAffected, func(e *Event) { e.Justification = "because" })}, "VEX justification", nil},
		// With a justification it is fine, and reopening clears it.
		{"not affected reopened", []Event{ev(0, Notified), ev(1, NotAffected, func(e *Event) { e.Justification = ComponentNotPresent }), ev(2, Investigating)}, "",
			func(t *testing.T, s State) {
				ts, _ := s.Target(apple)
				if ts.Status != Investigating || ts.Justification != "" {
					t.Errorf("state %+v", ts)
				}
			}},
		// A status for a new target adds it (a downstream maker).
		{"new target", []Event{ev(0, Notified, func(e *Event) { e.Target = Target{Vendor: 2, Product: 10} })}, "",
			func(t *testing.T, s State) {
				if len(s.Targets) != 2 {
					t.Errorf("targets %+v", s.Targets)
				}
			}},
		// Public needs evidence; the earliest public date wins.
		{"public", []Event{{At: at(3), Actor: "ana", Kind: EventPublic, Evidence: "https://example.org/post"}, {At: at(4), Actor: "ana", Kind: EventPublic, Evidence: "later"}}, "",
			func(t *testing.T, s State) {
				if !s.PublicAt.Equal(at(3)) || s.Evidence != "https://example.org/post" {
					t.Errorf("public %v %q", s.PublicAt, s.Evidence)
				}
			}},
		{"public no evidence", []Event{{At: at(3), Actor: "ana", Kind: EventPublic}}, "evidence", nil},
		// Events need an actor.
		{"no actor", []Event{{At: at(3), Kind: EventNote}}, "actor", nil},
		// Unknown kinds are refused.
		{"kind", []Event{{At: at(3), Actor: "a", Kind: "bogus"}}, "unknown event kind", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.events {
				tt.events[i].Seq = int64(i + 1)
			}
			s, err := Replay(c, tt.events, time.Time{})
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) || !errors.Is(err, ErrBadEvent) {
					t.Fatalf("err = %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestApplyRefusesOutOfOrder(t *testing.T) {
	s := NewState(Case{ID: 1, Targets: []Target{{Vendor: 1}}})
	if err := s.Apply(Event{At: at(5), Actor: "a", Kind: EventStatus, Target: Target{Vendor: 1}, Status: Notified}); err != nil {
		t.Fatal(err)
	}
	err := s.Apply(Event{At: at(4), Actor: "a", Kind: EventNote})
	if !errors.Is(err, ErrBadEvent) {
		t.Fatalf("backdated event accepted: %v", err)
	}
}

func TestReplayAt(t *testing.T) {
	v := Target{Vendor: 1}
	c := Case{ID: 1, Targets: []Target{v}}
	evs := []Event{
		{Seq: 2, At: at(10), Actor: "a", Kind: EventStatus, Target: v, Status: Acknowledged},
		{Seq: 1, At: at(0), Actor: "a", Kind: EventStatus, Target: v, Status: Notified},
	}
	// Events arrive out of order; replay sorts them and stops at the moment asked.
	s, err := Replay(c, evs, at(5))
	if err != nil {
		t.Fatal(err)
	}
	if s.Targets[0].Status != Notified {
		t.Errorf("at day 5: %s", s.Targets[0].Status)
	}
	s, _ = Replay(c, evs, time.Time{})
	if s.Targets[0].Status != Acknowledged {
		t.Errorf("at the end: %s", s.Targets[0].Status)
	}
}
