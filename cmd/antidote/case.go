package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

func cmdCase(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "case", args, map[string]subcommand{
		"open": cmdCaseOpen, "list": cmdCaseList, "show": cmdCaseShow,
		"notify": cmdCaseNotify, "status": cmdCaseStatus, "public": cmdCasePublic,
		"timeline": cmdCaseTimeline,
	})
}

func cmdCaseOpen(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case open", "case open FINDING --vendor VENDOR[:PRODUCT]... [--at TIME] [--json]")
	w := addWorkspaceFlags(fs)
	var vendors stringList
	fs.Var(&vendors, "vendor", "vendor to coordinate with, optionally VENDOR:PRODUCT (repeatable); a product's downstream makers join automatically")
	var when timeFlag
	fs.Var(&when, "at", "when the case was opened (default now)")
	jsonOut := fs.Bool("json", false, "print the case as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if len(vendors) == 0 {
		return usageErrorf("usage: antidote case open FINDING --vendor VENDOR[:PRODUCT]...")
	}
	fid, err := oneID(fs, "finding ID", "case open FINDING --vendor VENDOR[:PRODUCT]...")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	f, err := ws.store.Finding(ctx, fid)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("finding %d", fid), "finding list")
	}
	if f.State != findings.Accepted {
		return withExit(exitUsage, fmt.Errorf("finding %d is %s: only an accepted finding is coordinated ('antidote finding accept %d')", fid, f.State, fid))
	}
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	at := when.or(time.Now())
	c := cases.Case{Finding: fid, Opened: at, OpenedBy: ws.actor}
	seen := map[cases.Target]bool{}
	addTarget := func(t cases.Target) {
		if !seen[t] {
			seen[t] = true
			c.Targets = append(c.Targets, t)
		}
	}
	for _, ref := range vendors {
		t, err := cat.target(ref)
		if err != nil {
			return err
		}
		addTarget(t)
		if p, ok := cat.prodByID[t.Product]; ok && p.Vendor == t.Vendor {
			for _, m := range p.Downstream {
				addTarget(cases.Target{Vendor: m, Product: p.ID})
			}
		}
	}
	opened := cases.Event{At: at, Actor: ws.actor, Kind: cases.EventNote, Note: "case opened"}
	id, err := ws.store.OpenCase(ctx, c, []cases.Event{opened})
	if err != nil {
		return err
	}
	c.ID = id
	if err := ws.record(ctx, "case.open", fmt.Sprintf("case %d", id), auditDetail(map[string]any{"finding": fid, "targets": len(c.Targets)})); err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, c)
	}
	var names []string
	for _, t := range c.Targets {
		names = append(names, targetName(cat, t))
	}
	fmt.Fprintf(e.stdout, "Opened case %d for finding %d with %s\n", id, fid, strings.Join(names, ", "))
	fmt.Fprintf(e.stdout, "Clocks start when you notify: 'antidote case notify %d'\n", id)
	return nil
}

func targetName(cat *catalog, t cases.Target) string {
	if t.Product == 0 {
		return cat.vendorName(t.Vendor)
	}
	return cat.vendorName(t.Vendor) + ":" + cat.productName(t.Product)
}

// addEvent appends e to its case after checking it against the timeline
// inside the store's transaction.
func addEvent(ctx context.Context, ws *workspace, e cases.Event) (int64, error) {
	return ws.store.AddCaseEvent(ctx, e, func(c cases.Case, tl []cases.Event) error {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return err
		}
		if err := st.Apply(e); err != nil {
			return withExit(exitUsage, err)
		}
		return nil
	})
}

