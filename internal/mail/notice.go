package mail

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Notice is what a vendor is told: the finding as shared with that vendor
// (never the leak's documents), its products and the deadline, the same
// facts the vendor portal shows.
type Notice struct {
	Case      int64
	Vendor    string
	Title     string
	Summary   string
	CVEs      []string
	CWEs      []string
	CVSS      []string // vectors
	Products  []string // "name (versions)" as the vendor knows them
	Deadline  time.Time
	PortalURL string // empty: no portal configured
	Reminder  int    // days before the deadline; 0: the first notice
}

// CaseRef is the reference antidote puts in every subject line and looks
// for in replies: "[antidote case 12]".
func CaseRef(id int64) string { return "[antidote case " + strconv.FormatInt(id, 10) + "]" }

// Subject is the notice's subject line. It says which case, not what the
// finding is: subject lines travel in clear.
func (n Notice) Subject() string {
	if n.Reminder > 0 {
		return fmt.Sprintf("Reminder: %d days to the disclosure deadline %s", n.Reminder, CaseRef(n.Case))
	}
	return "Security vulnerability report " + CaseRef(n.Case)
}

// Body renders the notice as plain text (UTF-8, lines under 78 columns
// where the input allows).
func (n Notice) Body() string {
	var b strings.Builder
	if n.Vendor != "" {
		fmt.Fprintf(&b, "To the security team of %s,\n\n", oneLine(n.Vendor))
	}
	if n.Reminder > 0 {
		fmt.Fprintf(&b, "This is a reminder: the coordinated disclosure deadline of case %d is in %d day(s).\n\n", n.Case, n.Reminder)
	} else {
		fmt.Fprintf(&b, "We are reporting a security vulnerability in your products under coordinated\ndisclosure (case %d).\n\n", n.Case)
	}
	fmt.Fprintf(&b, "Finding: %s\n", oneLine(n.Title))
	if len(n.CVEs) > 0 {
		fmt.Fprintf(&b, "CVE: %s\n", strings.Join(n.CVEs, ", "))
	}
	if len(n.CWEs) > 0 {
		fmt.Fprintf(&b, "CWE: %s\n", strings.Join(n.CWEs, ", "))
	}
	for _, v := range n.CVSS {
		fmt.Fprintf(&b, "CVSS: %s\n", oneLine(v))
	}
	if len(n.Products) > 0 {
		b.WriteString("Affected products:\n")
		for _, p := range n.Products {
			fmt.Fprintf(&b, "  - %s\n", oneLine(p))
		}
	}
	if !n.Deadline.IsZero() {
		fmt.Fprintf(&b, "Disclosure deadline: %s\n", n.Deadline.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if s := strings.TrimSpace(n.Summary); s != "" {
		b.WriteString("\n")
		b.WriteString(s)
		b.WriteString("\n")
	}
	if n.PortalURL != "" {
		fmt.Fprintf(&b, "\nThe case, its timeline and a reply form: %s\n", oneLine(n.PortalURL))
	}
	fmt.Fprintf(&b, "\nPlease reply encrypted to our OpenPGP key (attached) and keep\n%s in the subject line.\n", CaseRef(n.Case))
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
