package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"antidote/internal/publish"
)

// PublisherRecord is the workspace's publisher: its identity and its
// OpenPGP signing key (armored; the private key is sealed at rest).
type PublisherRecord struct {
	Identity    publish.Publisher
	Fingerprint string
	PublicKey   []byte
	PrivateKey  []byte
	Created     time.Time
}

const adPublisher = "publisher:1"

// InitPublisher records the workspace's publisher. It returns ErrExists
// if one was recorded before: the signing key is made once per workspace.
func (s *Store) InitPublisher(ctx context.Context, p PublisherRecord) error {
	id, err := json.Marshal(p.Identity)
	if err != nil {
		return err
	}
	if p.Created.IsZero() {
		p.Created = time.Now()
	}
	return s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM publisher`).Scan(&n); err != nil {
			return fmt.Errorf("read publisher: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("publisher: %w", ErrExists)
		}
		_, err := tx.Exec(ctx, `INSERT INTO publisher (id, identity, fingerprint, public_key, private_key, created_at) VALUES (1, ?, ?, ?, ?, ?)`,
			s.seal(id, adPublisher+".identity"), p.Fingerprint, s.seal(p.PublicKey, adPublisher+".public_key"),
			s.seal(p.PrivateKey, adPublisher+".private_key"), fmtTime(p.Created))
		if err != nil {
			return fmt.Errorf("record publisher: %w", err)
		}
		return nil
	})
}

// UpdatePublisherIdentity changes the publisher's name, namespace or
// contact; the signing key stays. ErrNotFound if there is no publisher.
func (s *Store) UpdatePublisherIdentity(ctx context.Context, p publish.Publisher) error {
	id, err := json.Marshal(p)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE publisher SET identity = ? WHERE id = 1`, s.seal(id, adPublisher+".identity"))
	if err != nil {
		return fmt.Errorf("update publisher: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("publisher: %w", ErrNotFound)
	}
	return err
}

// Publisher returns the workspace's publisher with its keys opened, or
// ErrNotFound before InitPublisher.
func (s *Store) Publisher(ctx context.Context) (PublisherRecord, error) {
	var p PublisherRecord
	var id, pub, priv []byte
	var created string
	err := s.queryRow(ctx, `SELECT identity, fingerprint, public_key, private_key, created_at FROM publisher WHERE id = 1`).
		Scan(&id, &p.Fingerprint, &pub, &priv, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("publisher: %w", ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read publisher: %w", err)
	}
	if id, err = s.open(id, adPublisher+".identity"); err != nil {
		return p, err
	}
	if err := json.Unmarshal(id, &p.Identity); err != nil {
		return p, fmt.Errorf("read publisher identity: %w", err)
	}
	if p.PublicKey, err = s.open(pub, adPublisher+".public_key"); err != nil {
		return p, err
	}
	if p.PrivateKey, err = s.open(priv, adPublisher+".private_key"); err != nil {
		return p, err
	}
	p.Created, err = parseTime(created)
	return p, err
}

// Publication is one publication as recorded: what it released and the
// advisory state the next publication starts from.
type Publication struct {
	ID         int64
	At         time.Time // the publication's time
	Recorded   time.Time
	BaseURL    string
	Documents  []int64
	Advisories []publish.Released
	State      publish.State
}

type publicationDetail struct {
	BaseURL    string             `json:"base_url"`
	Documents  []int64            `json:"documents"`
	Advisories []publish.Released `json:"advisories"`
}

func adPublication(col string, id int64) string {
	return "publications." + col + ":" + strconv.FormatInt(id, 10)
}

// RecordPublication records a publication and its advisory versions in
// one transaction and returns its id.
func (s *Store) RecordPublication(ctx context.Context, p Publication) (int64, error) {
	detail, err := json.Marshal(publicationDetail{BaseURL: p.BaseURL, Documents: p.Documents, Advisories: p.Advisories})
	if err != nil {
		return 0, err
	}
	state, err := json.Marshal(p.State)
	if err != nil {
		return 0, err
	}
	if p.Recorded.IsZero() {
		p.Recorded = time.Now()
	}
	var id int64
	err = s.inTx(ctx, func(tx *Tx) error {
		// The id is needed to bind the sealed columns: insert, then seal.
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO publications (published_at, recorded_at, detail, state) VALUES (?, ?, ?, ?)`,
			fmtTime(p.At), fmtTime(p.Recorded), []byte{}, []byte{})
		if err != nil {
			return fmt.Errorf("record publication: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET detail = ?, state = ? WHERE id = ?`,
			s.seal(detail, adPublication("detail", id)), s.seal(state, adPublication("state", id)), id); err != nil {
			return fmt.Errorf("record publication: %w", err)
		}
		for _, a := range p.Advisories {
			if _, err := tx.Exec(ctx, `INSERT INTO advisory_versions (publication_id, finding_id, version, changed) VALUES (?, ?, ?, ?)`,
				id, a.Finding, a.Version, boolInt(a.Changed)); err != nil {
				return fmt.Errorf("record advisory of finding %d: %w", a.Finding, err)
			}
		}
		return nil
	})
	return id, err
}

