package cases

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Target is one party of a case: a vendor as a whole (Product 0), one of
// its products, or a downstream maker shipping someone else's product
// (Vendor is the maker, Product the upstream product).
type Target struct {
	Vendor  int64 `json:"vendor"`
	Product int64 `json:"product,omitempty"`
}

// Case is a finding coordinated with one or more vendors.
type Case struct {
	ID       int64     `json:"id"`
	Finding  int64     `json:"finding"`
	Opened   time.Time `json:"opened"`
	OpenedBy string    `json:"opened_by"`
	Targets  []Target  `json:"targets"`
	// Unauthentic: the stored case fails authentication (changed or
	// inserted outside antidote); the gate trusts nothing of it.
	Unauthentic bool `json:"-"`
}

// EventKind says what an event records.
type EventKind string

// Event kinds.
const (
	EventStatus EventKind = "status" // a target's status changed
	EventPublic EventKind = "public" // the details are already public: the embargo collapses
	EventNote   EventKind = "note"   // a remark for the timeline
)

// Event is one entry of a case's timeline. Which fields matter depends on
// Kind and Status; Apply checks them.
type Event struct {
	Seq           int64         `json:"seq"`
	Case          int64         `json:"case"`
	At            time.Time     `json:"at"`
	Actor         string        `json:"actor"`
	Kind          EventKind     `json:"kind"`
	Target        Target        `json:"target"`
	Status        Status        `json:"status,omitempty"`
	FixedVersion  string        `json:"fixed_version,omitempty"`
	ReleaseDate   time.Time     `json:"release_date,omitzero"`
	PatchLevel    string        `json:"patch_level,omitempty"`
	Justification Justification `json:"justification,omitempty"`
	ExpectedFix   time.Time     `json:"expected_fix,omitzero"` // vendor's announced fix date
	Evidence      string        `json:"evidence,omitempty"`    // where the details are public
	Note          string        `json:"note,omitempty"`
	// Unauthentic: the stored event fails authentication (changed or
	// inserted outside antidote); the gate blocks its case's documents.
	Unauthentic bool `json:"-"`
}

// TargetState is a target's current status with the facts that go with it.
type TargetState struct {
	Target
	Status        Status        `json:"status"`
	Since         time.Time     `json:"since,omitzero"`
	Notified      time.Time     `json:"notified,omitzero"` // first notification: the clock's start
	FixedVersion  string        `json:"fixed_version,omitempty"`
	ReleaseDate   time.Time     `json:"release_date,omitzero"`
	PatchLevel    string        `json:"patch_level,omitempty"`
	Justification Justification `json:"justification,omitempty"`
	ExpectedFix   time.Time     `json:"expected_fix,omitzero"`
}

// State is a case folded from its timeline up to some moment.
type State struct {
	Case     Case          `json:"case"`
	Targets  []TargetState `json:"targets"`
	PublicAt time.Time     `json:"public_at,omitzero"`
	Evidence string        `json:"public_evidence,omitempty"`
	Last     time.Time     `json:"last_event,omitzero"`
}

// ErrBadEvent reports an event the case's rules refuse.
var ErrBadEvent = errors.New("event not allowed")

// NewState is a case before any event: every target not yet notified.
func NewState(c Case) State {
	s := State{Case: c}
	for _, t := range c.Targets {
		s.Targets = append(s.Targets, TargetState{Target: t, Status: NotNotified})
	}
	return s
}

// Replay folds events (in any order) into the case's state as of at,
// ignoring later events. The zero at means all events.
func Replay(c Case, events []Event, at time.Time) (State, error) {
	evs := append([]Event(nil), events...)
	SortEvents(evs)
	s := NewState(c)
	for _, e := range evs {
		if !at.IsZero() && e.At.After(at) {
			break
		}
		if err := s.Apply(e); err != nil {
			return s, fmt.Errorf("case %d event %d: %w", c.ID, e.Seq, err)
		}
	}
	return s, nil
}

// SortEvents orders events by time, then by sequence number.
func SortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].At.Equal(evs[j].At) {
			return evs[i].At.Before(evs[j].At)
		}
		return evs[i].Seq < evs[j].Seq
	})
}

