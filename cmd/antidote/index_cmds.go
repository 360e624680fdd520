package main

import (
	"context"
	"fmt"
	"time"

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
	step, end := indexProgress(e)
	rep, err := ws.OptimizeIndex(ctx, ws.actor, step)
	end()
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, indexReport(rep))
	return nil
}

// indexProgress shows how many documents a rebuild has indexed: redrawn
// on a terminal, a line every 5 seconds elsewhere.
// The returned end finishes a redrawn line.
func indexProgress(e *env) (step func(int), end func()) {
	tty := isTerminal(e.stderr)
	last, drawn := time.Now(), false
	step = func(n int) {
		if time.Since(last) < 5*time.Second && !(tty && n%100 == 0) {
			return
		}
		last = time.Now()
		if tty {
			drawn = true
			fmt.Fprintf(e.stderr, "\rindexed %d documents", n)
			return
		}
		fmt.Fprintf(e.stderr, "progress: indexed %d documents\n", n)
	}
	end = func() {
		if drawn {
			fmt.Fprintln(e.stderr)
		}
	}
	return step, end
}

func indexReport(rep workspace.IndexReport) string {
	return fmt.Sprintf("indexed %d documents the index lacked; merged %d segments; the index is %d segment(s), %d blocks of posting lists, %.1f MB sealed",
		rep.Indexed, rep.Merged, rep.Segments, rep.Blocks, float64(rep.Bytes)/1e6)
}
