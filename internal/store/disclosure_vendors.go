package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"antidote/internal/cases"
)

// Disclosure rows bind their sealed columns to table, column and row id.
func adRow(table, col string, id int64) string {
	return table + "." + col + ":" + strconv.FormatInt(id, 10)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func notFound(what string, id any) error {
	return fmt.Errorf("%s %v: %w", what, id, ErrNotFound)
}

// AddVendor stores a new vendor (validated by the caller) and returns its
// id. Contacts, with their notes, are sealed.
func (s *Store) AddVendor(ctx context.Context, v cases.Vendor) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		keys, err := json.Marshal(v.Keys)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vendors WHERE name_key = ?`, strings.ToLower(v.Name)).Scan(&n); err != nil {
			return fmt.Errorf("add vendor: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("a vendor with this name already exists: %w", ErrExists)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO vendors (name, name_key, security_txt, pgp_keys, created_at) VALUES (?, ?, ?, ?, ?)`,
			v.Name, strings.ToLower(v.Name), v.SecurityTxt, string(keys), fmtTime(v.Created))
		if err != nil {
			return fmt.Errorf("add vendor: %w", err)
		}
		contacts, err := json.Marshal(v.Contacts)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE vendors SET contacts = ? WHERE id = ?`, s.seal(contacts, adRow("vendors", "contacts", id)), id)
		return err
	})
	return id, err
}

// ErrExists reports a name already taken.
var ErrExists = errors.New("already exists")

const vendorCols = `id, name, security_txt, pgp_keys, contacts, created_at`

func (s *Store) scanVendor(r scanner) (cases.Vendor, error) {
	var v cases.Vendor
	var sec, keys sql.NullString
	var contacts []byte
	var created string
	if err := r.Scan(&v.ID, &v.Name, &sec, &keys, &contacts, &created); err != nil {
		return v, err
	}
	v.SecurityTxt = sec.String
	var err error
	if v.Created, err = parseTime(created); err != nil {
		return v, fmt.Errorf("vendor %d: bad time: %w", v.ID, err)
	}
	if keys.String != "" {
		if err := json.Unmarshal([]byte(keys.String), &v.Keys); err != nil {
			return v, fmt.Errorf("vendor %d keys: %w", v.ID, err)
		}
	}
	if contacts != nil {
		b, err := s.open(contacts, adRow("vendors", "contacts", v.ID))
		if err != nil {
			return v, err
		}
		if err := json.Unmarshal(b, &v.Contacts); err != nil {
			return v, fmt.Errorf("vendor %d contacts: %w", v.ID, err)
		}
	}
	return v, nil
}

// Vendor returns the vendor with id.
func (s *Store) Vendor(ctx context.Context, id int64) (cases.Vendor, error) {
	v, err := s.scanVendor(s.queryRow(ctx, `SELECT `+vendorCols+` FROM vendors WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("vendor", id)
	}
	return v, err
}

// VendorByName returns the vendor named name, in any case.
func (s *Store) VendorByName(ctx context.Context, name string) (cases.Vendor, error) {
	v, err := s.scanVendor(s.queryRow(ctx, `SELECT `+vendorCols+` FROM vendors WHERE name_key = ?`, strings.ToLower(strings.TrimSpace(name))))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("vendor: %w", ErrNotFound)
	}
	return v, err
}

// Vendors returns every vendor in name order. With contacts false it
// leaves contacts sealed and empty (the release plan needs names only).
func (s *Store) Vendors(ctx context.Context, contacts bool) ([]cases.Vendor, error) {
	q := `SELECT ` + vendorCols + ` FROM vendors ORDER BY name_key`
	if !contacts {
		q = `SELECT id, name, security_txt, pgp_keys, NULL, created_at FROM vendors ORDER BY name_key`
	}
	rows, err := s.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list vendors: %w", err)
	}
	defer rows.Close()
	var out []cases.Vendor
	for rows.Next() {
		v, err := s.scanVendor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AddProduct stores a product of an existing vendor with its downstream
// makers and returns its id.
func (s *Store) AddProduct(ctx context.Context, p cases.Product, created time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM products WHERE vendor_id = ? AND name_key = ?`, p.Vendor, strings.ToLower(p.Name)).Scan(&n); err != nil {
			return fmt.Errorf("add product: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("this vendor already has a product with this name: %w", ErrExists)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO products (vendor_id, name, name_key, class, cpe, purl, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.Vendor, p.Name, strings.ToLower(p.Name), string(p.Class), p.CPE, p.PURL, fmtTime(created))
		if err != nil {
			return fmt.Errorf("add product: %w", err)
		}
		for _, d := range p.Downstream {
			if _, err := tx.Exec(ctx, `INSERT INTO product_downstream (product_id, vendor_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, d); err != nil {
				return fmt.Errorf("add downstream maker: %w", err)
			}
		}
		return s.retagProduct(ctx, tx, id)
	})
	return id, err
}

// Products returns every product with its downstream makers, by vendor
// then name.
func (s *Store) Products(ctx context.Context) ([]cases.Product, error) {
	down := map[int64][]int64{}
	rows, err := s.query(ctx, `SELECT product_id, vendor_id FROM product_downstream ORDER BY product_id, vendor_id`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	for rows.Next() {
		var p, v int64
		if err := rows.Scan(&p, &v); err != nil {
			rows.Close()
			return nil, err
		}
		down[p] = append(down[p], v)
	}
	rows.Close()
	rows, err = s.query(ctx, `SELECT id, vendor_id, name, class, cpe, purl, mac FROM products ORDER BY vendor_id, name_key`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var out []cases.Product
	for rows.Next() {
		var p cases.Product
		var class string
		var cpe, purl sql.NullString
		var mac []byte
		if err := rows.Scan(&p.ID, &p.Vendor, &p.Name, &class, &cpe, &purl, &mac); err != nil {
			return nil, err
		}
		p.Class, p.CPE, p.PURL = cases.DeviceClass(class), cpe.String, purl.String
		p.Downstream = down[p.ID]
		p.Unauthentic = !s.rowOK(mac, "products", p.ID, p.Vendor, p.Name, class, idList(p.Downstream))
		out = append(out, p)
	}
	return out, rows.Err()
}
