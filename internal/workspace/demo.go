package workspace

import (
	"context"
	"sort"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// The demo's coordination and approvals, as use cases, so that the CLI's
// demo, the web server's demo workspace, tests and benchmarks build the same
// state through the core.

// demoDownstream names the makers that roll a platform out to devices; their
// patch levels are tracked separately.
func demoDownstream(product string) []string {
	if product == "Android" {
		return []string{"Samsung", "Xiaomi"}
	}
	return nil
}

// DemoCoordination is what DemoCoordinate did.
type DemoCoordination struct {
	Accepted, Rejected int
	Vendors            []string
	Cases              int
}

// DemoCoordinate plays an analyst reviewing the proposed findings: it
// accepts those naming a product (rejecting the rest), registers the vendors
// they name (with downstream makers) and their products, opens a case per
// accepted finding and notifies every vendor at notified.
func (ws *Workspace) DemoCoordinate(ctx context.Context, a Actor, notified time.Time) (DemoCoordination, error) {
	var res DemoCoordination
	all, err := ws.Findings(ctx, a)
	if err != nil {
		return res, err
	}
	type vp struct{ vendor, product string }
	affected := map[int64][]vp{}
	vendors := map[string]bool{}
	products := map[vp]bool{}
	var ids []int64
	for _, f := range all {
		if f.State != findings.Proposed {
			continue
		}
		ids = append(ids, f.ID)
		to := findings.Accepted
		if len(f.Affected) == 0 {
			to = findings.Rejected // no product named: nothing to send a vendor
			res.Rejected++
		} else {
			res.Accepted++
		}
		if _, err := ws.MoveFinding(ctx, a, f.ID, to, 0); err != nil {
			return res, err
		}
		for _, af := range f.Affected {
			k := vp{af.Vendor, af.Product}
			if !products[k] {
				products[k] = true
				affected[f.ID] = append(affected[f.ID], k)
			}
			vendors[af.Vendor] = true
			for _, d := range demoDownstream(af.Product) {
				vendors[d] = true
			}
		}
	}
	for v := range vendors {
		res.Vendors = append(res.Vendors, v)
	}
	sort.Strings(res.Vendors)
	for _, v := range res.Vendors {
		domain := strings.ToLower(strings.ReplaceAll(v, " ", "")) + ".example"
		vendor := cases.Vendor{Name: v, Contacts: []cases.Contact{{Name: "PSIRT", Email: "psirt@" + domain}},
			SecurityTxt: "https://" + domain + "/.well-known/security.txt", Created: ws.now().UTC()}
		if _, err := ws.AddVendor(ctx, a, vendor); err != nil {
			return res, err
		}
	}
	keys := make([]vp, 0, len(products))
	for k := range products {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].vendor+keys[i].product < keys[j].vendor+keys[j].product })
	for _, k := range keys {
		if _, _, err := ws.AddProduct(ctx, a, k.vendor, cases.Product{Name: k.product}, demoDownstream(k.product)); err != nil {
			return res, err
		}
	}
	for _, id := range ids {
		if len(affected[id]) == 0 {
			continue
		}
		var refs []string
		for _, k := range affected[id] {
			refs = append(refs, k.vendor+":"+k.product)
		}
		c, _, err := ws.OpenCase(ctx, a, id, refs, notified)
		if err != nil {
			return res, err
		}
		if _, _, err := ws.Notify(ctx, a, c.ID, nil, notified, ""); err != nil {
			return res, err
		}
		res.Cases++
	}
	return res, nil
}

// DemoApprove has each approver approve, at at, every document whose
// redaction passed verification, and returns how many documents that was.
func (ws *Workspace) DemoApprove(ctx context.Context, approvers []Actor, at time.Time) (int, error) {
	if len(approvers) == 0 {
		return 0, nil
	}
	var verified []int64
	_, err := ws.ReleasePlan(ctx, approvers[0], at, func(d cases.Decision) error {
		if !blockedBy(d, cases.ReasonRedaction) {
			verified = append(verified, d.Doc)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, doc := range verified {
		for _, who := range approvers {
			if _, err := ws.Approve(ctx, who, doc, at); err != nil {
				return len(verified), err
			}
		}
	}
	return len(verified), nil
}

func blockedBy(d cases.Decision, kind string) bool {
	for _, r := range d.BlockedBy {
		if r.Kind == kind {
			return true
		}
	}
	return false
}
