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

// PutRedaction stores the redacted text and statistics (JSON) of a
// document, replacing an earlier redaction of it. Both are sealed.
func (s *Store) PutRedaction(ctx context.Context, docID int64, text, stats []byte) error {
	if text == nil {
		text = []byte{}
	}
	_, err := s.exec(ctx, `INSERT INTO redactions (doc_id, text, stats, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (doc_id) DO UPDATE SET text = excluded.text, stats = excluded.stats, created_at = excluded.created_at`,
		docID, s.seal(text, adRedaction("text", docID)), s.seal(stats, adRedaction("stats", docID)), now())
	if err != nil {
		return fmt.Errorf("store redaction of document %d: %w", docID, err)
	}
	return nil
}

// RedactedText returns the redacted text of a document, or ErrNotFound if
// it has not been redacted.
func (s *Store) RedactedText(ctx context.Context, docID int64) ([]byte, error) {
	var sealed []byte
	err := s.queryRow(ctx, `SELECT text FROM redactions WHERE doc_id = ?`, docID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("redaction of document %d: %w", docID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read redaction of document %d: %w", docID, err)
	}
	return s.open(sealed, adRedaction("text", docID))
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
	return s.inTx(ctx, func(tx *Tx) error {
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
	})
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

// TokenCount returns the number of recorded tokens.
func (s *Store) TokenCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT count(*) FROM redaction_tokens`).Scan(&n)
	return n, err
}
