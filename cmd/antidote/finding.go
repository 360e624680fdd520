package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"antidote/internal/findings"
	"antidote/internal/workspace"
)

func cmdFinding(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "finding", args, map[string]subcommand{
		"add": cmdFindingAdd, "list": cmdFindingList, "show": cmdFindingShow,
		"accept": findingMove(findings.Accepted), "reject": findingMove(findings.Rejected),
		"merge": findingMove(findings.Merged),
		"edit":  cmdFindingEdit, "remove": cmdFindingRemove,
	})
}

func cmdFindings(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "findings", args, map[string]subcommand{"extract": cmdFindingsExtract, "none": cmdFindingsNone})
}

// cmdFindingsNone records that an analyst read documents and found nothing
// to coordinate: the release gate holds back documents nobody examined.
func cmdFindingsNone(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "findings none", "findings none DOC...   (you read these documents and they describe no exploit)")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("usage: antidote findings none DOC... (see 'antidote docs list')")
	}
	var ids []int64
	for _, a := range fs.Args() {
		id, err := parseID("document ID", a)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.MarkNoFindings(ctx, ws.actor, ids); err != nil {
		return notFoundHint(err, "document", "docs list")
	}
	fmt.Fprintf(e.stdout, "Recorded %d %s as examined with no finding (by %s)\n", len(ids), plural(len(ids), "document", "documents"), ws.actor.Name)
	return nil
}

// parseAffected reads VENDOR:PRODUCT[@RANGE], e.g. "Apple:iOS@>=10.0,<10.3.1".
func parseAffected(s string) (findings.Affected, error) {
	vp, rng, _ := strings.Cut(s, "@")
	v, p, ok := strings.Cut(vp, ":")
	if !ok {
		return findings.Affected{}, fmt.Errorf("--affected %q: use VENDOR:PRODUCT[@RANGE], e.g. Apple:iOS@>=10.0,<10.3.1", s)
	}
	r, err := findings.ParseRange(rng)
	if err != nil {
		return findings.Affected{}, err
	}
	return findings.Affected{Vendor: v, Product: p, Versions: r}, nil
}

// parseSource reads DOC:START-END.
func parseSource(s string) (findings.Source, error) {
	bad := fmt.Errorf("--source %q: use DOC:START-END (byte offsets into the document's text)", s)
	d, span, ok := strings.Cut(s, ":")
	a, b, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return findings.Source{}, bad
	}
	doc, err1 := strconv.ParseInt(d, 10, 64)
	start, err2 := strconv.Atoi(a)
	end, err3 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || err3 != nil {
		return findings.Source{}, bad
	}
	return findings.Source{Doc: doc, Start: start, End: end}, nil
}

func cmdFindingAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "finding add", "finding add --title TITLE [--summary S] [--affected VENDOR:PRODUCT[@RANGE]]... [--cve ID]... [--cwe ID]... [--cvss VECTOR]... [--exploited] [--source DOC:START-END]... [--proposed] [--json]")
	w := addWorkspaceFlags(fs)
	title := fs.String("title", "", "short title (stored sealed)")
	summary := fs.String("summary", "", "summary (stored sealed)")
	var affected, cves, cwes, vectors, sources, cpes, purls stringList
	fs.Var(&affected, "affected", "affected product VENDOR:PRODUCT[@RANGE], RANGE like >=10.0,<10.3.1 (repeatable)")
	fs.Var(&cpes, "cpe", "CPE 2.3 name of the affected product in the same position (repeatable)")
	fs.Var(&purls, "purl", "package URL of the affected product in the same position (repeatable)")
	fs.Var(&cves, "cve", "CVE ID (repeatable)")
	fs.Var(&cwes, "cwe", "CWE ID (repeatable)")
	fs.Var(&vectors, "cvss", "CVSS v3.1 or v4.0 vector (repeatable); the score is computed")
	fs.Var(&sources, "source", "document span DOC:START-END describing it (repeatable)")
	exploited := fs.Bool("exploited", false, "exploited in the wild (shortens the embargo)")
	proposed := fs.Bool("proposed", false, "leave it proposed for someone else to review (default: accepted)")
	jsonOut := fs.Bool("json", false, "print the finding as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("finding add takes flags only (quote the --title)")
	}
	now := time.Now().UTC()
	f := findings.Finding{State: findings.Accepted, Title: *title, Summary: *summary, CVEs: cves, CWEs: cwes, Exploited: *exploited, Created: now}
	if *proposed {
		f.State = findings.Proposed
	}
	if len(cpes) > len(affected) || len(purls) > len(affected) {
		return usageErrorf("each --cpe and --purl belongs to an --affected product in the same position")
	}
	for i, a := range affected {
		af, err := parseAffected(a)
		if err != nil {
			return withExit(exitUsage, err)
		}
		if i < len(cpes) {
			af.CPE = cpes[i]
		}
		if i < len(purls) {
			af.PURL = purls[i]
		}
		f.Affected = append(f.Affected, af)
	}
	for _, v := range vectors {
		f.CVSS = append(f.CVSS, findings.Score{Vector: v})
	}
	for _, s := range sources {
		src, err := parseSource(s)
		if err != nil {
			return withExit(exitUsage, err)
		}
		f.Sources = append(f.Sources, src)
	}
	if err := f.Validate(); err != nil {
		return withExit(exitUsage, err)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	f, err = ws.AddFinding(ctx, ws.actor, f)
	if err != nil {
		return notFoundHint(err, "document", "docs list")
	}
	id := f.ID
	if *jsonOut {
		return printJSON(e.stdout, f)
	}
	fmt.Fprintf(e.stdout, "Added finding %d (%s): %s\n", id, f.State, f.Title)
	for _, s := range f.CVSS {
		fmt.Fprintf(e.stdout, "  CVSS %s %.1f %s\n", s.Version, s.Score, s.Severity)
	}
	return nil
}

