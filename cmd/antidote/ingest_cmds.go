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

	"antidote/internal/extract"
	"antidote/internal/extract/sandbox"
	"antidote/internal/ingest"
	"antidote/internal/secret"
	"antidote/internal/workspace"
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
	fs := newFlagSet(e, "ingest", "ingest [--password-file F | --ask-password | --password P]... [flags] PATH...")
	w := addWorkspaceFlags(fs)
	var passwords, passwordFiles stringList
	fs.Var(&passwords, "password", "password for encrypted archives (repeatable; each is tried in turn). UNSAFE: visible to every user in 'ps' and kept in shell history; prefer --password-file or --ask-password")
	fs.Var(&passwordFiles, "password-file", "file of passwords for encrypted archives, one per line (safe: keep it mode 0600); repeatable")
	askPassword := fs.Bool("ask-password", false, "ask for an archive password on the terminal, not echoed (safe)")
	maxDepth := fs.Int("max-depth", extract.DefaultMaxDepth, "how deep to recurse into archives and attachments")
	maxTotal := byteSize(extract.DefaultMaxTotalBytes)
	fs.Var(&maxTotal, "max-expanded", "cap on bytes expanded from one input (archive bomb guard)")
	maxRatio := fs.Float64("max-ratio", extract.DefaultMaxRatio, "cap on an archive member's expansion ratio (archive bomb guard)")
	maxMember := byteSize(extract.DefaultMaxMemberBytes)
	fs.Var(&maxMember, "max-member", "largest archive member read into memory")
	maxText := byteSize(extract.DefaultMaxTextBytes)
	fs.Var(&maxText, "max-text", "most extracted text kept per document; longer text is cut and reported (a rerun with a higher limit reads it whole)")
	ocr := fs.String("ocr", "eng", "Tesseract languages to recognise text in images and scanned PDF pages, e.g. eng,deu; 'none' turns OCR off")
	noSandbox := fs.Bool("no-sandbox", false, "run external extractors (Tesseract) without the bubblewrap sandbox (rlimits and deadline only)")
	jsonOut := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("ingest needs at least one PATH (file, directory or archive)")
	}
	for _, p := range fs.Args() {
		if _, err := os.Lstat(p); err != nil {
			return fmt.Errorf("ingest %s: %w; check the path (nothing was ingested)", p, unwrapPathError(err))
		}
	}
	var ocrLangs []string
	if *ocr != "none" && *ocr != "" {
		ocrLangs = strings.Split(*ocr, ",")
	}
	var opts ingest.Options
	for _, p := range passwords {
		opts.Extract.Passwords = append(opts.Extract.Passwords, secret.NewString(p))
	}
	for _, f := range passwordFiles {
		ps, err := readPasswordFile(f)
		if err != nil {
			return err
		}
		opts.Extract.Passwords = append(opts.Extract.Passwords, ps...)
	}
	if *askPassword {
		p, err := promptPassphrase(e, "Archive password: ")
		if errors.Is(err, errLocked) {
			return usageErrorf("--ask-password needs a terminal; use --password-file")
		}
		if err != nil {
			return err
		}
		opts.Extract.Passwords = append(opts.Extract.Passwords, secret.NewString(p.Reveal()))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	opts.Extract.MaxDepth = *maxDepth
	opts.Extract.MaxTotalBytes = int64(maxTotal)
	opts.Extract.MaxRatio = *maxRatio
	opts.Extract.MaxMemberBytes = int64(maxMember)
	opts.Extract.MaxTextBytes = int64(maxText)
	opts.Extract.OCR = ocrLangs
	if *noSandbox {
		opts.Engines.Sandbox.Mode = sandbox.Off
	}
	var pr *progressPrinter
	if !*quiet {
		pr = newProgressPrinter(e.stderr)
		opts.Progress = pr.print
	}
	if e.tuneIngest != nil {
		e.tuneIngest(&opts)
	}
	sum, runErr := ws.Ingest(ctx, ws.actor, fs.Args(), opts)
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
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "Ingested %d inputs: %d documents (%d new, %d already stored%s), %d new paths, %s read in %s.\n",
			sum.Inputs, sum.Documents, sum.New, sum.Duplicates, otherDocs(sum), sum.NewPaths, humanBytes(sum.Bytes), sum.Elapsed.Round(time.Millisecond))
		for _, p := range sum.Skipped {
			fmt.Fprintf(e.stdout, "  %s %s: %s%s\n", p.Status, p.Path, p.Reason, reasonAdvice(p.Reason))
		}
	}
	if len(sum.Skipped) > 0 {
		advice := "rerun the same command after fixing the cause to retry just those"
		for _, p := range sum.Skipped {
			if strings.HasPrefix(p.Reason, "encrypted and not opened") {
				advice = "rerun the same command with the passwords (--password-file F or --ask-password) to retry just those"
				break
			}
		}
		return withExit(exitPartial, fmt.Errorf("%d %s skipped (listed above); the rest is ingested; %s", len(sum.Skipped), plural(len(sum.Skipped), "document was", "documents were"), advice))
	}
	return nil
}

