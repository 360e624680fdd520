package main

import (
	"context"
	"fmt"

	"antidote/internal/workspace"
)

func cmdIndex(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "index", args, map[string]subcommand{"optimize": cmdIndexOptimize})
}

func cmdIndexOptimize(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "index optimize", "index optimize   (index documents the index lacks, then merge its segments into one)")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("usage: antidote index optimize")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	rep, err := ws.OptimizeIndex(ctx, ws.actor)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, indexReport(rep))
	return nil
}

func indexReport(rep workspace.IndexReport) string {
	return fmt.Sprintf("indexed %d documents the index lacked; merged %d segments; the index is %d segment(s), %d blocks of posting lists, %.1f MB sealed",
		rep.Indexed, rep.Merged, rep.Segments, rep.Blocks, float64(rep.Bytes)/1e6)
}
