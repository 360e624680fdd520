package workspace

import (
	"context"
	"database/sql"
	"errors"

	"antidote/internal/ingest"
	"antidote/internal/search"
	"antidote/internal/store"
)

// ingestStore adapts the store to the ingest pipeline's Store interface.
type ingestStore struct{ s *store.Store }

func (a ingestStore) BeginBatch(ctx context.Context) (ingest.Batch, error) {
	tx, err := a.s.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return ingestBatch{tx}, nil
}

type ingestBatch struct{ tx *store.Tx }

func (b ingestBatch) Lookup(ctx context.Context, dedup []byte) (int64, bool, bool, error) {
	id, complete, status, err := b.tx.LookupDoc(ctx, dedup)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, false, nil
	}
	return id, complete && status == ingest.StatusOK, err == nil, err
}

func (b ingestBatch) PutDoc(ctx context.Context, d ingest.Doc) (int64, error) {
	return b.tx.PutDoc(ctx, store.NewDoc{
		Dedup:    d.Dedup,
		Status:   d.Status,
		Complete: d.Complete,
		Meta:     store.DocMeta(d.Meta),
		Blob:     d.Blob,
		BlobFile: d.BlobFile,
		Text:     d.Text,
	})
}

func (b ingestBatch) AddPath(ctx context.Context, docID, parentID int64, key []byte, path []string) (bool, error) {
	return b.tx.AddPath(ctx, docID, parentID, key, path)
}

func (b ingestBatch) AddIndexSegment(ctx context.Context, seg search.Segment) error {
	_, err := b.tx.AddIndexSegment(ctx, seg)
	return err
}

func (b ingestBatch) Commit() error { return b.tx.Commit() }

func (b ingestBatch) Rollback() error {
	err := b.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
