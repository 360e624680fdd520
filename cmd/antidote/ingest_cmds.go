package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"antidote/internal/audit"
	"antidote/internal/extract"
	"antidote/internal/ingest"
	"antidote/internal/search"
	"antidote/internal/secret"
	"antidote/internal/store"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(len(*s)) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// byteSize is a size flag accepting suffixes KB, MB, GB, TB, KiB, MiB, GiB, TiB.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }
func (b *byteSize) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(strings.ToUpper(v))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q: use a positive number with an optional unit such as 512MiB or 20GB", v)
	}
	return n * mult, nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ingest", "ingest [--password P]... [flags] PATH...")
	w := addWorkspaceFlags(fs)
	var passwords stringList
	fs.Var(&passwords, "password", "password for encrypted archives (repeatable; each is tried in turn)")
	maxDepth := fs.Int("max-depth", extract.DefaultMaxDepth, "how deep to recurse into archives and attachments")
	maxTotal := byteSize(extract.DefaultMaxTotalBytes)
	fs.Var(&maxTotal, "max-expanded", "cap on bytes expanded from one input (archive bomb guard)")
	maxRatio := fs.Float64("max-ratio", extract.DefaultMaxRatio, "cap on an archive member's expansion ratio (archive bomb guard)")
	maxMember := byteSize(extract.DefaultMaxMemberBytes)
	fs.Var(&maxMember, "max-member", "largest archive member read into memory")
	jsonOut := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("ingest needs at least one PATH (file, directory or archive)")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	var opts ingest.Options
	for _, p := range passwords {
		opts.Extract.Passwords = append(opts.Extract.Passwords, secret.NewString(p))
	}
	opts.Extract.MaxDepth = *maxDepth
	opts.Extract.MaxTotalBytes = int64(maxTotal)
	opts.Extract.MaxRatio = *maxRatio
	opts.Extract.MaxMemberBytes = int64(maxMember)
	var pr *progressPrinter
	if !*quiet {
		pr = newProgressPrinter(e.stderr)
		opts.Progress = pr.print
	}
	ing := ingest.New(ingestStore{ws.store}, ws.blobs, ingest.Keys{
		Dedup: ws.keys.MAC("dedup"),
		Path:  ws.keys.MAC("path"),
		Index: ws.keys.MAC("index"),
	}, opts)
	sum, runErr := ing.Run(ctx, fs.Args())
	detail, _ := json.Marshal(map[string]any{"inputs": len(fs.Args()), "documents": sum.Documents, "new": sum.New, "skipped": len(sum.Skipped)})
	if err := ws.record(ctx, "ingest", fmt.Sprintf("%d inputs", len(fs.Args())), detail); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return fmt.Errorf("ingest interrupted after %d documents; run the same command again to finish (nothing is lost)", sum.Documents)
		}
		return fmt.Errorf("ingest: %w (run the same command again to continue; work done so far is kept)", runErr)
	}
	if *jsonOut {
		if sum.Skipped == nil {
			sum.Skipped = []ingest.Problem{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		fmt.Fprintf(e.stdout, "Ingested %d inputs: %d documents (%d new, %d already stored), %d new paths, %s read in %s.\n",
			sum.Inputs, sum.Documents, sum.New, sum.Duplicates, sum.NewPaths, humanBytes(sum.Bytes), sum.Elapsed.Round(time.Millisecond))
		for _, p := range sum.Skipped {
			fmt.Fprintf(e.stdout, "  %s %s: %s\n", p.Status, p.Path, p.Reason)
		}
	}
	if len(sum.Skipped) > 0 {
		return withExit(exitPartial, fmt.Errorf("%d %s skipped (listed above); the rest is ingested; rerun the same command after fixing the cause (e.g. with --password) to retry just those", len(sum.Skipped), plural(len(sum.Skipped), "document was", "documents were")))
	}
	return nil
}

// progressPrinter draws a progress bar on a terminal and plain lines elsewhere.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	last  time.Time
	width int
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, tty: isTerminal(w)}
}

func (p *progressPrinter) print(pr ingest.Progress) {
	if !p.tty && !pr.Done && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Bytes) / s
	}
	eta := "--"
	if rate > 0 && pr.TotalBytes > pr.Bytes {
		eta = (time.Duration(float64(pr.TotalBytes-pr.Bytes)/rate) * time.Second / time.Second).Round(time.Second).String()
	}
	frac := 1.0
	if pr.TotalBytes > 0 {
		frac = min(float64(pr.Bytes)/float64(pr.TotalBytes), 1)
	}
	line := fmt.Sprintf("files %d/%d  docs %d  %s/%s  %s/s  ETA %s",
		pr.Files, pr.TotalFiles, pr.Docs, humanBytes(pr.Bytes), humanBytes(pr.TotalBytes), humanBytes(int64(rate)), eta)
	drawProgress(p.w, p.tty, frac, line, pr.Done)
}

