package main

import (
	"testing"
	"time"

	"antidote/internal/workspace"
)

func TestDaysLeft(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2017, 6, d, 0, 0, 0, 0, time.UTC) }
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		left     *int
		deadline time.Time
		public   time.Time
		want     string
	}{
		{nil, time.Time{}, time.Time{}, ""},                            // clock not started
		{n(44), day(20), time.Time{}, ", 44 days left"},                // running
		{n(1), day(20), time.Time{}, ", 1 day left"},                   // singular
		{n(0), day(20), time.Time{}, ", expires today"},                // the last day
		{n(-1), day(20), time.Time{}, ", expired 1 day ago"},           // singular
		{n(-16), day(20), time.Time{}, ", expired 16 days ago"},        // ran out
		{n(-1), day(10), day(10), ", details public since 2017-06-10"}, // collapsed, never "-1 days left"
		{n(5), day(20), day(25), ", 5 days left"},                      // public only after the deadline
	} {
		got := daysLeft(workspace.TargetView{DaysLeft: c.left, Deadline: c.deadline}, c.public)
		if got != c.want {
			t.Errorf("daysLeft(%v, deadline %s, public %s) = %q, want %q", c.left, c.deadline.Format("01-02"), c.public.Format("01-02"), got, c.want)
		}
	}
}
