package cases

import (
	"fmt"
	"strings"
)

// Status is where one vendor (or one of its products, or a downstream
// maker shipping it) stands in a case.
type Status string

// Statuses in the order a case usually moves through them.
const (
	NotNotified   Status = "not-notified"
	Notified      Status = "notified"
	Acknowledged  Status = "acknowledged"
	Investigating Status = "investigating"
	FixInProgress Status = "fix-in-progress"
	Fixed         Status = "fixed"        // with the fixed version and release date
	FixDeployed   Status = "fix-deployed" // a downstream maker shipped it: patch level
	NotAffected   Status = "not-affected" // with a VEX justification
	Disputed      Status = "disputed"
	Unresponsive  Status = "unresponsive"
)

// Statuses lists every status.
func Statuses() []Status {
	return []Status{NotNotified, Notified, Acknowledged, Investigating, FixInProgress, Fixed, FixDeployed, NotAffected, Disputed, Unresponsive}
}

// moves is the transition table. A vendor leaves not-notified only by
// being notified; a notified vendor may answer at any stage; fixes can be
// found incomplete (back to fix-in-progress), a not-affected or disputed
// verdict can be reopened, and an unresponsive vendor can come back.
// Self-moves record a reminder (notified), a new expected date
// (fix-in-progress) or a corrected version (fixed, fix-deployed).
var moves = map[Status][]Status{
	NotNotified:   {Notified},
	Notified:      {Notified, Acknowledged, Investigating, FixInProgress, Fixed, FixDeployed, NotAffected, Disputed, Unresponsive},
	Acknowledged:  {Investigating, FixInProgress, Fixed, FixDeployed, NotAffected, Disputed, Unresponsive},
	Investigating: {FixInProgress, Fixed, FixDeployed, NotAffected, Disputed, Unresponsive},
	FixInProgress: {FixInProgress, Fixed, FixDeployed, NotAffected, Disputed, Unresponsive},
	Fixed:         {Fixed, FixDeployed, FixInProgress},
	FixDeployed:   {FixDeployed, FixInProgress},
	NotAffected:   {Investigating, Disputed},
	Disputed:      {Investigating, FixInProgress, Fixed, FixDeployed, NotAffected, Unresponsive},
	Unresponsive:  {Notified, Acknowledged, Investigating, FixInProgress, Fixed, FixDeployed, NotAffected, Disputed},
}

// CanMove reports whether the transition table allows from -> to.
func CanMove(from, to Status) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// ParseStatus returns the named status.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := moves[st]; ok {
		return st, nil
	}
	names := make([]string, 0, len(moves))
	for _, x := range Statuses() {
		names = append(names, string(x))
	}
	return "", fmt.Errorf("unknown case status %q: use one of %s", clip(s), strings.Join(names, ", "))
}

// Justification says why a product is not affected, in VEX's terms.
type Justification string

// VEX justifications (CISA, "Vulnerability Exploitability eXchange").
const (
	ComponentNotPresent                         Justification = "component_not_present"
	VulnerableCodeNotPresent                    Justification = "vulnerable_code_not_present"
	VulnerableCodeNotInExecutePath              Justification = "vulnerable_code_not_in_execute_path"
	VulnerableCodeCannotBeControlledByAdversary Justification = "vulnerable_code_cannot_be_controlled_by_adversary"
	InlineMitigationsAlreadyExist               Justification = "inline_mitigations_already_exist"
)

// ParseJustification returns the named VEX justification.
func ParseJustification(s string) (Justification, error) {
	j := Justification(strings.ToLower(strings.TrimSpace(s)))
	switch j {
	case ComponentNotPresent, VulnerableCodeNotPresent, VulnerableCodeNotInExecutePath,
		VulnerableCodeCannotBeControlledByAdversary, InlineMitigationsAlreadyExist:
		return j, nil
	}
	return "", fmt.Errorf("unknown VEX justification %q: use component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist", clip(s))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
