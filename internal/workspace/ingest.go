package workspace

import (
	"context"
	"fmt"

	"antidote/internal/auth"
	"antidote/internal/ingest"
)

// Ingest reads the files, directories and archives at paths into the
// workspace (see package ingest) and records the run in the audit log.
func (ws *Workspace) Ingest(ctx context.Context, a Actor, paths []string, opts ingest.Options) (ingest.Summary, error) {
	if err := allow(a, auth.DocsWrite); err != nil {
		return ingest.Summary{}, err
	}
	ing := ingest.New(ingestStore{ws.store}, ws.blobs, ingest.Keys{
		Dedup: ws.keys.MAC("dedup"),
		Path:  ws.keys.MAC("path"),
		Index: ws.keys.MAC("index"),
	}, opts)
	// The start is recorded before any work (fail closed): a run killed
	// halfway leaves its committed documents and this event.
	if err := ws.record(ctx, a, "ingest.start", fmt.Sprintf("%d inputs", len(paths)), nil); err != nil {
		return ingest.Summary{}, err
	}
	// A killed run's half-written blobs go now (the batch that would have
	// referenced them never committed).
	ws.blobs.CleanTemps()
	sum, runErr := ing.Run(ctx, paths)
	d := map[string]any{"inputs": len(paths), "documents": sum.Documents, "new": sum.New, "skipped": len(sum.Skipped)}
	// The census of finished documents: the audit log vouches for them
	// (missingRecords), so that one deleted outside antidote is noticed.
	if n, maxID, err := ws.store.DoneDocs(ctx, 0); err == nil {
		d["done_docs"], d["done_max_id"] = n, maxID
	} else if runErr == nil {
		runErr = err
	}
	detail := auditDetail(d)
	if err := ws.record(ctx, a, "ingest", fmt.Sprintf("%d inputs", len(paths)), detail); err != nil && runErr == nil {
		runErr = err
	}
	return sum, runErr
}
