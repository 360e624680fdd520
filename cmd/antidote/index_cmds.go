package main

import (
	"context"
	"fmt"
	"strings"

	"antidote/internal/extract"
	"antidote/internal/search"
	"antidote/internal/store"
)

func cmdIndex(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "optimize" {
		return usageErrorf("usage: antidote index optimize")
	}
	fs := newFlagSet(e, "index optimize", "index optimize   (index documents the index lacks, then merge its segments into one)")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.record(ctx, "index optimize", "", nil); err != nil {
		return err
	}
	key := search.TermKey(ws.keys.MAC("index").Sum)
	added, err := ws.store.IndexMissing(ctx, key, indexFields)
	if err != nil {
		return err
	}
	merged, err := ws.store.MergeIndex(ctx, key)
	if err != nil {
		return err
	}
	st, err := ws.store.IndexStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "indexed %d documents the index lacked; merged %d segments; the index is %d segment(s), %d blocks of posting lists, %.1f MB sealed\n",
		added, merged, st.Segments, st.Blocks, float64(st.PostingsBytes+st.SegmentBytes)/1e6)
	return nil
}

// indexFields are a stored document's search fields, as ingest records them.
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