// reasonAdvice is what to do about a stored reason, in the CLI's words (the
// stored reason itself speaks the domain, for every front end).
func reasonAdvice(reason string) string {
	if strings.Contains(reason, "encrypted and not opened") {
		return " (give its password: --password-file F, --ask-password or --password P)"
	}
	return ""
}

// otherDocs names the documents neither new nor already stored: those an
// earlier run left incomplete and this one finished, so the summary adds up.
func otherDocs(sum ingest.Summary) string {
	if sum.Retried == 0 {
		return ""
	}
	return fmt.Sprintf(", %d retried", sum.Retried)
}

// progressPrinter draws a progress bar on a terminal and plain lines elsewhere.
type progressPrinter struct {
	w    io.Writer
	tty  bool
	last time.Time
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
	eta := etaOf(pr, rate)
	frac := 1.0
	if pr.TotalBytes > 0 {
		frac = min(float64(pr.Bytes)/float64(pr.TotalBytes), 1)
	}
	line := fmt.Sprintf("files %d/%d  docs %d  %s/%s  %s/s  ETA %s",
		pr.Files, pr.TotalFiles, pr.Docs, humanBytes(pr.Bytes), humanBytes(pr.TotalBytes), humanBytes(int64(rate)), eta)
	drawProgress(p.w, p.tty, frac, line, pr.Done)
}

