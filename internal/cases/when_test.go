package cases

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2017-03-07", time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC), true},
		{" 2017-03-07T12:30 ", time.Date(2017, 3, 7, 12, 30, 0, 0, time.UTC), true},
		{"2017-03-07T12:00:00+02:00", time.Date(2017, 3, 7, 10, 0, 0, 0, time.UTC), true}, // kept as UTC
		{"2017-03-07T12:00:00.5Z", time.Date(2017, 3, 7, 12, 0, 0, 5e8, time.UTC), true},
		{"7 March 2017", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, err := ParseWhen(c.in)
		if (err == nil) != c.ok || !got.Equal(c.want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}
