package workspace

import (
	"context"
	"fmt"
	"strings"

	"antidote/internal/auth"
	"antidote/internal/extract"
	"antidote/internal/search"
	"antidote/internal/store"
)

// IndexReport says what OptimizeIndex did and how the index is stored now.
type IndexReport struct {
	Indexed  int   // documents the index lacked, now indexed
	Merged   int   // segments merged into one (0 or 1: nothing to merge)
	Segments int   // segments the index has now
	Blocks   int   // sealed blocks of posting lists
	Bytes    int64 // sealed bytes of the index (posting blocks, document tables, dictionaries)
}

// OptimizeIndex indexes every document with text that the index lacks (a
// workspace ingested before positional segments) and merges the index's
// segments into one, in one transaction, so that query time does not grow
// with the number of ingest batches. A crash leaves the index as it was or
// merged, never half of it. It is recorded in the audit log.
// progress, if not nil, is called with the count of documents indexed so
// far while the documents the index lacks are read (the long part of a
// rebuild).
func (ws *Workspace) OptimizeIndex(ctx context.Context, a Actor, progress func(indexed int)) (IndexReport, error) {
	var rep IndexReport
	if err := allow(a, auth.DocsWrite); err != nil {
		return rep, err
	}
	if err := ws.record(ctx, a, "index.optimize", "", nil); err != nil {
		return rep, err
	}
	key := search.TermKey(ws.keys.MAC("index").Sum)
	var err error
	fields, n := indexFields, 0
	if progress != nil {
		fields = func(d store.Doc, text []byte) search.Fields {
			n++
			progress(n)
			return indexFields(d, text)
		}
	}
	if rep.Indexed, err = ws.store.IndexMissing(ctx, key, fields); err != nil {
		return rep, fmt.Errorf("index the documents the index lacks: %w", err)
	}
	if rep.Merged, err = ws.store.MergeIndex(ctx, key); err != nil {
		return rep, fmt.Errorf("merge the index's segments: %w", err)
	}
	st, err := ws.store.IndexStats(ctx)
	if err != nil {
		return rep, err
	}
	rep.Segments, rep.Blocks, rep.Bytes = st.Segments, st.Blocks, st.PostingsBytes+st.SegmentBytes
	return rep, nil
}

// IndexDropped reports whether opening this workspace upgraded its schema
// past a change of the full-text index's format (migrations 0010 and
// 0055 drop the index): search finds none of the documents ingested
// before until OptimizeIndex rebuilds the index from the sealed texts
// (FinishUpgrade does).
func (ws *Workspace) IndexDropped() bool { return ws.indexDropped }

// FinishUpgrade completes a schema upgrade that dropped the full-text
// index by rebuilding it (OptimizeIndex); it returns nil when the
// upgrade left the index whole.
func (ws *Workspace) FinishUpgrade(ctx context.Context, a Actor, progress func(indexed int)) (*IndexReport, error) {
	if !ws.indexDropped {
		return nil, nil
	}
	rep, err := ws.OptimizeIndex(ctx, a, progress)
	if err != nil {
		return nil, fmt.Errorf("rebuild the full-text index after the upgrade: %w", err)
	}
	ws.indexDropped = false
	return &rep, nil
}

// indexFields are a stored document's search fields, as ingest records
// them for a new one.
func indexFields(d store.Doc, text []byte) search.Fields {
	f := search.Fields{MediaType: d.Meta.MediaType, Status: d.Status}
	for _, p := range d.Paths {
		f.Paths = append(f.Paths, extract.DisplayPath(p.Path))
	}
	if strings.HasPrefix(d.Meta.MediaType, "message/") {
		f.From, f.To, f.Date = search.MailFields(text)
	}
	return f
}