func cmdCaseNotify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case notify", "case notify CASE [--vendor VENDOR[:PRODUCT]]... [--at TIME] [--note TEXT]")
	w := addWorkspaceFlags(fs)
	var vendors stringList
	fs.Var(&vendors, "vendor", "who was notified (repeatable; default: every party not yet notified)")
	var when timeFlag
	fs.Var(&when, "at", "when the notification was sent (default now); the embargo clock starts here")
	note := fs.String("note", "", "how and to whom (stored sealed)")
	jsonOut := fs.Bool("json", false, "print the recorded events as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	cid, err := oneID(fs, "case ID", "case notify CASE [--vendor VENDOR[:PRODUCT]]...")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	c, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	var targets []cases.Target
	for _, ref := range vendors {
		t, err := cat.target(ref)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return err
		}
		for _, ts := range st.Targets {
			if ts.Status == cases.NotNotified {
				targets = append(targets, ts.Target)
			}
		}
		if len(targets) == 0 {
			return withExit(exitUsage, fmt.Errorf("every party of case %d has been notified; name one with --vendor to record a reminder", cid))
		}
	}
	at := when.or(time.Now())
	var done []cases.Event
	for _, t := range targets {
		ev := cases.Event{Case: cid, At: at, Actor: ws.actor, Kind: cases.EventStatus, Target: t, Status: cases.Notified, Note: *note}
		items, warn, err := noticeMail(ctx, ws, cat, c, tl, t, at)
		if err != nil {
			return fmt.Errorf("notify %s: compose the notice: %w", targetName(cat, t), err)
		}
		if warn != "" {
			fmt.Fprintf(e.stderr, "warning: %s\n", warn)
		}
		seq, queued, err := addEventWithMail(ctx, ws, ev, items)
		if err != nil {
			return fmt.Errorf("notify %s: %w", targetName(cat, t), err)
		}
		if queued > 0 && !*jsonOut {
			fmt.Fprintf(e.stdout, "Case %d: %d notice(s) to %s queued, encrypted; 'antidote mail send' delivers them\n", cid, queued, targetName(cat, t))
		}
		ev.Seq = seq
		done = append(done, ev)
		if err := ws.record(ctx, "case.notify", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"vendor": t.Vendor, "product": t.Product, "at": at})); err != nil {
			return err
		}
	}
	if *jsonOut {
		return printJSON(e.stdout, done)
	}
	for _, ev := range done {
		fmt.Fprintf(e.stdout, "Case %d: %s notified at %s\n", cid, targetName(cat, ev.Target), ev.At.Format(time.RFC3339))
	}
	return nil
}

func cmdCaseStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case status", "case status CASE STATUS --vendor VENDOR[:PRODUCT] [--fixed-version V] [--release-date D] [--patch-level L] [--justification J] [--expected-fix D] [--note TEXT] [--at TIME]")
	w := addWorkspaceFlags(fs)
	vendor := fs.String("vendor", "", "whose status changes: VENDOR or VENDOR:PRODUCT (a downstream maker: MAKER:PRODUCT)")
	fixedVersion := fs.String("fixed-version", "", "fixed: the first version with the fix")
	var release, expected, when timeFlag
	fs.Var(&release, "release-date", "fixed: when the fix was released (default: the event's time)")
	patch := fs.String("patch-level", "", "fix-deployed: the downstream patch level carrying the fix, e.g. 2017-05-01")
	just := fs.String("justification", "", "not-affected: VEX justification (component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist)")
	fs.Var(&expected, "expected-fix", "fix-in-progress: the vendor's announced fix date (may earn the grace period)")
	note := fs.String("note", "", "remark for the timeline (stored sealed)")
	fs.Var(&when, "at", "when it happened (default now)")
	jsonOut := fs.Bool("json", false, "print the recorded event as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *vendor == "" {
		return usageErrorf("usage: antidote case status CASE STATUS --vendor VENDOR[:PRODUCT] (statuses: %s)", statusNames())
	}
	cid, err := parseID("case ID", fs.Arg(0))
	if err != nil {
		return err
	}
	status, err := cases.ParseStatus(fs.Arg(1))
	if err != nil {
		return withExit(exitUsage, err)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	t, err := cat.target(*vendor)
	if err != nil {
		return err
	}
	ev := cases.Event{Case: cid, At: when.or(time.Now()), Actor: ws.actor, Kind: cases.EventStatus, Target: t, Status: status,
		FixedVersion: *fixedVersion, ReleaseDate: release.t, PatchLevel: *patch, Justification: cases.Justification(*just),
		ExpectedFix: expected.t, Note: *note}
	seq, err := addEvent(ctx, ws, ev)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	ev.Seq = seq
	if err := ws.record(ctx, "case.status", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"vendor": t.Vendor, "product": t.Product, "status": status})); err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, ev)
	}
	fmt.Fprintf(e.stdout, "Case %d: %s is now %s\n", cid, targetName(cat, t), status)
	return nil
}

func statusNames() string {
	var xs []string
	for _, s := range cases.Statuses() {
		xs = append(xs, string(s))
	}
	return strings.Join(xs, ", ")
}