// Target returns the state of t and whether the case has it.
func (s *State) Target(t Target) (*TargetState, bool) {
	for i := range s.Targets {
		if s.Targets[i].Target == t {
			return &s.Targets[i], true
		}
	}
	return nil, false
}

// Apply checks e against the case's rules and folds it in. A status event
// for a target the case does not have yet adds it (a vendor brought in
// later, a downstream maker). Events must come in time order.
func (s *State) Apply(e Event) error {
	if e.At.IsZero() {
		return fmt.Errorf("%w: an event needs a time", ErrBadEvent)
	}
	if strings.TrimSpace(e.Actor) == "" {
		return &NeedsError{What: "an event", Field: FieldActor, Need: "an actor"}
	}
	if e.At.Before(s.Last) {
		return fmt.Errorf("%w: this event is dated %s, before the case's last event (%s); events are recorded in order",
			ErrBadEvent, e.At.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
	}
	switch e.Kind {
	case EventNote:
	case EventPublic:
		if strings.TrimSpace(e.Evidence) == "" {
			return fmt.Errorf("%w: recording that the details are public needs the evidence (a URL or reference)", ErrBadEvent)
		}
		if s.PublicAt.IsZero() || e.At.Before(s.PublicAt) {
			s.PublicAt, s.Evidence = e.At, e.Evidence
		}
	case EventStatus:
		if err := s.applyStatus(e); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: unknown event kind %q", ErrBadEvent, clip(string(e.Kind)))
	}
	s.Last = e.At
	return nil
}

func (s *State) applyStatus(e Event) error {
	if e.Target.Vendor <= 0 {
		return fmt.Errorf("%w: a status change needs a vendor", ErrBadEvent)
	}
	ts, ok := s.Target(e.Target)
	if !ok {
		s.Targets = append(s.Targets, TargetState{Target: e.Target, Status: NotNotified})
		ts = &s.Targets[len(s.Targets)-1]
	}
	if !CanMove(ts.Status, e.Status) {
		return fmt.Errorf("%w: a target cannot go from %s to %s (allowed: %s)", ErrBadEvent, ts.Status, e.Status, allowed(ts.Status))
	}
	switch e.Status {
	case Fixed:
		if strings.TrimSpace(e.FixedVersion) == "" {
			return &NeedsError{What: "fixed", Field: FieldFixedVersion, Need: "the fixed version"}
		}
		ts.FixedVersion, ts.ReleaseDate = e.FixedVersion, e.ReleaseDate
		if ts.ReleaseDate.IsZero() {
			ts.ReleaseDate = e.At
		}
	case FixDeployed:
		if strings.TrimSpace(e.PatchLevel) == "" {
			return &NeedsError{What: "fix-deployed", Field: FieldPatchLevel, Need: "the patch level that carries the fix"}
		}
		ts.PatchLevel = e.PatchLevel
	case NotAffected:
		if _, err := ParseJustification(string(e.Justification)); err != nil {
			return &NeedsError{What: "not-affected", Field: FieldJustification, Need: "a VEX justification", Err: err}
		}
		ts.Justification = e.Justification
	case FixInProgress:
		if !e.ExpectedFix.IsZero() {
			ts.ExpectedFix = e.ExpectedFix
		}
	case Notified:
		if ts.Notified.IsZero() {
			ts.Notified = e.At
		}
	}
	if e.Status != NotAffected {
		ts.Justification = ""
	}
	ts.Status, ts.Since = e.Status, e.At
	return nil
}

func allowed(from Status) string {
	var xs []string
	for _, s := range moves[from] {
		xs = append(xs, string(s))
	}
	return strings.Join(xs, ", ")
}

// Event fields a NeedsError can name, as the JSON of an event calls them.
const (
	FieldActor         = "actor"
	FieldFixedVersion  = "fixed_version"
	FieldPatchLevel    = "patch_level"
	FieldJustification = "justification"
)

// NeedsError is an event that lacks a fact its status requires. Field names
// the event field, so that each front end can name its own input for it.
type NeedsError struct {
	What, Field, Need string
	Err               error // why the given value was refused, if one was given
}

func (e *NeedsError) Error() string {
	msg := fmt.Sprintf("%v: %s needs %s", ErrBadEvent, e.What, e.Need)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap makes a NeedsError an ErrBadEvent.
func (e *NeedsError) Unwrap() error { return ErrBadEvent }
