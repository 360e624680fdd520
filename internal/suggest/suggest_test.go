package suggest

import "testing"

func TestClosest(t *testing.T) {
	cands := []string{"search", "list", "vehicle", "smart-tv/iot", "limit"}
	for _, c := range []struct{ in, want string }{
		{"serach", "search"},   // two letters swapped: one edit
		{"lsit", "list"},       // a swap in a short word
		{"vehicel", "vehicle"}, // the mistake the policy must catch
		{"VEHICLE", "vehicle"}, // case does not count
		{"limitt", "limit"},    // one letter too many
		{"phone-os", ""},       // nothing near enough
		{"x", ""},              // too short to guess
		{"", ""},
	} {
		if got := Closest(c.in, cands); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"kitten", "sitting", 3}, {"ça", "ca", 1},
	} {
		if got := editDistance(c.a, c.b); got != c.want || editDistance(c.b, c.a) != got {
			t.Errorf("editDistance(%q, %q) = %d, want %d (both ways)", c.a, c.b, got, c.want)
		}
	}
}
