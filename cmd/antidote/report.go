package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"antidote/internal/redact"
)

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", "report [--json | --csv] [workspace flags]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print the report as JSON: totals and one entry per document")
	csvOut := fs.Bool("csv", false, "print the report as CSV: section,key,detail,found,redacted")
	top := fs.Int("top", 20, "rows per table in the text report")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *jsonOut && *csvOut {
		return usageErrorf("usage: antidote report [--json | --csv]")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	rep, err := ws.Report(ctx, ws.actor)
	if err != nil {
		return err
	}
	if len(rep.Documents) == 0 {
		return fmt.Errorf("no document of this workspace has been redacted: run 'antidote redact --all' first")
	}
	switch {
	case *jsonOut:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case *csvOut:
		return writeReportCSV(e.stdout, rep)
	}
	return writeReportText(e.stdout, rep, *top)
}

// thousands formats n with comma separators: 78,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func pct(n, of int64) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

type kv struct {
	key    string
	detail string
	n      int64
}

func sortedCounts(m map[string]int64) []kv {
	var out []kv
	for k, v := range m {
		out = append(out, kv{key: k, n: v})
	}
	slices.SortFunc(out, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	return out
}

func sortedASNs(m map[string]redact.ASNCount) []kv {
	var out []kv
	for k, v := range m {
		out = append(out, kv{key: k, detail: v.Org, n: v.Count})
	}
	slices.SortFunc(out, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	return out
}

func writeReportText(w io.Writer, rep redact.Report, top int) error {
	t := rep.Total
	ips := t.Types["ipv4"].Found + t.Types["ipv6"].Found
	fmt.Fprintf(w, "%s identifiers in %d documents, %s replaced.\n", thousands(t.Found), len(rep.Documents), thousands(t.Redacted))
	if countries := sortedCounts(t.Countries); ips > 0 && len(countries) > 0 {
		fmt.Fprintf(w, "%s IP addresses, %s in %s (%s of public addresses).\n", thousands(ips), thousands(countries[0].n), countries[0].key, pct(countries[0].n, t.Scopes["public"]))
	} else if ips > 0 {
		fmt.Fprintf(w, "%s IP addresses.\n", thousands(ips))
	}
	fmt.Fprintf(w, "\n%-18s %12s %12s\n", "TYPE", "FOUND", "REPLACED")
	var types []string
	for k := range t.Types {
		types = append(types, k)
	}
	slices.Sort(types)
	for _, k := range types {
		fmt.Fprintf(w, "%-18s %12s %12s\n", kindLabel(k), thousands(t.Types[k].Found), thousands(t.Types[k].Redacted))
	}
	table := func(title string, rows []kv, total int64) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%-40s %12s %6s\n", title, "ADDRESSES", "SHARE")
		for i, r := range rows {
			if i == top {
				fmt.Fprintf(w, "... %d more\n", len(rows)-top)
				break
			}
			label := r.key
			if r.detail != "" {
				label += " " + r.detail
			}
			fmt.Fprintf(w, "%-40s %12s %6s\n", trunc(label, 40), thousands(r.n), pct(r.n, total))
		}
	}
	table("SCOPE", sortedCounts(t.Scopes), ips)
	table("COUNTRY (public addresses)", sortedCounts(t.Countries), t.Scopes["public"])
	table("AUTONOMOUS SYSTEM (public addresses)", sortedASNs(t.ASNs), t.Scopes["public"])
	// The documents with the most identifiers first, --top of them.
	docs := slices.Clone(rep.Documents)
	slices.SortStableFunc(docs, func(a, b redact.DocumentStats) int { return cmp.Compare(b.Found, a.Found) })
	fmt.Fprintf(w, "\n%-50s %10s %10s\n", "DOCUMENT", "FOUND", "REPLACED")
	for i, d := range docs {
		if i == top {
			fmt.Fprintf(w, "... %d more (all of them: --json or --csv)\n", len(docs)-top)
			break
		}
		fmt.Fprintf(w, "%-50s %10s %10s\n", trunc(d.Document, 50), thousands(d.Found), thousands(d.Redacted))
	}
	return nil
}

func writeReportCSV(w io.Writer, rep redact.Report) error {
	cw := csv.NewWriter(w)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	rows := [][]string{{"section", "key", "detail", "found", "redacted"}}
	t := rep.Total
	rows = append(rows, []string{"total", "identifiers", "", n(t.Found), n(t.Redacted)})
	var types []string
	for k := range t.Types {
		types = append(types, k)
	}
	slices.Sort(types)
	for _, k := range types {
		rows = append(rows, []string{"type", k, "", n(t.Types[k].Found), n(t.Types[k].Redacted)})
	}
	for _, r := range sortedCounts(t.Scopes) {
		rows = append(rows, []string{"scope", r.key, "", n(r.n), ""})
	}
	for _, r := range sortedCounts(t.Countries) {
		rows = append(rows, []string{"country", r.key, "", n(r.n), ""})
	}
	for _, r := range sortedASNs(t.ASNs) {
		rows = append(rows, []string{"asn", r.key, r.detail, n(r.n), ""})
	}
	for _, d := range rep.Documents {
		rows = append(rows, []string{"document", d.Document, "", n(d.Found), n(d.Redacted)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
