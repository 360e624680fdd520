package cases

import (
	"fmt"
	"strings"
	"time"
)

// ParseWhen reads a moment as people give one for events, plans and
// approvals: RFC 3339 (2017-06-01T00:00:00Z), a minute (2017-06-01T12:00,
// UTC) or a date (2017-06-01, midnight UTC). Every front end reads times
// with it, so they accept the same forms.
func ParseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: use RFC 3339 (2017-06-01T00:00:00Z) or a date (2017-06-01)", clip(s))
}
