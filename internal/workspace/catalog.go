package workspace

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"antidote/internal/auth"
	"antidote/internal/cases"
)

// Catalog is the vendors and products of a workspace, for resolving the
// names people type.
type Catalog struct {
	Vendors  []cases.Vendor
	Products []cases.Product
	byID     map[int64]cases.Vendor
	prodByID map[int64]cases.Product
}

func (ws *Workspace) catalog(ctx context.Context) (*Catalog, error) {
	vs, err := ws.store.Vendors(ctx, false)
	if err != nil {
		return nil, err
	}
	ps, err := ws.store.Products(ctx)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Vendors: vs, Products: ps, byID: map[int64]cases.Vendor{}, prodByID: map[int64]cases.Product{}}
	for _, v := range vs {
		c.byID[v.ID] = v
	}
	for _, p := range ps {
		c.prodByID[p.ID] = p
	}
	return c, nil
}

// Catalog loads the vendors and products (without contacts' notes).
func (ws *Workspace) Catalog(ctx context.Context, a Actor) (*Catalog, error) {
	if err := allow(a, auth.VendorsRead); err != nil {
		return nil, err
	}
	return ws.catalog(ctx)
}

// Vendor finds a vendor by name (any case) or id.
func (c *Catalog) Vendor(ref string) (cases.Vendor, error) {
	ref = strings.TrimSpace(ref)
	for _, v := range c.Vendors {
		if strings.EqualFold(v.Name, ref) || strconv.FormatInt(v.ID, 10) == ref {
			return v, nil
		}
	}
	return cases.Vendor{}, &UnknownVendorError{Name: ref}
}

// Product finds a vendor's product by name or id.
func (c *Catalog) Product(vendor int64, ref string) (cases.Product, error) {
	ref = strings.TrimSpace(ref)
	for _, p := range c.Products {
		if p.Vendor == vendor && (strings.EqualFold(p.Name, ref) || strconv.FormatInt(p.ID, 10) == ref) {
			return p, nil
		}
	}
	return cases.Product{}, &UnknownProductError{Vendor: c.VendorName(vendor), Name: ref}
}

// ProductByID returns a product by id (zero if unknown).
func (c *Catalog) ProductByID(id int64) cases.Product { return c.prodByID[id] }

// anyProduct finds a product by name among all vendors, for downstream
// makers shipping someone else's product.
func (c *Catalog) anyProduct(ref string) (cases.Product, bool) {
	for _, p := range c.Products {
		if strings.EqualFold(p.Name, ref) {
			return p, true
		}
	}
	return cases.Product{}, false
}

// VendorName names a vendor by id.
func (c *Catalog) VendorName(id int64) string {
	if v, ok := c.byID[id]; ok {
		return v.Name
	}
	return fmt.Sprintf("vendor %d", id)
}

// ProductName names a product by id ("-" for none).
func (c *Catalog) ProductName(id int64) string {
	if id == 0 {
		return "-"
	}
	if p, ok := c.prodByID[id]; ok {
		return p.Name
	}
	return fmt.Sprintf("product %d", id)
}

// TargetName is "VENDOR" or "VENDOR:PRODUCT".
func (c *Catalog) TargetName(t cases.Target) string {
	if t.Product == 0 {
		return c.VendorName(t.Vendor)
	}
	return c.VendorName(t.Vendor) + ":" + c.ProductName(t.Product)
}

// Target resolves "VENDOR" or "VENDOR:PRODUCT". A product of another vendor
// makes the vendor a downstream maker of it.
func (c *Catalog) Target(ref string) (cases.Target, error) {
	vname, pname, hasProduct := strings.Cut(ref, ":")
	v, err := c.Vendor(vname)
	if err != nil {
		return cases.Target{}, err
	}
	t := cases.Target{Vendor: v.ID}
	if !hasProduct || strings.TrimSpace(pname) == "" {
		return t, nil
	}
	p, err := c.Product(v.ID, pname)
	if err != nil {
		up, ok := c.anyProduct(pname)
		if !ok {
			return t, err
		}
		p = up
	}
	t.Product = p.ID
	return t, nil
}

// UnknownVendorError names a vendor the workspace does not have.
type UnknownVendorError struct{ Name string }

func (e *UnknownVendorError) Error() string {
	return fmt.Sprintf("no vendor %q in this workspace", e.Name)
}

// UnknownProductError names a product a vendor does not have.
type UnknownProductError struct{ Vendor, Name string }

func (e *UnknownProductError) Error() string {
	return fmt.Sprintf("vendor %s has no product %q", e.Vendor, e.Name)
}
