package kept

import (
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	made := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
	ttl := time.Second
	tests := []struct {
		age          time.Duration
		refreshing   bool
		serve, claim bool
	}{
		{0, false, true, false},
		{999 * time.Millisecond, false, true, false},
		{ttl, false, false, true},                // old: the first caller claims the refresh
		{ttl, true, true, false},                 // another refreshes: go on with it
		{2*ttl - 1, true, true, false},           // still under twice the ttl
		{2 * ttl, true, false, false},            // too old to serve even while refreshed
		{2 * ttl, false, false, false},           // too old: refresh, nobody serves it meanwhile
		{time.Hour, false, false, false},         // long gone
		{-time.Millisecond, false, false, false}, // made in the future: the clock went back
		{-time.Millisecond, true, false, false},
	}
	for _, tt := range tests {
		serve, claim := Judge(made, made.Add(tt.age), ttl, tt.refreshing)
		if serve != tt.serve || claim != tt.claim {
			t.Errorf("age %v, refreshing %v: serve %v claim %v, want %v %v", tt.age, tt.refreshing, serve, claim, tt.serve, tt.claim)
		}
	}
}

func TestPutBounded(t *testing.T) {
	var m map[int]string
	for i := range 10 {
		Put(&m, i, "v", 4)
		if len(m) > 4 {
			t.Fatalf("%d entries after %d puts, bound 4", len(m), i+1)
		}
		if m[i] != "v" {
			t.Fatalf("put %d not kept", i)
		}
	}
}
