package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"antidote/internal/auth"
	"antidote/internal/extract"
	"antidote/internal/store"
)

// DocInfo is a document's metadata and provenance, as listings show it.
type DocInfo struct {
	ID        int64    `json:"id"`
	Paths     []string `json:"paths"`
	SHA256    string   `json:"sha256"`
	MediaType string   `json:"media_type"`
	Charset   string   `json:"charset,omitempty"`
	Size      int64    `json:"size"`
	TextSize  int64    `json:"text_size"`
	Truncated bool     `json:"truncated,omitempty"`
	OCR       string   `json:"ocr,omitempty"`       // languages, when the text was read by OCR
	OCRPages  []int    `json:"ocr_pages,omitempty"` // the pages OCR read, for a PDF
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Parent    *int64   `json:"parent"`
	Parents   []int64  `json:"parents,omitempty"`
	Complete  bool     `json:"complete"`
	// PathParents holds, per path, the document it was found inside (0 for
	// an input given to ingest).
	PathParents []int64 `json:"-"`
}

func docInfo(d store.Doc) DocInfo {
	j := DocInfo{ID: d.ID, SHA256: d.Meta.SHA256, MediaType: d.Meta.MediaType, Charset: d.Meta.Charset, Size: d.Meta.Size,
		TextSize: d.Meta.TextSize, Truncated: d.Meta.Truncated, OCR: d.Meta.OCR, OCRPages: d.Meta.OCRPages, Status: d.Status, Reason: d.Meta.Reason, Complete: d.Complete, Paths: []string{}}
	seen := map[int64]bool{}
	for _, p := range d.Paths {
		j.Paths = append(j.Paths, extract.DisplayPath(p.Path))
		j.PathParents = append(j.PathParents, p.ParentID)
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

// docName is how reports name a workspace document: its id and first path.
func docName(d store.Doc) string {
	name := strconv.FormatInt(d.ID, 10)
	if len(d.Paths) > 0 {
		name += " " + extract.DisplayPath(d.Paths[0].Path)
	}
	return name
}

// allDocs lists every document of the workspace. It collects them first
// so that the caller can read each one's text: SQLite serves one statement
// at a time.
func (ws *Workspace) allDocs(ctx context.Context) ([]store.Doc, error) {
	var docs []store.Doc
	err := ws.store.ListDocs(ctx, func(d store.Doc) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// ListDocs calls fn for every document, in id order.
func (ws *Workspace) ListDocs(ctx context.Context, a Actor, fn func(DocInfo) error) error {
	if err := allow(a, auth.DocsRead); err != nil {
		return err
	}
	if err := ws.record(ctx, a, "docs.list", "", nil); err != nil {
		return err
	}
	return ws.store.ListDocs(ctx, func(d store.Doc) error { return fn(docInfo(d)) })
}

// doc reads one document and records the read as action.
func (ws *Workspace) doc(ctx context.Context, a Actor, id int64, act auth.Action, name string) (store.Doc, error) {
	if err := allow(a, act); err != nil {
		return store.Doc{}, err
	}
	d, err := ws.store.GetDoc(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, err
	}
	return d, ws.record(ctx, a, name, "doc "+strconv.FormatInt(id, 10), nil)
}

// Doc returns one document's metadata and provenance.
func (ws *Workspace) Doc(ctx context.Context, a Actor, id int64) (DocInfo, error) {
	d, err := ws.doc(ctx, a, id, auth.DocsRead, "docs.show")
	return docInfo(d), err
}

// DocText returns a document's extracted text (nil if it has none): the
// unredacted content, so the read is recorded.
func (ws *Workspace) DocText(ctx context.Context, a Actor, id int64) (DocInfo, []byte, error) {
	d, err := ws.doc(ctx, a, id, auth.DocsOriginal, "docs.text")
	if err != nil {
		return docInfo(d), nil, err
	}
	text, err := ws.store.DocText(ctx, id)
	return docInfo(d), text, err
}

// ErrNoOriginal means a document's original bytes were not stored (it was
// never read, e.g. an archive member that no password opened).
var ErrNoOriginal = errors.New("no stored original")

// Original opens a document's original bytes; the read is recorded.
func (ws *Workspace) Original(ctx context.Context, a Actor, id int64) (io.ReadCloser, error) {
	d, err := ws.doc(ctx, a, id, auth.DocsOriginal, "docs.get")
	if err != nil {
		return nil, err
	}
	inline, file, err := ws.store.DocBlob(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if inline == nil && file == "" {
		return nil, fmt.Errorf("document %d has %w (%s)", d.ID, ErrNoOriginal, d.Meta.Reason)
	}
	if inline != nil {
		return io.NopCloser(bytes.NewReader(inline)), nil
	}
	return ws.blobs.Open(file)
}
