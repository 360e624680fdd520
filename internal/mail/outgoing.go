package mail

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// NoticeFor is the notice for vendor v in case c about finding f: the
// finding's title, summary, identifiers and scores, the affected entries
// that name v (never another vendor's), the case's products of v, and the
// deadline. Documents and their spans are never part of it.
func NoticeFor(c cases.Case, f findings.Finding, v cases.Vendor, products []cases.Product, deadline time.Time, portalURL string) Notice {
	n := Notice{Case: c.ID, Vendor: v.Name, Title: f.Title, Summary: f.Summary, CVEs: f.CVEs, CWEs: f.CWEs, Deadline: deadline, PortalURL: portalURL}
	for _, s := range f.CVSS {
		n.CVSS = append(n.CVSS, s.Vector)
	}
	seen := map[string]bool{}
	add := func(s string) {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			n.Products = append(n.Products, s)
		}
	}
	for _, a := range f.Affected {
		if !strings.EqualFold(strings.TrimSpace(a.Vendor), v.Name) {
			continue
		}
		s := a.Product
		if !a.Versions.IsZero() {
			s += " (" + a.Versions.String() + ")"
		}
		add(s)
	}
	byID := map[int64]cases.Product{}
	for _, p := range products {
		byID[p.ID] = p
	}
	for _, t := range c.Targets {
		if p, ok := byID[t.Product]; ok && t.Vendor == v.ID {
			if !seen[strings.ToLower(p.Name)] && !anyPrefix(n.Products, p.Name) {
				add(p.Name)
			}
		}
	}
	return n
}

func anyPrefix(xs []string, p string) bool {
	for _, x := range xs {
		if strings.HasPrefix(strings.ToLower(x), strings.ToLower(p)+" (") {
			return true
		}
	}
	return false
}

// ErrPlainRefused says a vendor has no usable OpenPGP key and plain mail
// was not allowed: nothing is sent to it.
var ErrPlainRefused = errors.New("no usable OpenPGP key, and plain mail is not allowed")

// ComposeFor composes n for every security contact of v: encrypted to v's
// usable keys, or, when it has none and allowPlain is set, signed only. It
// returns ErrPlainRefused (and no message) when v has no usable key and
// allowPlain is not set, and an error when v has no contact.
func ComposeFor(n Notice, v cases.Vendor, from string, signer *openpgp.Entity, allowPlain bool, now time.Time) ([]Composed, error) {
	if len(v.Contacts) == 0 {
		return nil, fmt.Errorf("vendor %s has no security contact to mail", v.Name)
	}
	var armored []string
	for _, k := range v.Keys {
		armored = append(armored, k.Armored)
	}
	keys, err := ReadPublicKeys(armored...)
	if err != nil {
		return nil, fmt.Errorf("vendor %s: %w", v.Name, err)
	}
	keys = UsableKeys(keys, now)
	if len(keys) == 0 && !allowPlain {
		return nil, fmt.Errorf("vendor %s: %w", v.Name, ErrPlainRefused)
	}
	var out []Composed
	for _, c := range v.Contacts {
		m, err := Compose(Envelope{From: from, To: c.Email, Subject: n.Subject(), Body: n.Body(), Recipients: keys, Signer: signer, Date: now})
		if err != nil {
			return nil, fmt.Errorf("vendor %s: %w", v.Name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ClocksFor turns a case's state into reminder clocks with the embargo
// policy: classOf gives a product's device class (0: the vendor as a
// whole, class "").
func ClocksFor(st cases.State, pol cases.Policy, classOf func(product int64) cases.DeviceClass, exploited bool) []Clock {
	var out []Clock
	for _, ts := range st.Targets {
		var class cases.DeviceClass
		if classOf != nil && ts.Product != 0 {
			class = classOf(ts.Product)
		}
		ck := pol.Clock(ts, class, exploited, st.PublicAt)
		out = append(out, Clock{Case: st.Case.ID, Target: ts.Target, Status: ts.Status, Notified: ts.Notified, Deadline: ck.Deadline})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Case < out[j].Case })
	return out
}
