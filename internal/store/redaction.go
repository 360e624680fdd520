package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

func adRedaction(col string, docID int64) string {
	return "redactions." + col + ":" + strconv.FormatInt(docID, 10)
}

func adToken(key []byte) string { return "redaction_tokens.value:" + hex.EncodeToString(key) }

// ErrChanged says a record changed between reading and writing it: the
// document was redacted again while its earlier redaction was checked.
var ErrChanged = errors.New("changed since it was read")

// Redaction is a document's stored redaction. Version counts up each time
// the document is redacted again, so that a check names exactly the text
// it read.
type Redaction struct {
	Text    []byte
	Version int64
}

// PutRedaction stores the redacted text and statistics (JSON) of a
// document, replacing an earlier redaction of it and so voiding any check
// of that one. Both are sealed.
func (s *Store) PutRedaction(ctx context.Context, docID int64, text, stats []byte) error {
	if text == nil {
		text = []byte{}
	}
	_, err := s.exec(ctx, `INSERT INTO redactions (doc_id, text, stats, created_at, version) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (doc_id) DO UPDATE SET text = excluded.text, stats = excluded.stats, created_at = excluded.created_at,
			version = redactions.version + 1`,
		docID, s.seal(text, adRedaction("text", docID)), s.seal(stats, adRedaction("stats", docID)), now())
	if err != nil {
		return fmt.Errorf("store redaction of document %d: %w", docID, err)
	}
	return nil
}