type findingListJSON struct {
	ID         int64          `json:"id"`
	State      findings.State `json:"state"`
	Title      string         `json:"title"`
	CVEs       []string       `json:"cves"`
	Exploited  bool           `json:"exploited_in_the_wild"`
	Score      float64        `json:"score,omitempty"`
	MergedInto int64          `json:"merged_into,omitempty"`
}

func cmdFindingList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "finding list", "finding list [--state proposed|accepted|rejected|merged] [--json]")
	w := addWorkspaceFlags(fs)
	state := fs.String("state", "", "only findings in this state")
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	var only findings.State
	if *state != "" {
		s, err := findings.ParseState(*state)
		if err != nil {
			return withExit(exitUsage, err)
		}
		only = s
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	all, err := ws.Findings(ctx, ws.actor)
	if err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "ID\tSTATE\tSCORE\tITW\tCVE\tTITLE")
	}
	for _, f := range all {
		if only != "" && f.State != only {
			continue
		}
		j := findingListJSON{ID: f.ID, State: f.State, Title: f.Title, CVEs: f.CVEs, Exploited: f.Exploited, MergedInto: f.MergedInto}
		if j.CVEs == nil {
			j.CVEs = []string{}
		}
		for _, s := range f.CVSS {
			j.Score = max(j.Score, s.Score)
		}
		if *jsonOut {
			if err := out.put(j); err != nil {
				return err
			}
			continue
		}
		score, itw, cve := "-", "-", "-"
		if j.Score > 0 {
			score = strconv.FormatFloat(j.Score, 'f', 1, 64)
		}
		if f.Exploited {
			itw = "yes"
		}
		if len(f.CVEs) > 0 {
			cve = f.CVEs[0]
			if len(f.CVEs) > 1 {
				cve += fmt.Sprintf(" +%d", len(f.CVEs)-1)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.State, score, itw, cve, f.Title)
	}
	tw.Flush()
	return out.flush()
}

func cmdFindingShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "finding show", "finding show ID [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := oneID(fs, "finding ID", "finding show ID")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	f, err := ws.Finding(ctx, ws.actor, id)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("finding %d", id), "finding list")
	}
	excerpts, err := ws.Excerpts(ctx, ws.actor, f)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, struct {
			findings.Finding
			Excerpts []workspace.Excerpt `json:"excerpts,omitempty"`
		}{f, excerpts})
	}
	fmt.Fprintf(e.stdout, "finding %d (%s): %s\n", f.ID, f.State, f.Title)
	if f.MergedInto != 0 {
		fmt.Fprintf(e.stdout, "merged into: finding %d\n", f.MergedInto)
	}
	if f.Summary != "" {
		fmt.Fprintf(e.stdout, "summary: %s\n", f.Summary)
	}
	if f.Exploited {
		fmt.Fprintln(e.stdout, "exploited in the wild: yes")
	}
	for _, a := range f.Affected {
		fmt.Fprintf(e.stdout, "affected: %s %s %s", a.Vendor, a.Product, a.Versions)
		if a.CPE != "" {
			fmt.Fprintf(e.stdout, " %s", a.CPE)
		}
		if a.PURL != "" {
			fmt.Fprintf(e.stdout, " %s", a.PURL)
		}
		fmt.Fprintln(e.stdout)
	}
	if len(f.CVEs) > 0 {
		fmt.Fprintf(e.stdout, "CVE: %s\n", strings.Join(f.CVEs, ", "))
	}
	if len(f.CWEs) > 0 {
		fmt.Fprintf(e.stdout, "CWE: %s\n", strings.Join(f.CWEs, ", "))
	}
	for _, s := range f.CVSS {
		fmt.Fprintf(e.stdout, "CVSS %s: %.1f %s %s\n", s.Version, s.Score, s.Severity, s.Vector)
	}
	for i, s := range f.Sources {
		fmt.Fprintf(e.stdout, "source: document %d bytes %d-%d\n", s.Doc, s.Start, s.End)
		if i < len(excerpts) && excerpts[i].Text != "" {
			x := excerpts[i]
			fmt.Fprintf(e.stdout, "        page %d, line %d: \u201c%s\u201d\n", x.Page, x.Line, x.Text)
		}
	}
	return nil
}

