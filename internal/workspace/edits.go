package workspace

import (
	"context"
	"errors"
	"fmt"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/store"
)

// ErrInUse means a record others refer to cannot be removed: a vendor with
// products or cases, a product in a case.
var ErrInUse = store.ErrInUse

// VendorEdit changes a vendor; nil fields stay as they are.
type VendorEdit struct {
	Name        *string
	SecurityTxt *string
	Contacts    []cases.Contact // replace the contacts when not nil
	AddKeys     []cases.Key
}

// EditVendor changes the vendor named ref.
func (ws *Workspace) EditVendor(ctx context.Context, a Actor, ref string, e VendorEdit) (cases.Vendor, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return cases.Vendor{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return cases.Vendor{}, err
	}
	r, err := cat.Vendor(ref)
	if err != nil {
		return r, err
	}
	v, err := ws.store.Vendor(ctx, r.ID)
	if err != nil {
		return v, err
	}
	if e.Name != nil {
		v.Name = *e.Name
	}
	if e.SecurityTxt != nil {
		v.SecurityTxt = *e.SecurityTxt
	}
	if e.Contacts != nil {
		v.Contacts = e.Contacts
	}
	v.Keys = append(v.Keys, e.AddKeys...)
	if err := v.Validate(); err != nil {
		return v, invalid(err)
	}
	if err := ws.store.UpdateVendor(ctx, v); err != nil {
		return v, err
	}
	return v, ws.record(ctx, a, "vendor.edit", fmt.Sprintf("vendor %d", v.ID), auditDetail(map[string]any{"name": v.Name, "contacts": len(v.Contacts), "keys": len(v.Keys)}))
}

// RemoveVendor deletes a vendor with no products and no cases.
func (ws *Workspace) RemoveVendor(ctx context.Context, a Actor, ref string) (cases.Vendor, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return cases.Vendor{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return cases.Vendor{}, err
	}
	v, err := cat.Vendor(ref)
	if err != nil {
		return v, err
	}
	if err := ws.store.RemoveVendor(ctx, v.ID); err != nil {
		return v, err
	}
	return v, ws.record(ctx, a, "vendor.remove", fmt.Sprintf("vendor %d", v.ID), auditDetail(map[string]any{"name": v.Name}))
}

// ProductEdit changes a product; nil fields stay as they are.
type ProductEdit struct {
	Name, Class, CPE, PURL *string
	Downstream             *[]string // vendor names; replaces the makers when not nil
}

// EditProduct changes a vendor's product.
func (ws *Workspace) EditProduct(ctx context.Context, a Actor, vendorRef, productRef string, e ProductEdit) (cases.Product, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return cases.Product{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return cases.Product{}, err
	}
	v, err := cat.Vendor(vendorRef)
	if err != nil {
		return cases.Product{}, err
	}
	p, err := cat.Product(v.ID, productRef)
	if err != nil {
		return p, err
	}
	if e.Name != nil {
		p.Name = *e.Name
	}
	if e.Class != nil {
		c, err := cases.ParseDeviceClass(*e.Class)
		if err != nil {
			return p, invalid(err)
		}
		p.Class = c
	}
	if e.CPE != nil {
		p.CPE = *e.CPE
		if p.CPE != "" {
			if err := findings.ValidateCPE(p.CPE); err != nil {
				return p, invalid(err)
			}
		}
	}
	if e.PURL != nil {
		p.PURL = *e.PURL
		if p.PURL != "" {
			af := findings.Affected{Vendor: v.Name, Product: p.Name, PURL: p.PURL}
			if err := af.Validate(); err != nil {
				return p, invalid(err)
			}
			p.PURL = af.PURL
		}
	}
	if e.Downstream != nil {
		p.Downstream = nil
		for _, d := range *e.Downstream {
			dv, err := cat.Vendor(d)
			if err != nil {
				return p, err
			}
			p.Downstream = append(p.Downstream, dv.ID)
		}
	}
	if err := p.Validate(); err != nil {
		return p, invalid(err)
	}
	if err := ws.store.UpdateProduct(ctx, p); err != nil {
		return p, err
	}
	return p, ws.record(ctx, a, "product.edit", fmt.Sprintf("product %d", p.ID), auditDetail(map[string]any{"vendor": v.Name, "name": p.Name, "class": p.Class}))
}

// RemoveProduct deletes a product no case names.
func (ws *Workspace) RemoveProduct(ctx context.Context, a Actor, vendorRef, productRef string) (cases.Product, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return cases.Product{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return cases.Product{}, err
	}
	v, err := cat.Vendor(vendorRef)
	if err != nil {
		return cases.Product{}, err
	}
	p, err := cat.Product(v.ID, productRef)
	if err != nil {
		return p, err
	}
	if err := ws.store.RemoveProduct(ctx, p.ID); err != nil {
		return p, err
	}
	return p, ws.record(ctx, a, "product.remove", fmt.Sprintf("product %d", p.ID), auditDetail(map[string]any{"vendor": v.Name, "name": p.Name}))
}

// FindingEdit changes a finding's details; nil fields stay as they are.
type FindingEdit struct {
	Title, Summary *string
	Affected       *[]findings.Affected
	CVEs, CWEs     *[]string
	CVSS           *[]findings.Score
	Exploited      *bool
}

// EditFinding changes a finding's details; its state, sources and cases
// stay.
func (ws *Workspace) EditFinding(ctx context.Context, a Actor, id int64, e FindingEdit) (findings.Finding, error) {
	if err := allow(a, auth.FindingsWrite); err != nil {
		return findings.Finding{}, err
	}
	f, err := ws.store.Finding(ctx, id)
	if err != nil {
		return f, notFound(err, "finding %d", id)
	}
	if e.Title != nil {
		f.Title = *e.Title
	}
	if e.Summary != nil {
		f.Summary = *e.Summary
	}
	if e.Affected != nil {
		f.Affected = *e.Affected
	}
	if e.CVEs != nil {
		f.CVEs = *e.CVEs
	}
	if e.CWEs != nil {
		f.CWEs = *e.CWEs
	}
	if e.CVSS != nil {
		f.CVSS = *e.CVSS
	}
	if e.Exploited != nil {
		f.Exploited = *e.Exploited
	}
	if err := f.Validate(); err != nil {
		return f, invalid(err)
	}
	if err := ws.store.UpdateFinding(ctx, f, ws.now().UTC()); err != nil {
		return f, err
	}
	if f, err = ws.store.Finding(ctx, id); err != nil {
		return f, err
	}
	return f, ws.record(ctx, a, "finding.edit", fmt.Sprintf("finding %d", id), nil)
}

// RemoveFinding deletes a finding that nothing refers to. A finding with
// cases (or published) is part of the record: it is withdrawn (rejected)
// instead, never deleted, and withdrawn reports so.
func (ws *Workspace) RemoveFinding(ctx context.Context, a Actor, id int64) (withdrawn bool, err error) {
	if err := allow(a, auth.FindingsWrite); err != nil {
		return false, err
	}
	err = ws.store.RemoveFinding(ctx, id)
	switch {
	case errors.Is(err, store.ErrInUse):
		if _, err := ws.MoveFinding(ctx, a, id, findings.Rejected, 0); err != nil {
			return false, err
		}
		return true, ws.record(ctx, a, "finding.withdraw", fmt.Sprintf("finding %d", id), nil)
	case err != nil:
		return false, notFound(err, "finding %d", id)
	}
	return false, ws.record(ctx, a, "finding.remove", fmt.Sprintf("finding %d", id), nil)
}