// PutRedactionTokens stores a document's redaction (as PutRedaction) and
// the token mappings it introduced (as PutTokens) in one transaction: a
// crash leaves both or neither, never a redaction whose tokens cannot be
// revealed.
func (s *Store) PutRedactionTokens(ctx context.Context, docID int64, text, stats []byte, tokens []TokenValue) error {
	if text == nil {
		text = []byte{}
	}
	return s.inTx(ctx, func(tx *Tx) error {
		if err := s.putTokensTx(ctx, tx, tokens); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO redactions (doc_id, text, stats, created_at, version) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT (doc_id) DO UPDATE SET text = excluded.text, stats = excluded.stats, created_at = excluded.created_at,
				version = redactions.version + 1`,
			docID, s.seal(text, adRedaction("text", docID)), s.seal(stats, adRedaction("stats", docID)), now())
		if err != nil {
			return fmt.Errorf("store redaction of document %d: %w", docID, err)
		}
		return nil
	})
}

// Redaction returns the redacted text of a document with its version, or
// ErrNotFound if it has not been redacted.
func (s *Store) Redaction(ctx context.Context, docID int64) (Redaction, error) {
	var r Redaction
	var sealed []byte
	err := s.queryRow(ctx, `SELECT text, version FROM redactions WHERE doc_id = ?`, docID).Scan(&sealed, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("redaction of document %d: %w", docID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read redaction of document %d: %w", docID, err)
	}
	r.Text, err = s.open(sealed, adRedaction("text", docID))
	return r, err
}

// RedactedText returns the redacted text of a document, or ErrNotFound if
// it has not been redacted.
func (s *Store) RedactedText(ctx context.Context, docID int64) ([]byte, error) {
	r, err := s.Redaction(ctx, docID)
	return r.Text, err
}

// RecordCheck records whether version of a document's redaction passed the
// independent check for identifiers, replacing an earlier record. It
// returns ErrChanged if the document has been redacted again since that
// version was read (nothing is recorded: the new text was not checked),
// and ErrNotFound if it was never redacted. The record is tagged with the
// row key over the exact sealed text it vouches for.
func (s *Store) RecordCheck(ctx context.Context, docID, version int64, passed bool) error {
	return s.inTx(ctx, func(tx *Tx) error {
		var cur int64
		var text []byte
		err := tx.QueryRow(ctx, `SELECT version, text FROM redactions WHERE doc_id = ?`, docID).Scan(&cur, &text)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("redaction of document %d: %w", docID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("record check of document %d: %w", docID, err)
		}
		if cur != version {
			return fmt.Errorf("check of document %d's redaction version %d: %w", docID, version, ErrChanged)
		}
		at := now()
		_, err = tx.Exec(ctx, `INSERT INTO redaction_checks (doc_id, version, passed, checked_at, mac) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (doc_id) DO UPDATE SET version = excluded.version, passed = excluded.passed, checked_at = excluded.checked_at, mac = excluded.mac`,
			docID, version, boolInt(passed), at, s.checkTag(docID, version, boolInt(passed), at, text))
		if err != nil {
			return fmt.Errorf("record check of document %d: %w", docID, err)
		}
		return nil
	})
}

// VerifiedDocs returns the documents whose current redaction passed its
// check: the release gate's "redaction verified" condition.
func (s *Store) VerifiedDocs(ctx context.Context) (map[int64]bool, error) {
	v, _, err := s.RedactionChecks(ctx)
	return v, err
}

// RedactionChecks returns the documents whose current redaction passed an
// authentic check, and the documents whose check record fails
// authentication (changed or inserted outside antidote, or vouching for
// another text than the one stored).
func (s *Store) RedactionChecks(ctx context.Context) (verified, unauthentic map[int64]bool, err error) {
	rows, err := s.query(ctx, `SELECT c.doc_id, c.version, c.passed, c.checked_at, c.mac, r.version, r.text FROM redaction_checks c
		JOIN redactions r ON r.doc_id = c.doc_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("list verified redactions: %w", err)
	}
	defer rows.Close()
	verified, unauthentic = map[int64]bool{}, map[int64]bool{}
	for rows.Next() {
		var id, ver, cur int64
		var passed int
		var at string
		var mac, text []byte
		if err := rows.Scan(&id, &ver, &passed, &at, &mac, &cur, &text); err != nil {
			return nil, nil, fmt.Errorf("list verified redactions: %w", err)
		}
		switch {
		case ver != cur:
			// A check of an earlier redaction: the current one is unchecked.
		case !s.rowOK(mac, "redaction_checks", id, ver, passed, at, digest(text)):
			unauthentic[id] = true
		case passed == 1:
			verified[id] = true
		}
	}
	return verified, unauthentic, rows.Err()
}

// ListRedactionStats calls fn with the statistics of every redacted
// document, in document order.
func (s *Store) ListRedactionStats(ctx context.Context, fn func(docID int64, stats []byte) error) error {
	rows, err := s.query(ctx, `SELECT doc_id, stats FROM redactions ORDER BY doc_id`)
	if err != nil {
		return fmt.Errorf("list redactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return fmt.Errorf("list redactions: %w", err)
		}
		b, err := s.open(sealed, adRedaction("stats", id))
		if err != nil {
			return err
		}
		if err := fn(id, b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TokenValue is one entry of the token -> value mapping: Key is a keyed
// MAC of the token (computed by the caller), Value the plaintext to seal.
type TokenValue struct {
	Key   []byte
	Value []byte
}

// PutTokens records mappings in one transaction. A token already recorded
// keeps its first value: tokens are a function of their value.
func (s *Store) PutTokens(ctx context.Context, tokens []TokenValue) error {
	if len(tokens) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *Tx) error { return s.putTokensTx(ctx, tx, tokens) })
}

func (s *Store) putTokensTx(ctx context.Context, tx *Tx, tokens []TokenValue) error {
	if len(tokens) == 0 {
		return nil
	}
	stmt, err := tx.Prepare(ctx, `INSERT INTO redaction_tokens (token_key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (token_key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store redaction tokens: %w", err)
	}
	defer stmt.Close()
	at := now()
	for _, t := range tokens {
		if _, err := stmt.ExecContext(ctx, t.Key, s.seal(t.Value, adToken(t.Key)), at); err != nil {
			return fmt.Errorf("store redaction tokens: %w", err)
		}
	}
	return nil
}

// LookupToken returns the value recorded for a token's key, or
// ErrNotFound.
func (s *Store) LookupToken(ctx context.Context, key []byte) ([]byte, error) {
	var sealed []byte
	err := s.queryRow(ctx, `SELECT value FROM redaction_tokens WHERE token_key = ?`, key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	return s.open(sealed, adToken(key))
}

// MissingTokens returns how many of the token keys have no recorded
// mapping.
func (s *Store) MissingTokens(ctx context.Context, keys [][]byte) (int, error) {
	missing := 0
	for _, k := range keys {
		var one int
		err := s.queryRow(ctx, `SELECT 1 FROM redaction_tokens WHERE token_key = ?`, k).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			missing++
			continue
		}
		if err != nil {
			return missing, fmt.Errorf("look up tokens: %w", err)
		}
	}
	return missing, nil
}

// TokenCount returns the number of recorded tokens.
func (s *Store) TokenCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT count(*) FROM redaction_tokens`).Scan(&n)
	return n, err
}
