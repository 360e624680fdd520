package findings

import (
	"errors"
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// Affected names a product a finding affects, with the versions concerned
// and, where they fit, its CPE 2.3 name and package URL.
type Affected struct {
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Versions Range  `json:"versions,omitempty"`
	CPE      string `json:"cpe,omitempty"`
	PURL     string `json:"purl,omitempty"`
}

// Validate checks the names and identifiers of an affected product.
func (a *Affected) Validate() error {
	a.Vendor = strings.TrimSpace(a.Vendor)
	a.Product = strings.TrimSpace(a.Product)
	if a.Vendor == "" || a.Product == "" {
		return errors.New("needs a vendor and a product name")
	}
	if a.CPE != "" {
		if err := ValidateCPE(a.CPE); err != nil {
			return err
		}
	}
	if a.PURL != "" {
		p, err := packageurl.FromString(a.PURL)
		if err != nil {
			return errors.New("package URL is not valid: use the form pkg:TYPE/NAMESPACE/NAME@VERSION (see https://github.com/package-url/purl-spec)")
		}
		a.PURL = p.ToString()
	}
	return nil
}

// ValidateCPE checks that s is a well-formed CPE 2.3 formatted string:
// "cpe:2.3:" followed by 11 colon-separated components (part, vendor,
// product, version, update, edition, language, sw_edition, target_sw,
// target_hw, other), where part is a, o or h and colons inside a component
// are escaped with a backslash.
func ValidateCPE(s string) error {
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return errors.New("CPE name must start with cpe:2.3: (CPE 2.3 formatted string)")
	}
	comps, err := splitCPE(s[len("cpe:2.3:"):])
	if err != nil {
		return err
	}
	if len(comps) != 11 {
		return fmt.Errorf("CPE 2.3 name has %d components after cpe:2.3:, want 11 (part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other; use * for any)", len(comps))
	}
	switch comps[0] {
	case "a", "o", "h", "*", "-":
	default:
		return errors.New("CPE part must be a (application), o (operating system) or h (hardware)")
	}
	for i, c := range comps {
		if c == "" {
			return fmt.Errorf("CPE component %d is empty: use * for any value", i+1)
		}
		for j := 0; j < len(c); j++ {
			if b := c[j]; b <= ' ' || b >= 0x7f {
				return fmt.Errorf("CPE component %d contains a space or non-ASCII byte", i+1)
			}
		}
	}
	return nil
}

func splitCPE(s string) ([]string, error) {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return nil, errors.New("CPE name ends with a lone backslash")
			}
			i++
		case ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:]), nil
}

// CPEFor builds a CPE 2.3 name from a dictionary prefix such as
// "cpe:2.3:o:apple:iphone_os" and a version ("" for any).
func CPEFor(prefix, version string) string {
	if prefix == "" {
		return ""
	}
	v := "*"
	if version != "" {
		v = escapeCPE(strings.ToLower(version))
	}
	return prefix + ":" + v + ":*:*:*:*:*:*:*"
}

func escapeCPE(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
			b.WriteByte(c)
		case c > ' ' && c < 0x7f:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Range is a set of affected versions in OSV's terms: from Introduced
// (inclusive, "" for the first release) up to Fixed (exclusive) or
// LastAffected (inclusive). All empty means every version.
type Range struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
}

// IsZero reports whether r names every version.
func (r Range) IsZero() bool { return r == Range{} }

// ParseRange reads a range written as comma-separated constraints:
// ">=10.0,<10.3.1", "<=9.3.5", "=4.2" or "*" for every version.
func ParseRange(s string) (Range, error) {
	var r Range
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return r, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		op, v := splitOp(part)
		if v == "" || strings.ContainsAny(v, " <>=,") {
			return Range{}, fmt.Errorf("version range %q: each constraint is an operator (>=, <, <=, =) and a version, e.g. >=10.0,<10.3.1", clip(s))
		}
		switch op {
		case ">=":
			if r.Introduced != "" {
				return Range{}, fmt.Errorf("version range %q has two lower bounds", clip(s))
			}
			r.Introduced = v
		case "<":
			if r.Fixed != "" || r.LastAffected != "" {
				return Range{}, fmt.Errorf("version range %q has two upper bounds", clip(s))
			}
			r.Fixed = v
		case "<=":
			if r.Fixed != "" || r.LastAffected != "" {
				return Range{}, fmt.Errorf("version range %q has two upper bounds", clip(s))
			}
			r.LastAffected = v
		case "=":
			if r != (Range{}) {
				return Range{}, fmt.Errorf("version range %q: an exact version (=) stands alone", clip(s))
			}
			r.Introduced, r.LastAffected = v, v
		default:
			return Range{}, fmt.Errorf("version range %q: use >=, <, <= or = before each version (> is not supported: name the first affected version with >=)", clip(s))
		}
	}
	return r, nil
}

func splitOp(s string) (string, string) {
	for _, op := range []string{">=", "<=", "<", "=", ">"} {
		if strings.HasPrefix(s, op) {
			return op, strings.TrimSpace(s[len(op):])
		}
	}
	return "", s
}

// String writes r in the syntax ParseRange reads.
func (r Range) String() string {
	if r.Introduced != "" && r.Introduced == r.LastAffected {
		return "=" + r.Introduced
	}
	var parts []string
	if r.Introduced != "" {
		parts = append(parts, ">="+r.Introduced)
	}
	if r.Fixed != "" {
		parts = append(parts, "<"+r.Fixed)
	}
	if r.LastAffected != "" {
		parts = append(parts, "<="+r.LastAffected)
	}
	if len(parts) == 0 {
		return "*"
	}
	return strings.Join(parts, ",")
}
