package workspace

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"antidote/internal/cases"
)

// TestVendorSeesOnlyItsOwn holds the vendor's part of the permission table
// in the core, whatever front end calls it: its own cases (another's is
// not found), its own parties in full, the others only in a shared case,
// its own statuses and its own thread.
func TestVendorSeesOnlyItsOwn(t *testing.T) {
	ctx := context.Background()
	ws, at := demoCases(t)
	all, total, err := ws.CasePage(ctx, analyst, CaseQuery{At: at})
	if err != nil || total != len(all) || total < 2 {
		t.Fatalf("analyst's case list: %d of %d, %v", len(all), total, err)
	}
	// A case with two vendors, and a vendor it does not name.
	var shared CaseView
	for _, c := range all {
		if vendorsOf(c) >= 2 {
			shared = c
			break
		}
	}
	if shared.ID == 0 {
		t.Fatal("the demo has no case with two vendors")
	}
	mine, other := shared.Targets[0].VendorID, int64(0)
	for _, tv := range shared.Targets {
		if tv.VendorID != mine {
			other = tv.VendorID
			break
		}
	}
	vendor := Actor{Name: "psirt", Role: RoleVendor, Vendor: mine, Authenticated: true}

	got, n, err := ws.CasePage(ctx, vendor, CaseQuery{At: at, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range all {
		if slices.ContainsFunc(c.Targets, func(tv TargetView) bool { return tv.VendorID == mine }) {
			want++
		} else if _, err := ws.CaseFor(ctx, vendor, c.ID, at); !errors.Is(err, ErrNotFound) {
			t.Errorf("a vendor reads case %d, which does not name it: %v", c.ID, err)
		}
	}
	if n != want || len(got) != 1 {
		t.Errorf("vendor's case list: %d on the page, %d in all, want 1 and %d", len(got), n, want)
	}
	view, err := ws.CaseFor(ctx, vendor, shared.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range view.Targets {
		if tv.VendorID != mine {
			t.Errorf("unshared case: the vendor sees %s", tv.Vendor)
		}
	}
	if view.OpenedBy != "" {
		t.Error("a vendor sees who opened the case")
	}
	// The finding as shared: its cited spans, redacted as Excerpts cuts them.
	fnd, err := ws.Finding(ctx, analyst, shared.Finding)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ws.Excerpts(ctx, analyst, fnd)
	if err != nil || len(ex) == 0 || len(view.Excerpts) != len(ex) || view.Excerpts[0] != ex[0].Text {
		t.Errorf("the vendor's excerpts %q, want the finding's redacted excerpts %+v (%v)", view.Excerpts, ex, err)
	}
	if err := ws.ShareCase(ctx, vendor, shared.ID, true); !errors.Is(err, ErrForbidden) {
		t.Errorf("a vendor shares a case: %v", err)
	}
	if err := ws.ShareCase(ctx, analyst, shared.ID, true); err != nil {
		t.Fatal(err)
	}
	if view, _ = ws.CaseFor(ctx, vendor, shared.ID, at); !slices.ContainsFunc(view.Targets, func(tv TargetView) bool {
		return tv.VendorID == other && tv.Deadline.IsZero() && tv.Status != ""
	}) {
		t.Errorf("shared case: the vendor does not see the other's status alone: %+v", view.Targets)
	}

	// Statuses: its own only, and only what a vendor reports.
	ev := cases.Event{Case: shared.ID, At: at.Add(time.Hour), Status: cases.Acknowledged}
	if _, _, err := ws.SetStatus(ctx, vendor, itoa(other), ev); !errors.Is(err, ErrForbidden) {
		t.Errorf("a vendor sets another's status: %v", err)
	}
	if _, _, err := ws.SetStatus(ctx, vendor, itoa(mine), cases.Event{Case: shared.ID, At: at, Status: cases.Unresponsive}); err == nil {
		t.Error("a vendor calls itself unresponsive")
	}
	if evs, _, err := ws.SetStatus(ctx, vendor, itoa(mine), ev); err != nil || len(evs) == 0 || evs[0].Actor != "psirt" {
		t.Errorf("a vendor acknowledges: %v %v", evs, err)
	}
	if view, _ = ws.CaseFor(ctx, analyst, shared.ID, at.Add(2*time.Hour)); !slices.ContainsFunc(view.Targets, func(tv TargetView) bool {
		return tv.VendorID == mine && tv.Status == cases.Acknowledged
	}) {
		t.Error("the vendor's status does not show in the case (the views were not refreshed)")
	}

	// Threads: a vendor writes to and reads its own.
	before := auditCount(t, ws)
	if _, err := ws.AddComment(ctx, vendor, shared.ID, Comment{Vendor: other, Text: "ours"}); err != nil {
		t.Fatal(err)
	}
	if auditCount(t, ws) != before+1 {
		t.Error("a comment is not audited")
	}
	otherVendor := Actor{Name: "other", Role: RoleVendor, Vendor: other, Authenticated: true}
	if _, err := ws.AddComment(ctx, otherVendor, shared.ID, Comment{Text: "theirs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddComment(ctx, analyst, shared.ID, Comment{Text: "internal"}); err != nil {
		t.Fatal(err)
	}
	ms, err := ws.Comments(ctx, vendor, shared.ID)
	if err != nil || len(ms) != 1 || ms[0].Text != "ours" || ms[0].Vendor != mine {
		t.Errorf("the vendor's thread: %+v %v", ms, err)
	}
	if ms, _ := ws.Comments(ctx, analyst, shared.ID); len(ms) != 3 {
		t.Errorf("the analyst reads %d comments, want 3", len(ms))
	}
	f, err := ws.AddFile(ctx, otherVendor, shared.ID, File{Name: "fix.txt", MediaType: "text/plain"}, []byte("patched"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.File(ctx, vendor, shared.ID, f.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a vendor opens another's file: %v", err)
	}
	if _, body, err := ws.File(ctx, analyst, shared.ID, f.ID); err != nil || string(body) != "patched" {
		t.Errorf("the analyst opens the file: %q %v", body, err)
	}
	if evs, err := ws.CaseEvents(ctx, vendor, shared.ID); err != nil || slices.ContainsFunc(evs, func(e TimelineEvent) bool {
		return e.Target.Vendor == other && (e.Note != "" || e.Kind != cases.EventStatus)
	}) {
		t.Errorf("the vendor's timeline shows another's notes or events: %v", err)
	}
}

// demoCases is a workspace with the demo's findings and cases (two at
// least), and the moment they were coordinated.
func demoCases(t *testing.T) (*Workspace, time.Time) {
	t.Helper()
	ctx := context.Background()
	ws := newWorkspace(t, "")
	at := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
	if _, err := ws.ExtractFindings(ctx, analyst, mustDictionary(t), nil); err != nil {
		t.Fatal(err)
	}
	if res, err := ws.DemoCoordinate(ctx, analyst, at); err != nil || res.Cases < 2 {
		t.Fatalf("DemoCoordinate = %+v, %v", res, err)
	}
	return ws, at
}

func vendorsOf(c CaseView) int {
	seen := map[int64]bool{}
	for _, tv := range c.Targets {
		seen[tv.VendorID] = true
	}
	return len(seen)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCaseViewsVersion: the version names the case views until they may
// have changed: at once after a change through the workspace, within
// snapshotTTL after one made in the store by another process.
func TestCaseViewsVersion(t *testing.T) {
	ctx := context.Background()
	ws, at := demoCases(t)
	clock := at
	ws.now = func() time.Time { return clock }
	all, _, err := ws.CasePage(ctx, analyst, CaseQuery{At: at})
	if err != nil || len(all) == 0 {
		t.Fatalf("case list: %d, %v", len(all), err)
	}
	cid := all[0].ID
	version := func() uint64 {
		t.Helper()
		v, err := ws.CaseViewsVersion(ctx, analyst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	clock = clock.Add(10 * snapshotTTL)
	if v := version(); v != v0 {
		t.Fatalf("nothing changed, yet the version went from %d to %d", v0, v)
	}
	if err := ws.ShareCase(ctx, analyst, cid, true); err != nil {
		t.Fatal(err)
	}
	v1 := version()
	if v1 == v0 {
		t.Fatal("sharing a case through the workspace left the version as it was")
	}
	// Another process writes to the store: seen once snapshotTTL passed.
	if err := ws.store.SetCaseShared(ctx, cid, false, clock.Format(time.RFC3339Nano), "cli"); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v1 {
		t.Fatal("the version was compared with the store before snapshotTTL passed")
	}
	clock = clock.Add(snapshotTTL)
	if v := version(); v == v1 {
		t.Fatal("a change made by another process did not change the version after snapshotTTL")
	}
	if _, err := ws.CaseViewsVersion(ctx, Actor{Name: "nobody"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("no role asks the version: %v", err)
	}
}