func cmdCasePublic(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case public", "case public CASE --evidence URL [--at TIME]")
	w := addWorkspaceFlags(fs)
	evidence := fs.String("evidence", "", "where the details are already public (URL or reference; stored sealed)")
	var when timeFlag
	fs.Var(&when, "at", "since when the details are public (default now)")
	jsonOut := fs.Bool("json", false, "print the recorded event as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*evidence) == "" {
		return usageErrorf("usage: antidote case public CASE --evidence URL: the embargo collapses, so say where the details are")
	}
	cid, err := oneID(fs, "case ID", "case public CASE --evidence URL: the embargo collapses, so say where the details are")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	ev := cases.Event{Case: cid, At: when.or(time.Now()), Actor: ws.actor, Kind: cases.EventPublic, Evidence: *evidence}
	seq, err := addEvent(ctx, ws, ev)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	ev.Seq = seq
	if err := ws.record(ctx, "case.public", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"at": ev.At})); err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, ev)
	}
	fmt.Fprintf(e.stdout, "Case %d: details public since %s; its embargo has collapsed\n", cid, ev.At.Format(time.RFC3339))
	return nil
}

// caseView is a case with the clock of every party at some moment.
type caseView struct {
	ID       int64        `json:"id"`
	Finding  int64        `json:"finding"`
	Title    string       `json:"finding_title,omitempty"`
	Opened   time.Time    `json:"opened"`
	OpenedBy string       `json:"opened_by"`
	PublicAt time.Time    `json:"public_at,omitzero"`
	Evidence string       `json:"public_evidence,omitempty"`
	At       time.Time    `json:"at"`
	Targets  []targetView `json:"targets"`
	Error    string       `json:"error,omitempty"`
}

type targetView struct {
	Vendor        string              `json:"vendor"`
	Product       string              `json:"product,omitempty"`
	Downstream    bool                `json:"downstream,omitempty"`
	Status        cases.Status        `json:"status"`
	Since         time.Time           `json:"since,omitzero"`
	Notified      time.Time           `json:"notified,omitzero"`
	Deadline      time.Time           `json:"deadline,omitzero"`
	DaysLeft      *int                `json:"days_left,omitempty"`
	Basis         string              `json:"basis,omitempty"`
	Resolved      bool                `json:"resolved"`
	FixedVersion  string              `json:"fixed_version,omitempty"`
	ReleaseDate   time.Time           `json:"release_date,omitzero"`
	PatchLevel    string              `json:"patch_level,omitempty"`
	Justification cases.Justification `json:"justification,omitempty"`
	ExpectedFix   time.Time           `json:"expected_fix,omitzero"`
}

func viewCase(cat *catalog, pol cases.Policy, c cases.Case, tl []cases.Event, exploited bool, at time.Time) caseView {
	v := caseView{ID: c.ID, Finding: c.Finding, Opened: c.Opened, OpenedBy: c.OpenedBy, At: at, Targets: []targetView{}}
	st, err := cases.Replay(c, tl, at)
	if err != nil {
		v.Error = err.Error()
	}
	v.PublicAt, v.Evidence = st.PublicAt, st.Evidence
	for _, ts := range st.Targets {
		p := cat.prodByID[ts.Product]
		tv := targetView{Vendor: cat.vendorName(ts.Vendor), Status: ts.Status, Since: ts.Since, Notified: ts.Notified,
			FixedVersion: ts.FixedVersion, ReleaseDate: ts.ReleaseDate, PatchLevel: ts.PatchLevel, Justification: ts.Justification, ExpectedFix: ts.ExpectedFix}
		if ts.Product != 0 {
			tv.Product = cat.productName(ts.Product)
			tv.Downstream = p.ID != 0 && p.Vendor != ts.Vendor
		}
		switch ts.Status {
		case cases.NotAffected, cases.FixDeployed:
			tv.Resolved = true
		case cases.Fixed:
			tv.Resolved = !tv.Downstream
		}
		clock := pol.Clock(ts, p.Class, exploited, st.PublicAt)
		tv.Deadline, tv.Basis = clock.Deadline, clock.Basis
		if d, ok := clock.DaysLeft(at); ok && !tv.Resolved {
			tv.DaysLeft = &d
		}
		v.Targets = append(v.Targets, tv)
	}
	return v
}

