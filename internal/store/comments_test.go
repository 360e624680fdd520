package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/store"
)

func TestCaseComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		docs := addDocs(t, s, 1)
		apple, err := s.AddVendor(ctx, cases.Vendor{Name: "Apple", Created: day0})
		if err != nil {
			t.Fatal(err)
		}
		fid, _, err := s.AddFinding(ctx, findings.Finding{State: findings.Accepted, Title: "t", Sources: []findings.Source{{Doc: docs[0], End: 1}}, Created: day0}, []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		cid, err := s.OpenCase(ctx, cases.Case{Finding: fid, Opened: day0, OpenedBy: "ana", Targets: []cases.Target{{Vendor: apple}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := s.CasesVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddCaseEvent(ctx, cases.Event{Case: cid, At: day0.Add(time.Hour), Actor: "ana", Kind: cases.EventStatus,
			Target: cases.Target{Vendor: apple}, Status: cases.Notified}, func(cases.Case, []cases.Event) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if v2, err := s.CasesVersion(ctx); err != nil || v2 == v1 {
			t.Fatalf("case version did not change with an event: %s %s %v", v1, v2, err)
		}
		// Sharing: marked, listed, unmarked; it moves the case version.
		v2, _ := s.CasesVersion(ctx)
		if err := s.SetCaseShared(ctx, cid, true, "2017-03-08T00:00:00Z", "ana"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCaseShared(ctx, cid, true, "2017-03-08T00:00:00Z", "ana"); err != nil {
			t.Fatalf("sharing twice: %v", err)
		}
		if sh, err := s.SharedCases(ctx); err != nil || !sh[cid] || len(sh) != 1 {
			t.Fatalf("shared %v %v", sh, err)
		}
		if v3, _ := s.CasesVersion(ctx); v3 == v2 {
			t.Error("sharing did not change the case version")
		}
		if err := s.SetCaseShared(ctx, cid, false, "", ""); err != nil {
			t.Fatal(err)
		}
		if sh, _ := s.SharedCases(ctx); sh[cid] {
			t.Error("unsharing kept the mark")
		}
		if err := s.SetCaseShared(ctx, 999, true, "x", "y"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("sharing a missing case: %v", err)
		}
		const secretText = "comment-text-83af"
		for i, c := range []store.CaseComment{
			{Case: cid, Vendor: 0, At: "2017-03-08T00:00:00Z", Author: "ana", Text: "internal " + secretText},
			{Case: cid, Vendor: apple, At: "2017-03-09T00:00:00Z", Author: "apple", Text: "patched"},
		} {
			id, err := s.AddCaseComment(ctx, c)
			if err != nil || id <= 0 {
				t.Fatalf("comment %d: %v", i, err)
			}
		}
		cs, err := s.CaseComments(ctx, cid)
		if err != nil || len(cs) != 2 || cs[0].Text != "internal "+secretText || cs[1].Vendor != apple || cs[1].Author != "apple" || cs[1].At != "2017-03-09T00:00:00Z" {
			t.Fatalf("comments %+v %v", cs, err)
		}
		if strings.Contains(dumpColumn(t, s, "SELECT body FROM case_comments"), secretText) {
			t.Fatal("comment text stored in clear")
		}
		if _, err := s.AddCaseComment(ctx, store.CaseComment{Case: 999, At: "x", Author: "a", Text: "t"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("comment on a missing case: %v", err)
		}
		// Files: name and content sealed, listed without content.
		const secretFile = "patch-notes-51c0"
		fidFile, err := s.AddCaseFile(ctx, store.CaseFile{Case: cid, Vendor: apple, At: "2017-03-10T00:00:00Z", Author: "apple", MediaType: "text/plain",
			Name: secretFile + ".txt", Body: []byte("fixed in " + secretFile)})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := s.CaseFiles(ctx, cid)
		if err != nil || len(fs) != 1 || fs[0].Name != secretFile+".txt" || fs[0].Size != int64(len("fixed in "+secretFile)) || fs[0].Body != nil || fs[0].Vendor != apple {
			t.Fatalf("files %+v %v", fs, err)
		}
		f, err := s.CaseFileContent(ctx, cid, fidFile)
		if err != nil || string(f.Body) != "fixed in "+secretFile {
			t.Fatalf("file content %+v %v", f, err)
		}
		if _, err := s.CaseFileContent(ctx, cid+1, fidFile); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a file through another case: %v", err)
		}
		if strings.Contains(dumpColumn(t, s, "SELECT name FROM case_files")+dumpColumn(t, s, "SELECT body FROM case_files"), secretFile) {
			t.Fatal("file stored in clear")
		}

		// Sealed under its row: a body moved to another row does not open.
		if _, err := s.DB().ExecContext(ctx, `UPDATE case_comments SET body = (SELECT body FROM case_comments WHERE author = 'ana') WHERE author = 'apple'`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CaseComments(ctx, cid); err == nil {
			t.Fatal("a swapped comment body opened")
		}
	})
}