// findingMove accepts, rejects or merges a finding.
func findingMove(to findings.State) subcommand {
	verb := map[findings.State]string{findings.Accepted: "accept", findings.Rejected: "reject", findings.Merged: "merge"}[to]
	return func(ctx context.Context, e *env, args []string) error {
		usage := "finding " + verb + " ID [--json]"
		if to == findings.Merged {
			usage = "finding merge ID --into OTHER [--json]"
		}
		fs := newFlagSet(e, "finding "+verb, usage)
		w := addWorkspaceFlags(fs)
		into := fs.Int64("into", 0, "the finding this one duplicates (merge)")
		jsonOut := fs.Bool("json", false, "print the result as JSON")
		if err := parseArgs(fs, args); err != nil {
			return err
		}
		id, err := oneID(fs, "finding ID", usage)
		if err != nil {
			return err
		}
		if to == findings.Merged && *into <= 0 {
			return usageErrorf("finding merge needs --into OTHER: the finding that survives")
		}
		ws, err := openWorkspace(ctx, e, w)
		if err != nil {
			return err
		}
		defer ws.Close()
		from, err := ws.MoveFinding(ctx, ws.actor, id, to, *into)
		if errors.Is(err, workspace.ErrNotFound) {
			return fmt.Errorf("no finding %d (or %d) in this workspace (see 'antidote finding list')", id, *into)
		}
		if err != nil {
			return err
		}
		if *jsonOut {
			return printJSON(e.stdout, map[string]any{"id": id, "from": from, "state": to, "merged_into": *into})
		}
		msg := fmt.Sprintf("Finding %d: %s -> %s", id, from, to)
		if to == findings.Merged {
			msg += fmt.Sprintf(" into finding %d", *into)
		}
		fmt.Fprintln(e.stdout, msg)
		return nil
	}
}

func cmdFindingsExtract(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "findings extract", "findings extract [--dictionary FILE]... [--doc ID]... [--json]")
	w := addWorkspaceFlags(fs)
	var dicts, docFlags stringList
	fs.Var(&dicts, "dictionary", "JSON file extending the shipped product dictionary (repeatable)")
	fs.Var(&docFlags, "doc", "only this document (repeatable; default: all)")
	jsonOut := fs.Bool("json", false, "one JSON object per proposal")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	srcs := [][]byte{findings.BuiltinDictionary()}
	for _, p := range dicts {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read dictionary: %w", err)
		}
		srcs = append(srcs, b)
	}
	dict, err := findings.NewDictionary(srcs...)
	if err != nil {
		return withExit(exitUsage, err)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	var ids []int64
	for _, d := range docFlags {
		id, err := parseID("document ID", d)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	res, err := ws.ExtractFindings(ctx, ws.actor, dict, ids)
	if err != nil {
		return notFoundHint(err, "document", "docs list")
	}
	out := newJSONLines(e.stdout)
	for _, j := range res.Proposals {
		if *jsonOut {
			if err := out.put(j); err != nil {
				return err
			}
			continue
		}
		mark := "updated"
		if j.New {
			mark = "new"
		}
		fmt.Fprintf(e.stdout, "finding %d (%s): %s, %d documents, %d spans\n", j.ID, mark, j.Title, len(j.Docs), j.Spans)
	}
	nNew, nOld := res.New, res.Old
	if err := out.flush(); err != nil {
		return err
	}
	if !*jsonOut {
		fmt.Fprintf(e.stdout, "Proposed %d new findings and updated %d from %d documents; review them with 'antidote finding list --state proposed'.\n", nNew, nOld, res.Documents)
	}
	return nil
}