// etaOf estimates the time left from the input bytes still to read at the
// rate so far ("--" until there is a rate).
func etaOf(pr ingest.Progress, rate float64) string {
	if rate <= 0 || pr.TotalBytes <= pr.Bytes {
		return "--"
	}
	left := time.Duration(float64(pr.TotalBytes-pr.Bytes) / rate * float64(time.Second))
	return left.Round(time.Second).String()
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

func cmdDocs(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: antidote docs list|show|text|get ...; run 'antidote help docs SUBCOMMAND' for its flags")
	}
	one := func(sub string) subcommand {
		return func(ctx context.Context, e *env, args []string) error { return cmdDocsOne(ctx, e, sub, args) }
	}
	return dispatch(ctx, e, "docs", args, map[string]subcommand{"list": cmdDocsList, "show": one("show"), "text": one("text"), "get": one("get")})
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
	enc := json.NewEncoder(e.stdout)
	if !*jsonOut {
		fmt.Fprintf(e.stdout, "%6s  %-7s  %-28s  %10s  %10s  %6s  %s\n", "ID", "STATUS", "TYPE", "SIZE", "TEXT", "PARENT", "PATH")
	}
	return ws.ListDocs(ctx, ws.actor, func(j workspace.DocInfo) error {
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
	noDoc := func(err error) error {
		if errors.Is(err, workspace.ErrNotFound) {
			return fmt.Errorf("no document %d in this workspace (see 'antidote docs list')", id)
		}
		return err
	}
	switch sub {
	case "show":
		j, err := ws.Doc(ctx, ws.actor, id)
		if err != nil {
			return noDoc(err)
		}
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
		if j.OCR != "" {
			pages := ""
			if len(j.OCRPages) > 0 {
				pages = fmt.Sprintf(", pages %s", strings.Trim(fmt.Sprint(j.OCRPages), "[]"))
			}
			fmt.Fprintf(e.stdout, "ocr:        read by OCR (%s)%s\n", j.OCR, pages)
		}
		for i, p := range j.Paths {
			parent := ""
			if j.PathParents[i] != 0 {
				parent = fmt.Sprintf(" (inside document %d)", j.PathParents[i])
			}
			fmt.Fprintf(e.stdout, "path:       %s%s\n", p, parent)
		}
		return nil
	case "text":
		d, text, err := ws.DocText(ctx, ws.actor, id)
		if err != nil {
			return noDoc(err)
		}
		if len(text) == 0 {
			why := d.Status
			if d.Reason != "" {
				why += ": " + d.Reason
			}
			fmt.Fprintf(e.stderr, "antidote: document %d has no extracted text (%s)\n", id, why)
			return nil
		}
		_, err = e.stdout.Write(text)
		return err
	}
	r, err := ws.Original(ctx, ws.actor, id)
	if err != nil {
		return noDoc(err)
	}
	defer r.Close()
	return writeOriginal(e, id, r, *out, *force)
}

// writeOriginal copies a document's original bytes to out ("-": standard
// output), refusing to overwrite an existing file unless force.
func writeOriginal(e *env, id int64, r io.Reader, out string, force bool) error {
	var w io.Writer = e.stdout
	var f *os.File
	var err error
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
	_, err = io.Copy(w, r)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}
	if err != nil {
		return fmt.Errorf("write original of document %d: %w", id, err)
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
			pos = append(pos, args[i:]...) // "--" stays: what follows is no flag
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
	limit := fs.Int("limit", workspace.DefaultSearchLimit, fmt.Sprintf("hits per page (at most %d)", workspace.MaxSearchLimit))
	offset := fs.Int("offset", 0, "hits to skip (the next page starts at offset+limit)")
	var f workspace.SearchFilter
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
	query := strings.Join(fs.Args(), " ")
	if err := workspace.ParseQuery(query); err != nil {
		return withExit(exitUsage, err)
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
		t, err := time.Parse(time.DateOnly, d.flag)
		if err != nil {
			return usageErrorf("--after and --before take a day as YYYY-MM-DD, not %q", d.flag)
		}
		*d.dst = t
	}
	switch *finding {
	case "":
	case "yes", "no":
		v := *finding == "yes"
		f.HasFinding = &v
	default:
		return usageErrorf("--has-finding takes yes or no")
	}
	if *limit <= 0 || *limit > workspace.MaxSearchLimit || *offset < 0 {
		return usageErrorf("--limit takes 1 to %d hits and --offset cannot be negative", workspace.MaxSearchLimit)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	res, err := ws.Search(ctx, ws.actor, workspace.SearchRequest{Query: query, Limit: *limit, Offset: *offset, Filter: f})
	if err != nil {
		return err
	}
	if *jsonOut {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	for _, h := range res.Hits {
		fmt.Fprintf(e.stdout, "doc %d  %.2f  %s\n", h.Doc, h.Score, strings.Join(h.Paths, " | "))
		for _, s := range h.Snippets {
			fmt.Fprintf(e.stdout, "    %s\n", s.Marked())
		}
	}
	if *offset+len(res.Hits) < res.Total {
		fmt.Fprintf(e.stdout, "%d documents match; showing %d-%d (next page: --offset %d)\n", res.Total, *offset+1, *offset+len(res.Hits), *offset+*limit)
	} else {
		fmt.Fprintf(e.stdout, "%d documents match\n", res.Total)
	}
	return nil
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(e.stdout, "usage: antidote audit list|verify|checkpoint [flags]\nRun 'antidote help audit SUBCOMMAND' for its flags.")
		return nil
	}
	const use = "usage: antidote audit list [--json] | antidote audit verify [--checkpoint FILE] | antidote audit checkpoint"
	if len(args) == 0 || (args[0] != "list" && args[0] != "verify" && args[0] != "checkpoint") {
		return usageErrorf(use)
	}
	sub := args[0]
	fs := newFlagSet(e, "audit "+sub, "audit "+sub)
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per event (list)")
	cpFile := fs.String("checkpoint", "", "verify: also prove the log against a checkpoint printed earlier by 'antidote audit checkpoint'")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf(use)
	}
	if *cpFile != "" && sub != "verify" {
		return usageErrorf("--checkpoint goes with 'audit verify'")
	}
	var ws *session
	var err error
	if sub == "verify" {
		// verify checks the head itself, and can set it again from a
		// checkpoint when it is missing.
		l, keys, kerr := unlockKeys(ctx, e, w)
		if kerr != nil {
			return kerr
		}
		wsp, oerr := l.Open(ctx, keys, workspace.OpenOptions{Database: w.database, AuditRecovery: true})
		if oerr != nil {
			return oerr
		}
		ws, err = &session{Workspace: wsp, actor: w.actor(e)}, nil
	} else {
		ws, err = openWorkspace(ctx, e, w)
	}
	if err != nil {
		return err
	}
	defer ws.Close()
	switch sub {
	case "verify":
		if *cpFile != "" {
			b, err := os.ReadFile(*cpFile)
			if err != nil {
				return fmt.Errorf("read checkpoint: %w", err)
			}
			cp, err := workspace.ParseCheckpoint(b)
			if err != nil {
				return err
			}
			p, err := ws.AuditVerifyCheckpoint(ctx, ws.actor, cp)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Audit log intact: %d events, chain verified; event %d of the checkpoint (%s) is in the log unchanged: nothing up to it was removed or changed.\n",
				p.Events, p.Checkpoint, cp.At.Format(time.RFC3339))
			if p.Reanchored {
				fmt.Fprintf(e.stderr, "antidote: the audit head was missing or damaged; it now stands at event %d. Events after the checkpoint are vouched for by the chain only: take a new checkpoint.\n", p.Events)
			}
			return nil
		}
		n, err := ws.AuditVerify(ctx, ws.actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Audit log intact: %d events, chain verified.\n", n)
		return nil
	case "checkpoint":
		cp, err := ws.AuditCheckpoint(ctx, ws.actor)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, cp.String())
		fmt.Fprintln(e.stderr, "Keep this line outside the workspace (print it, mail it, file it); 'antidote audit verify --checkpoint FILE' proves later that nothing up to it was removed or changed.")
		return nil
	}
	enc := json.NewEncoder(e.stdout)
	return ws.AuditList(ctx, ws.actor, func(ev workspace.AuditEvent) error {
		if *jsonOut {
			return enc.Encode(map[string]any{"seq": ev.Seq, "at": ev.At, "actor": ev.Actor, "action": ev.Action, "target": ev.Target})
		}
		_, err := fmt.Fprintf(e.stdout, "%6d  %s  %-12s  %-14s  %s\n", ev.Seq, ev.At.Format(time.RFC3339), ev.Actor, ev.Action, ev.Target)
		return err
	})
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readPasswordFile reads archive passwords, one per line (blank lines and
// a final newline ignored; other white space is part of a password).
func readPasswordFile(path string) ([]secret.String, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read password file: %w", err)
	}
	defer clear(b)
	var out []secret.String
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			out = append(out, secret.NewString(line))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("password file %s holds no password", path)
	}
	return out, nil
}