func cmdCaseList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case list", "case list [--at TIME] [--json]")
	w := addWorkspaceFlags(fs)
	var when timeFlag
	fs.Var(&when, "at", "count days left at this moment (default now)")
	jsonOut := fs.Bool("json", false, "one JSON object per case")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	at := when.or(time.Now())
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return err
	}
	evs, err := ws.store.CaseEvents(ctx)
	if err != nil {
		return err
	}
	infos, err := ws.store.FindingInfos(ctx)
	if err != nil {
		return err
	}
	exploited := map[int64]bool{}
	for _, f := range infos {
		exploited[f.ID] = f.Exploited
	}
	byCase := map[int64][]cases.Event{}
	for _, ev := range evs {
		byCase[ev.Case] = append(byCase[ev.Case], ev)
	}
	if err := ws.record(ctx, "case.list", "", nil); err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "CASE\tFINDING\tVENDOR\tPRODUCT\tSTATUS\tSINCE\tDEADLINE\tDAYS LEFT")
	}
	for _, c := range cs {
		v := viewCase(cat, pol, c, byCase[c.ID], exploited[c.Finding], at)
		if *jsonOut {
			out.put(v)
			continue
		}
		for _, t := range v.Targets {
			left := "-"
			switch {
			case t.Resolved:
				left = "resolved"
			case t.DaysLeft != nil && *t.DaysLeft <= 0:
				left = "expired"
			case t.DaysLeft != nil:
				left = fmt.Sprint(*t.DaysLeft)
			case t.Status == cases.NotNotified:
				left = "not started"
			}
			prod := t.Product
			if prod == "" {
				prod = "-"
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Finding, t.Vendor, prod, t.Status, fmtDate(t.Since), fmtDate(t.Deadline), left)
		}
	}
	tw.Flush()
	return out.flush()
}

func cmdCaseShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case show", "case show CASE [--at TIME] [--json]")
	w := addWorkspaceFlags(fs)
	var when timeFlag
	fs.Var(&when, "at", "show the case as it stood (or will stand) at this moment")
	jsonOut := fs.Bool("json", false, "print as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	cid, err := oneID(fs, "case ID", "case show CASE")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	c, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return err
	}
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return err
	}
	if err := ws.record(ctx, "case.show", fmt.Sprintf("case %d", cid), nil); err != nil {
		return err
	}
	at := when.or(time.Now())
	v := viewCase(cat, pol, c, tl, f.Exploited, at)
	v.Title = f.Title
	if *jsonOut {
		return printJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "case %d: finding %d, %s\n", v.ID, v.Finding, v.Title)
	fmt.Fprintf(e.stdout, "opened %s by %s\n", v.Opened.Format(time.RFC3339), v.OpenedBy)
	if !v.PublicAt.IsZero() {
		fmt.Fprintf(e.stdout, "details public since %s: %s\n", v.PublicAt.Format(time.RFC3339), v.Evidence)
	}
	if v.Error != "" {
		fmt.Fprintf(e.stdout, "timeline problem: %s\n", v.Error)
	}
	for _, t := range v.Targets {
		name := t.Vendor
		if t.Product != "" {
			name += " " + t.Product
		}
		if t.Downstream {
			name += " (downstream)"
		}
		fmt.Fprintf(e.stdout, "  %s: %s since %s", name, t.Status, fmtDate(t.Since))
		switch {
		case t.FixedVersion != "":
			fmt.Fprintf(e.stdout, ", fixed in %s (released %s)", t.FixedVersion, fmtDate(t.ReleaseDate))
		case t.PatchLevel != "":
			fmt.Fprintf(e.stdout, ", patch level %s", t.PatchLevel)
		case t.Justification != "":
			fmt.Fprintf(e.stdout, ", %s", t.Justification)
		}
		if !t.Deadline.IsZero() && !t.Resolved {
			fmt.Fprintf(e.stdout, "; embargo until %s (%s)", t.Deadline.Format(time.RFC3339), t.Basis)
			if t.DaysLeft != nil {
				fmt.Fprintf(e.stdout, ", %d days left", *t.DaysLeft)
			}
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

func cmdCaseTimeline(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "case timeline", "case timeline CASE [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per event")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	cid, err := oneID(fs, "case ID", "case timeline CASE")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	_, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	if err := ws.record(ctx, "case.timeline", fmt.Sprintf("case %d", cid), nil); err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	for _, ev := range tl {
		if *jsonOut {
			out.put(ev)
			continue
		}
		line := fmt.Sprintf("%s  %-8s %s", ev.At.Format(time.RFC3339), ev.Actor, ev.Kind)
		switch ev.Kind {
		case cases.EventStatus:
			line += fmt.Sprintf(" %s -> %s", targetName(cat, ev.Target), ev.Status)
			if ev.FixedVersion != "" {
				line += " fixed in " + ev.FixedVersion
			}
			if ev.PatchLevel != "" {
				line += " patch level " + ev.PatchLevel
			}
			if ev.Justification != "" {
				line += " " + string(ev.Justification)
			}
			if !ev.ExpectedFix.IsZero() {
				line += " expected fix " + fmtDate(ev.ExpectedFix)
			}
		case cases.EventPublic:
			line += " evidence " + ev.Evidence
		}
		if ev.Note != "" {
			line += ": " + ev.Note
		}
		fmt.Fprintln(e.stdout, line)
	}
	return out.flush()
}