// drawProgress draws a bar on a terminal (redrawn in place) or writes a
// plain line elsewhere.
func drawProgress(w io.Writer, tty bool, frac float64, line string, done bool) {
	if !tty {
		fmt.Fprintf(w, "progress: %3.0f%% %s\n", frac*100, line)
		return
	}
	const barWidth = 24
	n := int(frac * barWidth)
	bar := strings.Repeat("#", n) + strings.Repeat(".", barWidth-n)
	fmt.Fprintf(w, "\r[%s] %3.0f%% %s\x1b[K", bar, frac*100, line)
	if done {
		fmt.Fprintln(w)
	}
}

// docProgress shows how far a pass over every document of the workspace
// (redact --all, verify --all) has come: a bar on a terminal, a line every
// 5 seconds elsewhere.
type docProgress struct {
	w           io.Writer
	tty         bool
	verb        string
	n, total    int
	start, last time.Time
}

func newDocProgress(w io.Writer, verb string, total int) *docProgress {
	now := time.Now()
	return &docProgress{w: w, tty: isTerminal(w), verb: verb, total: total, start: now, last: now}
}

// step counts one document done.
func (p *docProgress) step() {
	p.n++
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if p.n < p.total && time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.n) / float64(p.total)
	}
	done := p.n >= p.total
	if !p.tty && done && time.Since(p.start) < every {
		return // short work: no progress line at all
	}
	drawProgress(p.w, p.tty, frac, fmt.Sprintf("%s %d/%d documents", p.verb, p.n, p.total), done)
}

