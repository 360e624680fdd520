package cases

import (
	"strings"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	p := DefaultPolicy()
	notified := TargetState{Status: Notified, Notified: t0}
	tests := []struct {
		name      string
		ts        TargetState
		class     DeviceClass
		exploited bool
		public    time.Time
		deadline  time.Time // zero: not started
		basis     string
	}{
		// Phone OS: 90 days from first notification.
		{"phone", notified, PhoneOS, false, time.Time{}, at(90), "90 days for phone-os"},
		// Vehicles get a year.
		{"vehicle", notified, Vehicle, false, time.Time{}, at(365), "365 days"},
		// Smart TVs and IoT get 180 days.
		{"tv", notified, SmartTVIoT, false, time.Time{}, at(180), "180 days"},
		// An unknown class uses the default.
		{"unknown class", notified, "medical-device", false, time.Time{}, at(90), "90 days"},
		// Exploited in the wild: 7 days whatever the class.
		{"exploited", notified, Vehicle, true, time.Time{}, at(7), "exploited in the wild"},
		// Not notified: no clock.
		{"not notified", TargetState{Status: NotNotified}, PhoneOS, false, time.Time{}, time.Time{}, ""},
		// Not notified but public: the embargo is already over.
		{"public, not notified", TargetState{Status: NotNotified}, PhoneOS, false, at(3), at(3), "details already public"},
		// Public before the deadline collapses it.
		{"public collapses", notified, PhoneOS, false, at(20), at(20), "details already public"},
		// Public after the deadline changes nothing.
		{"public late", notified, PhoneOS, false, at(200), at(90), "90 days"},
		// Fix announced 10 days past the deadline: grace extends to it.
		{"grace", TargetState{Status: FixInProgress, Notified: t0, ExpectedFix: at(100)}, PhoneOS, false, time.Time{}, at(100), "grace"},
		// Fix announced 30 days past the deadline: no grace.
		{"no grace", TargetState{Status: FixInProgress, Notified: t0, ExpectedFix: at(120)}, PhoneOS, false, time.Time{}, at(90), "90 days"},
		// An expected date only counts while the fix is being worked on.
		{"grace needs progress", TargetState{Status: Disputed, Notified: t0, ExpectedFix: at(100)}, PhoneOS, false, time.Time{}, at(90), "90 days"},
	}
	for _, tt := range tests {
		c := p.Clock(tt.ts, tt.class, tt.exploited, tt.public)
		if !c.Deadline.Equal(tt.deadline) {
			t.Errorf("%s: deadline %v, want %v", tt.name, c.Deadline, tt.deadline)
		}
		if !strings.Contains(c.Basis, tt.basis) {
			t.Errorf("%s: basis %q, want %q", tt.name, c.Basis, tt.basis)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	c := Clock{Deadline: at(90)}
	tests := []struct {
		now  time.Time
		want int
	}{
		{t0, 90},       // full embargo
		{at(89.5), 1},  // part of a day left rounds up
		{at(90), 0},    // ends now
		{at(91.5), -2}, // run out a day and a half ago
	}
	for _, tt := range tests {
		if got, ok := c.DaysLeft(tt.now); !ok || got != tt.want {
			t.Errorf("DaysLeft(%v) = %d, want %d", tt.now, got, tt.want)
		}
	}
	if _, ok := (Clock{}).DaysLeft(t0); ok {
		t.Error("a clock that has not started has no days left")
	}
}

func TestPolicySet(t *testing.T) {
	p := DefaultPolicy()
	for _, kv := range []struct {
		k string
		v int
	}{{"phone-os", 60}, {"exploited", 3}, {"grace", 0}, {"default", 45}, {"medical-device", 200}} {
		if err := p.Set(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	if p.Days(PhoneOS) != 60 || p.Exploited != 3 || p.Grace != 0 || p.Days("other") != 45 || p.Days("medical-device") != 200 {
		t.Errorf("policy %+v", p)
	}
	// Out of range and badly named classes are refused.
	if p.Set("phone-os", -1) == nil || p.Set("phone-os", 5000) == nil || p.Set("Smart TV", 1) == nil {
		t.Error("bad values accepted")
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}
