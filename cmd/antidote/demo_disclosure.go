package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"antidote/internal/cases"
	"antidote/internal/workspace"
)

// The demo's coordination part mirrors the Vault 7 timeline: the archive
// arrives, the exploits it describes become findings, the vendors named are
// notified on 7 March 2017, and the release plan says what may be published
// when.
const demoNotified = "2017-03-07T12:00:00Z"

// capture runs a subcommand with its standard output collected.
func capture(ctx context.Context, e *env, args ...string) (string, error) {
	var buf bytes.Buffer
	ce := *e
	ce.stdout = &buf
	err := commands()[args[0]].run(ctx, &ce, args[1:])
	return buf.String(), err
}

// show runs a subcommand visibly, after a heading.
func show(ctx context.Context, e, de *env, say string, args ...string) error {
	fmt.Fprintf(e.stdout, "\n== %s\n$ antidote %s\n", say, quoteArgs(args))
	if err := commands()[args[0]].run(ctx, de, args[1:]); err != nil {
		return fmt.Errorf("demo step %q: %w", quoteArgs(args), err)
	}
	return nil
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes a word so that a POSIX shell reads it back unchanged.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func demoDisclosure(ctx context.Context, e, de *env) error {
	if err := show(ctx, e, de, "Propose findings from the exploits the documents describe", "findings", "extract"); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, de, &wsFlags{})
	if err != nil {
		return err
	}
	notified, err := parseWhen(demoNotified)
	if err != nil {
		return err
	}
	res, err := ws.DemoCoordinate(ctx, ws.actor, notified)
	ws.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== The analyst reviews the proposals: %d accepted, %d rejected (no product named)\n", res.Accepted, res.Rejected)
	if err := show(ctx, e, de, fmt.Sprintf("Register the %d vendors the findings name, with their products", len(res.Vendors)), "product", "list"); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== Open a case per finding and notify every vendor on %s: %d cases\n", demoNotified[:10], res.Cases)
	if err := show(ctx, e, de, "Embargo clocks a month later (days left per vendor and product)", "case", "list", "--at", "2017-04-07T00:00:00Z"); err != nil {
		return err
	}
	return show(ctx, e, de, "What could be published on 1 June 2017, and exactly why not", "release", "plan", "--at", "2017-06-01T00:00:00Z")
}

// The demo's release part: the documents are redacted and checked, two
// people approve the ones that passed on 21 August 2017, and the gate is
// asked again on 1 September, after every embargo but the smart TV's.
const (
	demoApproved  = "2017-08-21T09:00:00Z"
	demoReleaseAt = "2017-09-01T00:00:00Z"
)

func demoRelease(ctx context.Context, e, de *env, staff string) error {
	if err := show(ctx, e, de, "Redact every document with the workspace's keyed pseudonyms, staff names included", "redact", "--all", "--names", staff); err != nil {
		return err
	}
	rep, err := capture(ctx, de, "report", "--top", "3")
	if err != nil {
		return err
	}
	if i := strings.Index(rep, "\nDOCUMENT "); i >= 0 {
		rep = strings.TrimRight(rep[:i], "\n") + "\n"
	}
	fmt.Fprintf(e.stdout, "\n== What was redacted (the per-document table left out)\n$ antidote report --top 3\n%s", rep)
	if err := show(ctx, e, de, "Check every redaction with the independent scanner; the release gate counts documents that passed", "verify", "--all", "--names", staff); err != nil {
		return err
	}
	approved, err := parseWhen(demoApproved)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, de, &wsFlags{})
	if err != nil {
		return err
	}
	reviewer := func(name string) workspace.Actor {
		return workspace.Actor{Name: name, Role: workspace.RoleReviewer, Authenticated: true}
	}
	verified, err := ws.DemoApprove(ctx, []workspace.Actor{reviewer("ana"), reviewer("ben")}, approved)
	ws.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== Two people approve each of the %d verified documents on %s\n$ antidote release approve DOC --as ana --at %s   (then --as ben)\n",
		verified, demoApproved[:10], demoApproved)
	plan, err := demoPlan(ctx, de)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== What can be published on %s, now that redactions are verified and approved\n$ antidote release plan --at %s   (summarised)\n", demoReleaseAt[:10], demoReleaseAt)
	var releasable []int64
	blocked := map[string][]int64{}
	var kinds []string
	for _, d := range plan {
		if d.Releasable {
			releasable = append(releasable, d.Doc)
		}
		for i, r := range d.BlockedBy {
			if blockedBy(cases.Decision{BlockedBy: d.BlockedBy[:i]}, r.Kind) {
				continue // one mention per document and kind
			}
			if blocked[r.Kind] == nil {
				kinds = append(kinds, r.Kind)
			}
			blocked[r.Kind] = append(blocked[r.Kind], d.Doc)
		}
	}
	fmt.Fprintf(e.stdout, "release plan at %s: %d of %d documents releasable\n", demoReleaseAt[:10], len(releasable), len(plan))
	fmt.Fprintf(e.stdout, "  releasable: %s\n", docList(releasable))
	for _, k := range kinds {
		fmt.Fprintf(e.stdout, "  blocked by %s: %s\n", k, docList(blocked[k]))
	}
	return nil
}

// demoPlan asks the release gate about every document at demoReleaseAt.
func demoPlan(ctx context.Context, de *env) ([]cases.Decision, error) {
	out, err := capture(ctx, de, "release", "plan", "--json", "--at", demoReleaseAt)
	if err != nil {
		return nil, err
	}
	var plan []cases.Decision
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var d cases.Decision
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("release plan: %w", err)
		}
		plan = append(plan, d)
	}
	return plan, nil
}

func blockedBy(d cases.Decision, kind string) bool {
	for _, r := range d.BlockedBy {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

// docList names documents compactly: "docs 1, 17, 24".
func docList(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	if len(ids) == 1 {
		return "doc " + s[0]
	}
	return "docs " + strings.Join(s, ", ")
}
