package cases

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Policy is the embargo policy: how many days a vendor has from first
// notification, per device class.
type Policy struct {
	Classes   map[DeviceClass]int `json:"classes"`
	Default   int                 `json:"default"`   // a class the policy does not name
	Exploited int                 `json:"exploited"` // the finding is exploited in the wild
	Grace     int                 `json:"grace"`     // extra days when a fix is imminent
	// Unauthentic names stored entries that fail authentication; the gate
	// then releases nothing.
	Unauthentic []string `json:"-"`
}

// DefaultPolicy follows public practice: 90 days for phone and desktop
// platforms and browsers (Google Project Zero, ZDI-style), longer where
// fixes reach devices slowly (network equipment, smart TVs and IoT,
// vehicles), 7 days when the flaw is exploited in the wild, and a 14-day
// grace period when the vendor has announced a fix date just past the
// deadline.
func DefaultPolicy() Policy {
	return Policy{
		Classes: map[DeviceClass]int{
			PhoneOS:          90,
			DesktopOS:        90,
			Browser:          90,
			ServerSoftware:   90,
			NetworkEquipment: 120,
			SmartTVIoT:       180,
			Vehicle:          365,
		},
		Default:   90,
		Exploited: 7,
		Grace:     14,
	}
}

// Days returns the embargo length for class.
func (p Policy) Days(class DeviceClass) int {
	if d, ok := p.Classes[class]; ok {
		return d
	}
	return p.Default
}

const maxDays = 3650

// Set changes one entry: a device class, or "default", "exploited" or
// "grace".
func (p *Policy) Set(key string, days int) error {
	if days < 0 || days > maxDays {
		return fmt.Errorf("embargo days must be between 0 and %d", maxDays)
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "default":
		p.Default = days
	case "exploited":
		p.Exploited = days
	case "grace":
		p.Grace = days
	default:
		c, err := ParseDeviceClass(key)
		if err != nil {
			return err
		}
		if p.Classes == nil {
			p.Classes = map[DeviceClass]int{}
		}
		p.Classes[c] = days
	}
	return nil
}

// Validate checks every entry is in range.
func (p Policy) Validate() error {
	for c, d := range p.Classes {
		if d < 0 || d > maxDays {
			return fmt.Errorf("embargo for %s: days must be between 0 and %d", c, maxDays)
		}
	}
	for _, d := range []int{p.Default, p.Exploited, p.Grace} {
		if d < 0 || d > maxDays {
			return errors.New("embargo days must be between 0 and 3650")
		}
	}
	return nil
}

// ClassNames returns the policy's classes in name order.
func (p Policy) ClassNames() []DeviceClass {
	out := make([]DeviceClass, 0, len(p.Classes))
	for c := range p.Classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Clock is one target's embargo clock.
type Clock struct {
	Start    time.Time `json:"start,omitzero"`    // first notification; zero: not started
	Deadline time.Time `json:"deadline,omitzero"` // zero while not started and not public
	Days     int       `json:"days"`              // the embargo length applied
	Basis    string    `json:"basis"`             // why this deadline
}

const day = 24 * time.Hour

// Clock computes the embargo clock of ts for a product of class, given
// whether the finding is exploited in the wild and when (if ever) its
// details became public.
func (p Policy) Clock(ts TargetState, class DeviceClass, exploited bool, publicAt time.Time) Clock {
	c := Clock{Start: ts.Notified, Days: p.Days(class)}
	c.Basis = fmt.Sprintf("%d days for %s", c.Days, class)
	if class == "" {
		c.Basis = fmt.Sprintf("%d days (default)", c.Days)
	}
	if exploited && p.Exploited < c.Days {
		c.Days = p.Exploited
		c.Basis = fmt.Sprintf("%d days: exploited in the wild", c.Days)
	}
	if !c.Start.IsZero() {
		c.Deadline = c.Start.Add(time.Duration(c.Days) * day)
		// Grace: the vendor named a fix date shortly past the deadline.
		if ef := ts.ExpectedFix; !ef.IsZero() && ef.After(c.Deadline) && !ef.After(c.Deadline.Add(time.Duration(p.Grace)*day)) &&
			(ts.Status == FixInProgress || ts.Status == Fixed) {
			c.Deadline = ef
			c.Basis += fmt.Sprintf(", extended to the announced fix date (grace %d days)", p.Grace)
		}
	}
	if !publicAt.IsZero() && (c.Deadline.IsZero() || publicAt.Before(c.Deadline)) {
		c.Deadline = publicAt
		c.Basis = "details already public"
	}
	return c
}

// DaysLeft is the number of whole days until the deadline at at, rounded
// up; 0 or less once it has run out. ok is false when the clock has not
// started.
func (c Clock) DaysLeft(at time.Time) (int, bool) {
	if c.Deadline.IsZero() {
		return 0, false
	}
	d := c.Deadline.Sub(at)
	if d <= 0 {
		return int(math.Floor(d.Hours() / 24)), true
	}
	return int(math.Ceil(d.Hours() / 24)), true
}

// Expired reports whether the embargo has run out at at.
func (c Clock) Expired(at time.Time) bool {
	return !c.Deadline.IsZero() && !at.Before(c.Deadline)
}
