package main

import (
	"antidote/internal/ingest"
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDocProgress(t *testing.T) {
	// Short work off a terminal prints nothing.
	var quick bytes.Buffer
	p := newDocProgress(&quick, "checked", 3)
	for range 3 {
		p.step()
	}
	if quick.Len() != 0 {
		t.Errorf("a pass of a moment printed progress: %q", quick.String())
	}
	// Long work off a terminal prints plain lines, the last at 100%.
	var long bytes.Buffer
	p = newDocProgress(&long, "redacted", 4)
	p.start = p.start.Add(-time.Minute)
	p.last = p.last.Add(-time.Minute)
	for range 4 {
		p.step()
	}
	lines := strings.Split(strings.TrimSpace(long.String()), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "progress: ") || strings.Contains(long.String(), "\r") {
		t.Fatalf("off a terminal, want plain progress lines: %q", long.String())
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "100% redacted 4/4 documents") {
		t.Errorf("last line %q, want 100%% and 4/4", last)
	}
}

func TestETA(t *testing.T) {
	for _, c := range []struct {
		bytes, total int64
		rate         float64
		want         string
	}{
		{0, 100, 0, "--"},                   // no rate yet
		{50, 100, 1, "50s"},                 // 50 bytes left at 1 B/s
		{1 << 20, 11 << 20, 1 << 20, "10s"}, // 10 MiB left at 1 MiB/s
		{1 << 20, 3601 << 20, 1 << 20, "1h0m0s"},
		{100, 100, 5, "--"}, // done
	} {
		if got := etaOf(ingest.Progress{Bytes: c.bytes, TotalBytes: c.total}, c.rate); got != c.want {
			t.Errorf("etaOf(%d of %d at %.0f B/s) = %s, want %s", c.bytes, c.total, c.rate, got, c.want)
		}
	}
}
