package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// ErrInUse means a record others refer to cannot be removed.
var ErrInUse = errors.New("in use")

// UpdateVendor replaces a vendor's name, contacts (sealed), keys and
// security.txt location.
func (s *Store) UpdateVendor(ctx context.Context, v cases.Vendor) error {
	return s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vendors WHERE name_key = ? AND id <> ?`, strings.ToLower(v.Name), v.ID).Scan(&n); err != nil {
			return fmt.Errorf("update vendor %d: %w", v.ID, err)
		}
		if n > 0 {
			return fmt.Errorf("a vendor with this name already exists: %w", ErrExists)
		}
		keys, err := json.Marshal(v.Keys)
		if err != nil {
			return err
		}
		contacts, err := json.Marshal(v.Contacts)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE vendors SET name = ?, name_key = ?, security_txt = ?, pgp_keys = ?, contacts = ? WHERE id = ?`,
			v.Name, strings.ToLower(v.Name), v.SecurityTxt, string(keys), s.seal(contacts, adRow("vendors", "contacts", v.ID)), v.ID)
		if err != nil {
			return fmt.Errorf("update vendor %d: %w", v.ID, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("vendor", v.ID)
		}
		return nil
	})
}

// count runs a count query.
func count(ctx context.Context, tx *Tx, q string, args ...any) (int, error) {
	var n int
	err := tx.QueryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// RemoveVendor deletes a vendor that has no products, is no downstream
// maker and is in no case; otherwise ErrInUse.
func (s *Store) RemoveVendor(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`SELECT count(*) FROM products WHERE vendor_id = ?`,
			`SELECT count(*) FROM product_downstream WHERE vendor_id = ?`,
			`SELECT count(*) FROM case_targets WHERE vendor_id = ?`,
		} {
			n, err := count(ctx, tx, q, id)
			if err != nil {
				return fmt.Errorf("remove vendor %d: %w", id, err)
			}
			if n > 0 {
				return fmt.Errorf("vendor %d has products or cases: %w", id, ErrInUse)
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM vendors WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove vendor %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("vendor", id)
		}
		return nil
	})
}

// UpdateProduct replaces a product's name, class, CPE, package URL and
// downstream makers.
func (s *Store) UpdateProduct(ctx context.Context, p cases.Product) error {
	return s.inTx(ctx, func(tx *Tx) error {
		n, err := count(ctx, tx, `SELECT count(*) FROM products WHERE vendor_id = ? AND name_key = ? AND id <> ?`, p.Vendor, strings.ToLower(p.Name), p.ID)
		if err != nil {
			return fmt.Errorf("update product %d: %w", p.ID, err)
		}
		if n > 0 {
			return fmt.Errorf("this vendor already has a product with this name: %w", ErrExists)
		}
		res, err := tx.Exec(ctx, `UPDATE products SET name = ?, name_key = ?, class = ?, cpe = ?, purl = ? WHERE id = ? AND vendor_id = ?`,
			p.Name, strings.ToLower(p.Name), string(p.Class), p.CPE, p.PURL, p.ID, p.Vendor)
		if err != nil {
			return fmt.Errorf("update product %d: %w", p.ID, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("product", p.ID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM product_downstream WHERE product_id = ?`, p.ID); err != nil {
			return err
		}
		for _, d := range p.Downstream {
			if _, err := tx.Exec(ctx, `INSERT INTO product_downstream (product_id, vendor_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, p.ID, d); err != nil {
				return fmt.Errorf("add downstream maker: %w", err)
			}
		}
		return s.retagProduct(ctx, tx, p.ID)
	})
}

// RemoveProduct deletes a product no case names; otherwise ErrInUse.
func (s *Store) RemoveProduct(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *Tx) error {
		n, err := count(ctx, tx, `SELECT count(*) FROM case_targets WHERE product_id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove product %d: %w", id, err)
		}
		if n > 0 {
			return fmt.Errorf("product %d is in a case: %w", id, ErrInUse)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM product_downstream WHERE product_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM products WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove product %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("product", id)
		}
		return nil
	})
}

// UpdateFinding replaces a finding's details (title, summary, affected
// products, CWEs, CVEs, CVSS, sealed) and whether it is exploited in the
// wild; its state, sources and cases stay.
func (s *Store) UpdateFinding(ctx context.Context, f findings.Finding, at time.Time) error {
	return s.inTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE findings SET exploited = ?, updated_at = ? WHERE id = ?`, boolInt(f.Exploited), fmtTime(at), f.ID)
		if err != nil {
			return fmt.Errorf("update finding %d: %w", f.ID, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("finding", f.ID)
		}
		if err := s.writeDetail(ctx, tx, f.ID, f); err != nil {
			return err
		}
		return s.retagFinding(ctx, tx, f.ID)
	})
}

// FindingHasCases reports whether any case coordinates the finding.
func (s *Store) FindingHasCases(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM cases WHERE finding_id = ?`, id).Scan(&n)
	return n > 0, err
}

// RemoveFinding deletes a finding no case coordinates, no other finding
// was merged into and no publication released, with its document links;
// otherwise ErrInUse.
func (s *Store) RemoveFinding(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`SELECT count(*) FROM cases WHERE finding_id = ?`,
			`SELECT count(*) FROM findings WHERE merged_into = ?`,
			`SELECT count(*) FROM advisory_versions WHERE finding_id = ?`,
		} {
			n, err := count(ctx, tx, q, id)
			if err != nil {
				return fmt.Errorf("remove finding %d: %w", id, err)
			}
			if n > 0 {
				return fmt.Errorf("finding %d has cases or merged findings: %w", id, ErrInUse)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM finding_docs WHERE finding_id = ?`, id); err != nil {
			return fmt.Errorf("remove finding %d: %w", id, err)
		}
		res, err := tx.Exec(ctx, `DELETE FROM findings WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("remove finding %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("finding", id)
		}
		return nil
	})
}
