package web

import (
	"antidote/internal/auth"
	"antidote/internal/cases"
)

// What a vendor sees of a case. Readers of all cases see everything; a
// vendor sees the finding as shared with vendors, its own parties in full,
// and the other vendors' names and statuses only when the case is shared.
// The core gives the same views (workspace CasePage, CaseFor, CaseEvents);
// the web applies them again so that no handler depends on it.

func caseFor(id auth.Identity, c CaseView) CaseView {
	if auth.Allowed(id, auth.CasesRead) {
		return c
	}
	out := c
	out.OpenedBy, out.Error = "", ""
	out.Targets = []TargetView{}
	for _, t := range c.Targets {
		switch {
		case t.VendorID == id.Vendor:
			out.Targets = append(out.Targets, t)
		case auth.SeesVendor(id, t.VendorID, c.Shared):
			out.Targets = append(out.Targets, TargetView{VendorID: t.VendorID, Vendor: t.Vendor, ProductID: t.ProductID,
				Product: t.Product, Status: t.Status, Resolved: t.Resolved})
		}
	}
	return out
}

// commentVisible: a vendor reads its own thread only.
func commentVisible(id auth.Identity, m Comment) bool {
	if auth.Allowed(id, auth.CasesRead) {
		return true
	}
	return auth.Allowed(id, auth.VendorCaseRead) && m.Vendor == id.Vendor
}

// timelineFor keeps, for a vendor, its own events, the case's going
// public, and (in a shared case) the other vendors' status changes
// without their notes.
func timelineFor(id auth.Identity, c CaseView, evs []TimelineEvent) []TimelineEvent {
	out := []TimelineEvent{}
	full := auth.Allowed(id, auth.CasesRead)
	for _, e := range evs {
		switch {
		case full, e.Target.Vendor == id.Vendor && e.Target.Vendor != 0, e.Kind == cases.EventPublic:
			out = append(out, e)
		case e.Kind == cases.EventStatus && auth.SeesVendor(id, e.Target.Vendor, c.Shared):
			e.Note, e.Evidence, e.Actor = "", "", ""
			out = append(out, e)
		}
	}
	return out
}
