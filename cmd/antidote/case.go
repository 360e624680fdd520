package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"antidote/internal/cases"
	"antidote/internal/workspace"
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
	c, cat, err := ws.OpenCase(ctx, ws.actor, fid, vendors, when.or(time.Now()))
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("finding %d", fid), "finding list")
	}
	id := c.ID
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

func targetName(cat *workspace.Catalog, t cases.Target) string { return cat.TargetName(t) }

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
	res, cat, err := ws.Notify(ctx, ws.actor, cid, vendors, when.or(time.Now()), *note)
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", mailWarning(w))
	}
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	if *jsonOut {
		return printJSON(e.stdout, res.Events)
	}
	for _, m := range res.Mail {
		fmt.Fprintf(e.stdout, "Case %d: %d notice(s) to %s queued, %s; 'antidote mail send' delivers them\n",
			cid, m.Messages, targetName(cat, m.Target), yesNo(m.Encrypted, "encrypted", "signed but NOT encrypted"))
	}
	for _, ev := range res.Events {
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
	ev := cases.Event{Case: cid, At: when.or(time.Now()), Status: status,
		FixedVersion: *fixedVersion, ReleaseDate: release.t, PatchLevel: *patch, Justification: cases.Justification(*just),
		ExpectedFix: expected.t, Note: *note}
	done, cat, err := ws.SetStatus(ctx, ws.actor, *vendor, ev)
	var nn *workspace.NotNotifiedError
	if errors.As(err, &nn) {
		return withExit(exitUsage, fmt.Errorf("%w: notify it first ('antidote case notify %d --vendor %s'), or name a party the case lists ('antidote case show %d')", err, cid, quoteName(*vendor), cid))
	}
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	if *jsonOut {
		if len(done) == 1 {
			return printJSON(e.stdout, done[0])
		}
		return printJSON(e.stdout, done)
	}
	for _, ev := range done {
		fmt.Fprintf(e.stdout, "Case %d: %s is now %s\n", cid, targetName(cat, ev.Target), status)
	}
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
	ev, err := ws.MakePublic(ctx, ws.actor, cid, *evidence, when.or(time.Now()))
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	if *jsonOut {
		return printJSON(e.stdout, ev)
	}
	fmt.Fprintf(e.stdout, "Case %d: details public since %s; its embargo has collapsed\n", cid, ev.At.Format(time.RFC3339))
	return nil
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
	views, err := ws.Cases(ctx, ws.actor, when.or(time.Now()))
	if err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "CASE\tFINDING\tVENDOR\tPRODUCT\tSTATUS\tSINCE\tDEADLINE\tDAYS LEFT")
	}
	for _, v := range views {
		if *jsonOut {
			if err := out.put(v); err != nil {
				return err
			}
			continue
		}
		for _, t := range v.Targets {
			left := "-"
			switch {
			case t.Resolved:
				left = "resolved"
			case t.DaysLeft != nil && !v.PublicAt.IsZero() && t.Deadline.Equal(v.PublicAt):
				left = "public"
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
	v, err := ws.Case(ctx, ws.actor, cid, when.or(time.Now()))
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
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
			fmt.Fprint(e.stdout, daysLeft(t, v.PublicAt))
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
	tl, cat, err := ws.Timeline(ctx, ws.actor, cid)
	if err != nil {
		return notFoundHint(err, fmt.Sprintf("case %d", cid), "case list")
	}
	out := newJSONLines(e.stdout)
	for _, ev := range tl {
		if *jsonOut {
			if err := out.put(ev); err != nil {
				return err
			}
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

// daysLeft says how a party's clock stands: days left, expired how long
// ago, or collapsed because the details are public.
func daysLeft(t workspace.TargetView, publicAt time.Time) string {
	switch {
	case t.DaysLeft == nil:
		return ""
	case !publicAt.IsZero() && t.Deadline.Equal(publicAt):
		return ", details public since " + fmtDate(publicAt)
	case *t.DaysLeft > 1:
		return fmt.Sprintf(", %d days left", *t.DaysLeft)
	case *t.DaysLeft == 1:
		return ", 1 day left"
	case *t.DaysLeft == 0:
		return ", expires today"
	case *t.DaysLeft == -1:
		return ", expired 1 day ago"
	}
	return fmt.Sprintf(", expired %d days ago", -*t.DaysLeft)
}
