package workspace

import (
	"context"
	"fmt"
	"time"

	"antidote/internal/auth"
	"antidote/internal/store"
)

// Case threads: comments and files. Each vendor of a case has its own
// thread (Vendor), which that vendor reads and writes; 0 is the
// coordinators' internal thread. Comment texts, file names and contents
// are sealed by the store.

// Comment is one message of a case's thread.
type Comment struct {
	ID     int64
	Case   int64
	Vendor int64
	At     time.Time
	Author string
	Text   string
}

// File is a file attached to a case, in a thread like comments.
type File struct {
	ID        int64
	Case      int64
	Vendor    int64
	At        time.Time
	Author    string
	Name      string
	MediaType string
	Size      int64
}

// threadVisible: readers of every case read every thread, a vendor its own.
func threadVisible(a Actor, vendor int64) bool {
	return auth.Allowed(a, auth.CasesRead) || (auth.Allowed(a, auth.VendorCaseRead) && vendor == a.Vendor)
}

// caseVendorsOf returns the vendors of a case the actor may see.
func (ws *Workspace) caseVendorsOf(ctx context.Context, a Actor, cid int64) ([]int64, error) {
	sn, c, err := ws.visibleCase(ctx, a, cid)
	if err != nil {
		return nil, err
	}
	return caseVendors(c, sn.byCase[cid]), nil
}

// Comments returns the threads of a case the actor may read. Comments are
// metadata of the coordination and not audited per read.
func (ws *Workspace) Comments(ctx context.Context, a Actor, cid int64) ([]Comment, error) {
	if _, err := ws.caseVendorsOf(ctx, a, cid); err != nil {
		return nil, err
	}
	cs, err := ws.store.CaseComments(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := []Comment{}
	for _, c := range cs {
		if !threadVisible(a, c.Vendor) {
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, c.At)
		out = append(out, Comment{ID: c.ID, Case: c.Case, Vendor: c.Vendor, At: at, Author: c.Author, Text: c.Text})
	}
	return out, nil
}

// AddComment adds a comment to a case: a vendor to its own thread, a
// coordinator to the thread of m.Vendor (0: internal).
func (ws *Workspace) AddComment(ctx context.Context, a Actor, cid int64, m Comment) (Comment, error) {
	if err := allowAny(a, auth.CasesWrite, auth.VendorCaseComment); err != nil {
		return m, err
	}
	vendors, err := ws.caseVendorsOf(ctx, a, cid)
	if err != nil {
		return m, err
	}
	if !auth.CanComment(a, vendors) {
		return m, allow(a, auth.CasesWrite)
	}
	if !auth.Allowed(a, auth.CasesWrite) {
		m.Vendor = a.Vendor
	}
	m.Case, m.Author, m.At = cid, a.Name, ws.now().UTC()
	m.ID, err = ws.store.AddCaseComment(ctx, store.CaseComment{Case: cid, Vendor: m.Vendor, At: m.At.Format(time.RFC3339Nano), Author: m.Author, Text: m.Text})
	if err != nil {
		return m, err
	}
	return m, ws.record(ctx, a, "case.comment", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"thread": m.Vendor}))
}

func fileOf(f store.CaseFile) File {
	at, _ := time.Parse(time.RFC3339Nano, f.At)
	return File{ID: f.ID, Case: f.Case, Vendor: f.Vendor, At: at, Author: f.Author, Name: f.Name, MediaType: f.MediaType, Size: f.Size}
}

// Files lists a case's attachments the actor may read, without content.
func (ws *Workspace) Files(ctx context.Context, a Actor, cid int64) ([]File, error) {
	if _, err := ws.caseVendorsOf(ctx, a, cid); err != nil {
		return nil, err
	}
	fs, err := ws.store.CaseFiles(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := []File{}
	for _, f := range fs {
		if threadVisible(a, f.Vendor) {
			out = append(out, fileOf(f))
		}
	}
	return out, nil
}

// File returns one attachment with its content; the read is recorded. A
// file of another vendor's thread is not found.
func (ws *Workspace) File(ctx context.Context, a Actor, cid, file int64) (File, []byte, error) {
	if _, err := ws.caseVendorsOf(ctx, a, cid); err != nil {
		return File{}, nil, err
	}
	f, err := ws.store.CaseFileContent(ctx, cid, file)
	if err != nil {
		return File{}, nil, notFound(err, "file %d", file)
	}
	if !threadVisible(a, f.Vendor) {
		return File{}, nil, &NotFoundError{What: fmt.Sprintf("file %d", file)}
	}
	if err := ws.record(ctx, a, "case.file.get", fmt.Sprintf("case %d file %d", cid, file), nil); err != nil {
		return File{}, nil, err
	}
	return fileOf(f), f.Body, nil
}

// AddFile stores an attachment sealed: a vendor's in its own thread.
func (ws *Workspace) AddFile(ctx context.Context, a Actor, cid int64, f File, content []byte) (File, error) {
	if err := allowAny(a, auth.CasesWrite, auth.VendorCaseUpload); err != nil {
		return f, err
	}
	vendors, err := ws.caseVendorsOf(ctx, a, cid)
	if err != nil {
		return f, err
	}
	if !auth.CanUpload(a, vendors) {
		return f, allow(a, auth.CasesWrite)
	}
	if !auth.Allowed(a, auth.CasesWrite) {
		f.Vendor = a.Vendor
	}
	f.Case, f.Author, f.At, f.Size = cid, a.Name, ws.now().UTC(), int64(len(content))
	f.ID, err = ws.store.AddCaseFile(ctx, store.CaseFile{Case: cid, Vendor: f.Vendor, At: f.At.Format(time.RFC3339Nano), Author: f.Author,
		MediaType: f.MediaType, Name: f.Name, Body: content})
	if err != nil {
		return f, err
	}
	return f, ws.record(ctx, a, "case.file.add", fmt.Sprintf("case %d file %d", cid, f.ID), auditDetail(map[string]any{"thread": f.Vendor, "size": f.Size}))
}
