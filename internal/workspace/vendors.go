package workspace

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/suggest"
)

// AddVendor registers a vendor with its contacts and keys.
func (ws *Workspace) AddVendor(ctx context.Context, a Actor, v cases.Vendor) (cases.Vendor, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return v, err
	}
	if err := v.Validate(); err != nil {
		return v, invalid(err)
	}
	id, err := ws.store.AddVendor(ctx, v)
	if err != nil {
		return v, err
	}
	v.ID = id
	return v, ws.record(ctx, a, "vendor.add", fmt.Sprintf("vendor %d", id), auditDetail(map[string]any{"name": v.Name, "contacts": len(v.Contacts), "keys": len(v.Keys)}))
}

// ListVendors returns the catalog for a vendor listing.
func (ws *Workspace) ListVendors(ctx context.Context, a Actor) (*Catalog, error) {
	cat, err := ws.Catalog(ctx, a)
	if err != nil {
		return nil, err
	}
	return cat, ws.record(ctx, a, "vendor.list", "", nil)
}

// Vendor returns one vendor in full (contacts' notes unsealed) and its
// products.
func (ws *Workspace) Vendor(ctx context.Context, a Actor, ref string) (cases.Vendor, []cases.Product, *Catalog, error) {
	cat, err := ws.Catalog(ctx, a)
	if err != nil {
		return cases.Vendor{}, nil, nil, err
	}
	r, err := cat.Vendor(ref)
	if err != nil {
		return r, nil, nil, err
	}
	v, err := ws.store.Vendor(ctx, r.ID)
	if err != nil {
		return v, nil, nil, err
	}
	if err := ws.record(ctx, a, "vendor.show", fmt.Sprintf("vendor %d", v.ID), nil); err != nil {
		return v, nil, nil, err
	}
	var prods []cases.Product
	for _, p := range cat.Products {
		if p.Vendor == v.ID {
			prods = append(prods, p)
		}
	}
	return v, prods, cat, nil
}

// AddProduct adds a product of the vendor named vendorRef, shipped by the
// downstream makers named. An empty class comes from the product
// dictionary.
func (ws *Workspace) AddProduct(ctx context.Context, a Actor, vendorRef string, p cases.Product, downstream []string) (cases.Product, cases.Vendor, error) {
	if err := allow(a, auth.VendorsWrite); err != nil {
		return p, cases.Vendor{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return p, cases.Vendor{}, err
	}
	v, err := cat.Vendor(vendorRef)
	if err != nil {
		return p, v, err
	}
	p.Vendor = v.ID
	if p.Class == "" {
		d, err := findings.DefaultDictionary()
		if err != nil {
			return p, v, err
		}
		dp, ok := d.Product(v.Name, p.Name)
		if !ok || dp.Class == "" {
			return p, v, invalid(fmt.Errorf("product %s is not in the product dictionary: give its --class (phone-os, desktop-os, browser, smart-tv/iot, vehicle, network-equipment, server-software, ...)", p.Name))
		}
		p.Class = cases.DeviceClass(dp.Class)
		if p.CPE == "" && dp.CPE != "" {
			p.CPE = findings.CPEFor(dp.CPE, "")
		}
	}
	if p.CPE != "" {
		if err := findings.ValidateCPE(p.CPE); err != nil {
			return p, v, invalid(err)
		}
	}
	if p.PURL != "" {
		af := findings.Affected{Vendor: v.Name, Product: p.Name, PURL: p.PURL}
		if err := af.Validate(); err != nil {
			return p, v, invalid(err)
		}
		p.PURL = af.PURL
	}
	for _, d := range downstream {
		dv, err := cat.Vendor(d)
		if err != nil {
			return p, v, err
		}
		p.Downstream = append(p.Downstream, dv.ID)
	}
	if err := p.Validate(); err != nil {
		return p, v, invalid(err)
	}
	id, err := ws.store.AddProduct(ctx, p, ws.now())
	if err != nil {
		return p, v, err
	}
	p.ID = id
	return p, v, ws.record(ctx, a, "product.add", fmt.Sprintf("product %d", id), auditDetail(map[string]any{"vendor": v.Name, "name": p.Name, "class": p.Class}))
}

// ListProducts returns the catalog and, when vendorRef names one, its id
// (0: every vendor).
func (ws *Workspace) ListProducts(ctx context.Context, a Actor, vendorRef string) (*Catalog, int64, error) {
	cat, err := ws.Catalog(ctx, a)
	if err != nil {
		return nil, 0, err
	}
	only := int64(0)
	if vendorRef != "" {
		v, err := cat.Vendor(vendorRef)
		if err != nil {
			return nil, 0, err
		}
		only = v.ID
	}
	return cat, only, ws.record(ctx, a, "product.list", "", nil)
}

// Policy returns the embargo policy.
func (ws *Workspace) Policy(ctx context.Context, a Actor) (cases.Policy, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return cases.Policy{}, err
	}
	p, err := ws.store.Policy(ctx)
	if err != nil {
		return p, err
	}
	return p, ws.record(ctx, a, "policy.show", "", nil)
}

// SetPolicy sets the embargo days of a device class (or default, exploited,
// grace) and returns the resulting policy and the key it was stored under.
func (ws *Workspace) SetPolicy(ctx context.Context, a Actor, key string, days int) (cases.Policy, string, error) {
	if err := allow(a, auth.PolicyWrite); err != nil {
		return cases.Policy{}, key, err
	}
	probe := cases.DefaultPolicy()
	if err := probe.Set(key, days); err != nil {
		return cases.Policy{}, key, invalid(err)
	}
	if c, err := cases.ParseDeviceClass(key); err == nil {
		key = string(c)
		if err := ws.knownClass(ctx, c); err != nil {
			return cases.Policy{}, key, err
		}
	}
	if err := ws.store.SetPolicy(ctx, key, days); err != nil {
		return cases.Policy{}, key, err
	}
	if err := ws.record(ctx, a, "policy.set", key, auditDetail(map[string]any{"days": days})); err != nil {
		return cases.Policy{}, key, err
	}
	p, err := ws.store.Policy(ctx)
	return p, key, err
}

// knownClass refuses a policy for a new device class whose name is a near
// miss of a known one ("vehicel"), so that a typing mistake never creates a
// class silently; a clearly new name ("medical-device") starts a class.
func (ws *Workspace) knownClass(ctx context.Context, c cases.DeviceClass) error {
	switch strings.ToLower(string(c)) {
	case "default", "exploited", "grace":
		return nil
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for k := range pol.Classes {
		known[string(k)] = true
	}
	prods, err := ws.store.Products(ctx)
	if err != nil {
		return err
	}
	for _, p := range prods {
		known[string(p.Class)] = true
	}
	if known[string(c)] {
		return nil
	}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	s := suggest.Closest(string(c), names)
	if s == "" {
		return nil
	}
	return invalid(fmt.Errorf("no device class %q: did you mean %q? (classes: %s); to start a new class, choose a name that is not this close to an existing one", c, s, strings.Join(names, ", ")))
}