// docJSON is the listing format of a document.
type docJSON struct {
	ID        int64    `json:"id"`
	Paths     []string `json:"paths"`
	SHA256    string   `json:"sha256"`
	MediaType string   `json:"media_type"`
	Charset   string   `json:"charset,omitempty"`
	Size      int64    `json:"size"`
	TextSize  int64    `json:"text_size"`
	Truncated bool     `json:"truncated,omitempty"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Parent    *int64   `json:"parent"`
	Parents   []int64  `json:"parents,omitempty"`
	Complete  bool     `json:"complete"`
}

func toDocJSON(d store.Doc) docJSON {
	j := docJSON{ID: d.ID, SHA256: d.Meta.SHA256, MediaType: d.Meta.MediaType, Charset: d.Meta.Charset, Size: d.Meta.Size,
		TextSize: d.Meta.TextSize, Truncated: d.Meta.Truncated, Status: d.Status, Reason: d.Meta.Reason, Complete: d.Complete, Paths: []string{}}
	seen := map[int64]bool{}
	for _, p := range d.Paths {
		j.Paths = append(j.Paths, extract.DisplayPath(p.Path))
		if p.ParentID != 0 && !seen[p.ParentID] {
			seen[p.ParentID] = true
			j.Parents = append(j.Parents, p.ParentID)
		}
	}
	if len(j.Parents) > 0 {
		j.Parent = &j.Parents[0]
	}
	if len(j.Parents) <= 1 {
		j.Parents = nil
	}
	return j
}

func cmdDocs(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: antidote docs list|show|text|get ...")
	}
	switch args[0] {
	case "list":
		return cmdDocsList(ctx, e, args[1:])
	case "show", "text", "get":
		return cmdDocsOne(ctx, e, args[0], args[1:])
	}
	return usageErrorf("unknown docs subcommand %q: use list, show, text or get", args[0])
}

func cmdDocsList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "docs list", "docs list [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.record(ctx, "docs.list", "", nil); err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	if !*jsonOut {
		fmt.Fprintf(e.stdout, "%6s  %-7s  %-28s  %10s  %10s  %6s  %s\n", "ID", "STATUS", "TYPE", "SIZE", "TEXT", "PARENT", "PATH")
	}
	return ws.store.ListDocs(ctx, func(d store.Doc) error {
		j := toDocJSON(d)
		if *jsonOut {
			return enc.Encode(j)
		}
		parent := "-"
		if j.Parent != nil {
			parent = strconv.FormatInt(*j.Parent, 10)
		}
		path := strings.Join(j.Paths, " | ")
		_, err := fmt.Fprintf(e.stdout, "%6d  %-7s  %-28s  %10d  %10d  %6s  %s\n", j.ID, j.Status, trunc(j.MediaType, 28), j.Size, j.TextSize, parent, path)
		return err
	})
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func cmdDocsOne(ctx context.Context, e *env, sub string, args []string) error {
	fs := newFlagSet(e, "docs "+sub, "docs "+sub+" ID")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print as JSON (show)")
	out := fs.String("o", "", "write the original bytes to this file (get; '-' for standard output)")
	force := fs.Bool("force", false, "overwrite an existing file (get)")
	if err := parseFlags(fs, reorderFlags(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote docs %s ID", sub)
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usageErrorf("document ID must be a positive number, got %q (see 'antidote docs list')", fs.Arg(0))
	}
	if sub == "get" && *out == "" {
		return usageErrorf("docs get needs -o FILE (or -o - for standard output)")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	d, err := ws.store.GetDoc(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no document %d in this workspace (see 'antidote docs list')", id)
	}
	if err != nil {
		return err
	}
	if err := ws.record(ctx, "docs."+sub, "doc "+strconv.FormatInt(id, 10), nil); err != nil {
		return err
	}
	switch sub {
	case "show":
		j := toDocJSON(d)
		if *jsonOut {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(j)
		}
		fmt.Fprintf(e.stdout, "id:         %d\nstatus:     %s\n", j.ID, j.Status)
		if j.Reason != "" {
			fmt.Fprintf(e.stdout, "reason:     %s\n", j.Reason)
		}
		fmt.Fprintf(e.stdout, "media type: %s\nsha256:     %s\nsize:       %d\ntext size:  %d\n", j.MediaType, j.SHA256, j.Size, j.TextSize)
		if j.Charset != "" {
			fmt.Fprintf(e.stdout, "charset:    %s\n", j.Charset)
		}
		if j.Truncated {
			fmt.Fprintln(e.stdout, "text:       truncated at the extraction limit")
		}
		for _, p := range d.Paths {
			parent := ""
			if p.ParentID != 0 {
				parent = fmt.Sprintf(" (inside document %d)", p.ParentID)
			}
			fmt.Fprintf(e.stdout, "path:       %s%s\n", extract.DisplayPath(p.Path), parent)
		}
		return nil
	case "text":
		text, err := ws.store.DocText(ctx, id)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(text)
		return err
	}
	return getOriginal(ctx, e, ws, d, *out, *force)
}

func getOriginal(ctx context.Context, e *env, ws *workspace, d store.Doc, out string, force bool) error {
	inline, file, err := ws.store.DocBlob(ctx, d.ID)
	if err != nil {
		return err
	}
	if inline == nil && file == "" {
		return fmt.Errorf("document %d has no stored original (%s)", d.ID, d.Meta.Reason)
	}
	var w io.Writer = e.stdout
	var f *os.File
	if out != "-" {
		flags := os.O_CREATE | os.O_WRONLY | os.O_EXCL
		if force {
			flags = os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		}
		f, err = os.OpenFile(out, flags, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists; pass --force to overwrite it", out)
			}
			return fmt.Errorf("create %s: %w", out, err)
		}
		w = f
	}
	if inline != nil {
		_, err = w.Write(inline)
	} else {
		var r io.ReadCloser
		r, err = ws.blobs.Open(file)
		if err == nil {
			_, err = io.Copy(w, r)
			r.Close()
		}
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}
	if err != nil {
		return fmt.Errorf("write original of document %d: %w", d.ID, err)
	}
	return nil
}

// reorderFlags moves flags after positional arguments to the front, so that
// "docs get 3 -o out" works as well as "docs get -o out 3".
func reorderFlags(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && flagTakesValue(a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func flagTakesValue(f string) bool {
	switch strings.TrimLeft(f, "-") {
	case "json", "force", "quiet", "csv", "all":
		return false
	}
	return true
}

func cmdSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "search", `search [--json] [--limit N] [--offset N] [filters] QUERY   (words, "phrases", AND, OR, -exclude, prefix*)`)
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object: total, hits with score and snippets, facets")
	limit := fs.Int("limit", 20, "hits per page")
	offset := fs.Int("offset", 0, "hits to skip (the next page starts at offset+limit)")
	var f search.Filter
	mediaType := fs.String("type", "", "media types, comma-separated (\"image/\" for every image type)")
	fs.StringVar(&f.PathPrefix, "path", "", "a path inside the leak starts with this")
	fs.StringVar(&f.From, "from", "", "a mail sender contains this")
	fs.StringVar(&f.To, "to", "", "a mail recipient (To or Cc) contains this")
	after := fs.String("after", "", "mail dated on or after this day (YYYY-MM-DD)")
	before := fs.String("before", "", "mail dated before this day (YYYY-MM-DD)")
	status := fs.String("status", "", "document statuses, comma-separated (ok, skipped, error)")
	finding := fs.String("has-finding", "", "yes: only evidence of a finding; no: none")
	if err := parseFlags(fs, reorderFlags(args)); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf(`search needs a QUERY, e.g. antidote search '"weeping angel" OR implant'`)
	}
	q, err := search.Parse(strings.Join(fs.Args(), " "))
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("query: %w", err))
	}
	if *mediaType != "" {
		f.MediaTypes = strings.Split(*mediaType, ",")
	}
	if *status != "" {
		f.Statuses = strings.Split(*status, ",")
	}
	for _, d := range []struct {
		flag string
		dst  *time.Time
	}{{*after, &f.After}, {*before, &f.Before}} {
		if d.flag == "" {
			continue
		}
		if *d.dst, err = time.Parse(time.DateOnly, d.flag); err != nil {
			return usageErrorf("--after and --before take a day as YYYY-MM-DD, not %q", d.flag)
		}
	}
	switch *finding {
	case "":
	case "yes", "no":
		v := *finding == "yes"
		f.HasFinding = &v
	default:
		return usageErrorf("--has-finding takes yes or no")
	}
	if *limit <= 0 || *offset < 0 {
		return usageErrorf("--limit must be positive and --offset not negative")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.record(ctx, "search", "", []byte(strings.Join(fs.Args(), " "))); err != nil {
		return err
	}
	res, err := search.NewEngine(ws.store, search.TermKey(ws.keys.MAC("index").Sum)).Search(ctx, q, search.Options{Limit: *limit, Offset: *offset, Filter: f})
	if err != nil {
		return err
	}
	if *jsonOut {
		out := struct {
			*search.Results
			Offset int `json:"offset"`
		}{res, *offset}
		if out.Hits == nil {
			out.Hits = []search.Hit{}
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	for _, h := range res.Hits {
		fmt.Fprintf(e.stdout, "doc %d  %.2f  %s\n", h.Doc, h.Score, strings.Join(h.Paths, " | "))
		for _, s := range h.Snippets {
			fmt.Fprintf(e.stdout, "    %s\n", s.Marked())
		}
	}
	switch {
	case res.Total == 0:
		fmt.Fprintln(e.stdout, "no document matches")
	case *offset+len(res.Hits) < res.Total:
		fmt.Fprintf(e.stdout, "%d documents match; showing %d-%d (next page: --offset %d)\n", res.Total, *offset+1, *offset+len(res.Hits), *offset+*limit)
	default:
		fmt.Fprintf(e.stdout, "%d documents match\n", res.Total)
	}
	return nil
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "verify") {
		return usageErrorf("usage: antidote audit list [--json] | antidote audit verify")
	}
	sub := args[0]
	fs := newFlagSet(e, "audit "+sub, "audit "+sub)
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per event (list)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if sub == "verify" {
		head, herr := ws.readHead()
		if herr != nil && !errors.Is(herr, os.ErrNotExist) {
			return fmt.Errorf("read audit head %s: %w", auditHeadFile, herr)
		}
		n, err := ws.audit.VerifyHead(ctx, head)
		if err != nil {
			return fmt.Errorf("audit log verification failed after %d events: %w", n, err)
		}
		fmt.Fprintf(e.stdout, "Audit log intact: %d events, chain verified.\n", n)
		return ws.record(ctx, "audit.verify", "", nil)
	}
	if err := ws.record(ctx, "audit.list", "", nil); err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	return ws.audit.List(ctx, func(ev auditEvent) error {
		if *jsonOut {
			return enc.Encode(map[string]any{"seq": ev.Seq, "at": ev.At, "actor": ev.Actor, "action": ev.Action, "target": ev.Target})
		}
		_, err := fmt.Fprintf(e.stdout, "%6d  %s  %-12s  %-14s  %s\n", ev.Seq, ev.At.Format(time.RFC3339), ev.Actor, ev.Action, ev.Target)
		return err
	})
}

type auditEvent = audit.Event

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
