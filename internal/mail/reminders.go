package mail

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"antidote/internal/cases"
)

// ReminderPolicy says when to remind: Steps are days before a deadline
// (default 30, 7, 1); AckDays is how long a notified vendor may stay
// silent before the analysts are told (default 7).
type ReminderPolicy struct {
	Steps   []int `json:"steps"`
	AckDays int   `json:"ack_days"`
}

// DefaultReminders is 30, 7 and 1 days before, and a note after 7 silent days.
func DefaultReminders() ReminderPolicy { return ReminderPolicy{Steps: []int{30, 7, 1}, AckDays: 7} }

// ParseSteps reads "30,7,1".
func ParseSteps(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 3650 {
			return nil, fmt.Errorf("reminder step %q: give whole days before the deadline, 1 to 3650, separated by commas", clip(f))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no reminder steps given")
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out, nil
}

// Clock is what reminders need of one case target: its status, when it
// was first notified and its current deadline (cases.Policy.Clock).
type Clock struct {
	Case     int64        `json:"case"`
	Target   cases.Target `json:"target"`
	Status   cases.Status `json:"status"`
	Notified time.Time    `json:"notified,omitzero"`
	Deadline time.Time    `json:"deadline,omitzero"`
}

// StepKind says what a step is for.
type StepKind string

// Step kinds.
const (
	StepReminder StepKind = "reminder" // mail the vendor: Days before Deadline
	StepUnacked  StepKind = "unacked"  // tell the analysts: no acknowledgement after Days
)

// Step identifies one reminder: it is sent once per (case, target, kind,
// days, deadline), so a moved deadline (or a new notification, for
// StepUnacked, whose Deadline is the notification time) re-arms it.
type Step struct {
	Case     int64        `json:"case"`
	Target   cases.Target `json:"target"`
	Kind     StepKind     `json:"kind"`
	Days     int          `json:"days"`
	Deadline time.Time    `json:"deadline"`
}

// Due is a reminder to send now. Covers lists the steps it stands for:
// when a run comes late (first run 5 days before the deadline), the 30-
// and 7-day steps are sent as one 7-day reminder and both are recorded.
type Due struct {
	Step
	Covers []Step `json:"covers"`
}

// done is true for statuses after which nobody is reminded.
func done(s cases.Status) bool {
	switch s {
	case cases.Fixed, cases.FixDeployed, cases.NotAffected, cases.NotNotified:
		return true
	}
	return false
}

// DueReminders returns the reminders due at at for clocks, leaving out
// steps that sent reports as already sent. It is pure: running it twice
// with the steps of the first run recorded returns nothing new.
func DueReminders(p ReminderPolicy, clocks []Clock, sent func(Step) bool, at time.Time) []Due {
	steps := append([]int(nil), p.Steps...)
	sort.Sort(sort.Reverse(sort.IntSlice(steps)))
	var out []Due
	for _, c := range clocks {
		if done(c.Status) {
			continue
		}
		if !c.Deadline.IsZero() && at.Before(c.Deadline) {
			var covers []Step
			for _, d := range steps {
				st := Step{Case: c.Case, Target: c.Target, Kind: StepReminder, Days: d, Deadline: c.Deadline.UTC()}
				if !at.Before(c.Deadline.Add(-time.Duration(d)*24*time.Hour)) && !sent(st) {
					covers = append(covers, st)
				}
			}
			if len(covers) > 0 {
				out = append(out, Due{Step: covers[len(covers)-1], Covers: covers})
			}
		}
		if p.AckDays > 0 && c.Status == cases.Notified && !c.Notified.IsZero() &&
			!at.Before(c.Notified.Add(time.Duration(p.AckDays)*24*time.Hour)) {
			st := Step{Case: c.Case, Target: c.Target, Kind: StepUnacked, Days: p.AckDays, Deadline: c.Notified.UTC()}
			if !sent(st) {
				out = append(out, Due{Step: st, Covers: []Step{st}})
			}
		}
	}
	return out
}

// FormatSteps writes steps as ParseSteps reads them: "30,7,1".
func FormatSteps(steps []int) string {
	xs := make([]string, len(steps))
	for i, d := range steps {
		xs[i] = strconv.Itoa(d)
	}
	return strings.Join(xs, ",")
}