// LastPublication returns the latest publication (by its time, then by
// id), or ErrNotFound if nothing was published yet.
func (s *Store) LastPublication(ctx context.Context) (Publication, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT id FROM publications ORDER BY published_at DESC, id DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Publication{}, fmt.Errorf("publication: %w", ErrNotFound)
	}
	if err != nil {
		return Publication{}, fmt.Errorf("read publications: %w", err)
	}
	return s.Publication(ctx, id)
}

// Publication returns one publication, or ErrNotFound.
func (s *Store) Publication(ctx context.Context, id int64) (Publication, error) {
	p := Publication{ID: id}
	var at, rec string
	var detail, state []byte
	err := s.queryRow(ctx, `SELECT published_at, recorded_at, detail, state FROM publications WHERE id = ?`, id).Scan(&at, &rec, &detail, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("publication %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read publication %d: %w", id, err)
	}
	if p.At, err = parseTime(at); err != nil {
		return p, err
	}
	if p.Recorded, err = parseTime(rec); err != nil {
		return p, err
	}
	if detail, err = s.open(detail, adPublication("detail", id)); err != nil {
		return p, err
	}
	if state, err = s.open(state, adPublication("state", id)); err != nil {
		return p, err
	}
	var d publicationDetail
	if err := json.Unmarshal(detail, &d); err != nil {
		return p, fmt.Errorf("read publication %d: %w", id, err)
	}
	p.BaseURL, p.Documents, p.Advisories = d.BaseURL, d.Documents, d.Advisories
	if err := json.Unmarshal(state, &p.State); err != nil {
		return p, fmt.Errorf("read publication %d: %w", id, err)
	}
	return p, nil
}

// AdvisoryVersion is one advisory's version in one publication.
type AdvisoryVersion struct {
	Publication int64
	At          time.Time
	Finding     int64
	Version     int
	Changed     bool
}

// AdvisoryVersions lists the versions of the advisory of a finding in
// every publication that released it, oldest first.
func (s *Store) AdvisoryVersions(ctx context.Context, findingID int64) ([]AdvisoryVersion, error) {
	rows, err := s.query(ctx, `SELECT a.publication_id, p.published_at, a.version, a.changed FROM advisory_versions a
		JOIN publications p ON p.id = a.publication_id WHERE a.finding_id = ? ORDER BY p.published_at, a.publication_id`, findingID)
	if err != nil {
		return nil, fmt.Errorf("list advisory versions of finding %d: %w", findingID, err)
	}
	defer rows.Close()
	var out []AdvisoryVersion
	for rows.Next() {
		v := AdvisoryVersion{Finding: findingID}
		var at string
		var changed int
		if err := rows.Scan(&v.Publication, &at, &v.Version, &changed); err != nil {
			return nil, fmt.Errorf("list advisory versions of finding %d: %w", findingID, err)
		}
		if v.At, err = parseTime(at); err != nil {
			return nil, err
		}
		v.Changed = changed == 1
		out = append(out, v)
	}
	return out, rows.Err()
}
