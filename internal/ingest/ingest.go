// Package ingest is antidote's pipeline from leak files to the sealed
// workspace: it walks inputs with extract, deduplicates content by keyed
// hash, seals originals and extracted text, records every provenance path and
// builds the encrypted full-text index, committing in batches so that a run
// killed at any point can simply be run again. It persists through the small
// Store interface below (the store package satisfies it via cmd/antidote)
// and never writes plaintext to disk.
package ingest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"antidote/internal/extract"
	"antidote/internal/search"
)

// Document statuses, as the store records them.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped"
	StatusError   = "error"
)

// Meta is a document's sealed metadata.
type Meta struct {
	SHA256    string
	MediaType string
	Charset   string
	Size      int64
	TextSize  int64
	Truncated bool
	Reason    string
	OCR       string // OCR languages, when some of the text was recognised by OCR
	OCRPages  []int  // PDF pages whose text was recognised by OCR
}

// Doc is what a batch writes for one distinct content.
type Doc struct {
	Dedup    []byte
	Status   string
	Complete bool
	Meta     Meta
	Blob     []byte // original to seal inline, or nil
	BlobFile string // or the name of a sealed blob file
	Text     []byte // extracted text to seal, or nil
}

// Store opens write batches.
type Store interface {
	BeginBatch(ctx context.Context) (Batch, error)
}

// Batch is one transaction.
type Batch interface {
	// Lookup finds a document by dedup key; found is false if none. done
	// is true when its ingest completed without error, so a rerun only
	// records a new path; a document that failed (no password, damaged,
	// over a limit) is redone, so that rerunning with --password or higher
	// limits succeeds.
	Lookup(ctx context.Context, dedup []byte) (id int64, done, found bool, err error)
	PutDoc(ctx context.Context, d Doc) (int64, error)
	AddPath(ctx context.Context, docID, parentID int64, pathKey []byte, path []string) (added bool, err error)
	// AddIndexSegment stores the batch's index segment (sealed, under term
	// MACs) with the batch's documents.
	AddIndexSegment(ctx context.Context, seg search.Segment) error
	Commit() error
	Rollback() error
}

// MAC is a keyed hash.
type MAC interface{ Sum(data []byte) [32]byte }

// Blobs keeps sealed originals too large for the database.
type Blobs interface {
	// Put seals everything read from r under name; it must be atomic: after a
	// crash the blob is either complete or absent.
	Put(name string, r io.Reader) error
	Has(name string) bool
}

// Keys are the keyed hashes ingest needs.
type Keys struct {
	Dedup MAC // content hash -> dedup key
	Path  MAC // provenance path -> path key
	Index MAC // term -> index key
}

// Options configures a run.
type Options struct {
	Extract extract.Options
	// Engines configures the engines a run starts (PDFium, the sandbox
	// for Tesseract) when Extract.Engines is nil; they are stopped at the
	// end of Run.
	Engines        extract.EngineConfig
	InlineMax      int64         // originals up to this size are sealed into the database; default 1 MiB
	BatchDocs      int           // commit after this many documents; default 1000
	BatchInterval  time.Duration // or after this long; default 3s
	Progress       func(Progress)
	ProgressPeriod time.Duration // default 200ms
}

// Progress is reported periodically and at the end.
type Progress struct {
	Files      int   // input files started
	TotalFiles int   // input files found
	Bytes      int64 // input bytes read
	TotalBytes int64 // input bytes in all
	Docs       int   // documents seen (including nested)
	Elapsed    time.Duration
	Done       bool
}

// Problem is one document that could not be processed.
type Problem struct {
	Path   string `json:"path"`
	Status string `json:"status"` // skipped or error, as docs list shows it
	Reason string `json:"reason"`
}

// Summary reports a run.
type Summary struct {
	Inputs     int           `json:"inputs"`
	Documents  int           `json:"documents"`  // documents seen, nested included
	New        int           `json:"new"`        // distinct contents stored by this run
	Duplicates int           `json:"duplicates"` // contents already stored
	Retried    int           `json:"retried"`    // stored before but left incomplete, done again
	NewPaths   int           `json:"new_paths"`
	Bytes      int64         `json:"bytes"` // input bytes read
	TextBytes  int64         `json:"text_bytes"`
	Skipped    []Problem     `json:"skipped"`
	Elapsed    time.Duration `json:"-"`
}

// Ingester runs ingests into one workspace.
type Ingester struct {
	store Store
	blobs Blobs
	keys  Keys
	opts  Options
	now   func() time.Time
}

// New returns an Ingester.
func New(st Store, blobs Blobs, keys Keys, opts Options) *Ingester {
	if opts.InlineMax == 0 {
		opts.InlineMax = 1 << 20
	}
	if opts.BatchDocs == 0 {
		opts.BatchDocs = 1000
	}
	if opts.BatchInterval == 0 {
		opts.BatchInterval = 3 * time.Second
	}
	if opts.ProgressPeriod == 0 {
		opts.ProgressPeriod = 200 * time.Millisecond
	}
	return &Ingester{store: st, blobs: blobs, keys: keys, opts: opts, now: time.Now}
}

type input struct {
	path    string // on the host
	display string // root provenance segment
	size    int64
}

// collect expands directories into their regular files, in a stable order.
// Symbolic links are not followed: a leak can contain links pointing
// anywhere on the analyst's machine.
func collect(paths []string) ([]input, []Problem, error) {
	var ins []input
	var probs []Problem
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("read input %s: %w", p, err)
		}
		if !fi.IsDir() {
			if !fi.Mode().IsRegular() {
				probs = append(probs, Problem{Path: p, Reason: "not a regular file (links and devices are not followed)"})
				continue
			}
			ins = append(ins, input{path: p, display: filepath.ToSlash(filepath.Clean(p)), size: fi.Size()})
			continue
		}
		err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
			if err != nil {
				probs = append(probs, Problem{Path: fp, Reason: "cannot read: " + errReason(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() {
				probs = append(probs, Problem{Path: fp, Reason: "not a regular file (links and devices are not followed)"})
				return nil
			}
			info, err := d.Info()
			if err != nil {
				probs = append(probs, Problem{Path: fp, Reason: "cannot read: " + errReason(err)})
				return nil
			}
			ins = append(ins, input{path: fp, display: filepath.ToSlash(filepath.Clean(fp)), size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return ins, probs, nil
}

// errReason gives an error's message without the file path that os errors
// carry: paths inside a leak are themselves sensitive in stored reasons.
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Run ingests paths (files and directories).
func (in *Ingester) Run(ctx context.Context, paths []string) (Summary, error) {
	start := in.now()
	inputs, probs, err := collect(paths)
	if err != nil {
		return Summary{}, err
	}
	r := &runner{in: in, ctx: ctx, sum: Summary{Skipped: probs}, start: start, xopts: in.opts.Extract}
	if r.xopts.Engines == nil {
		r.xopts.Engines = extract.NewEngines(in.opts.Engines)
		defer r.xopts.Engines.Close()
	}
	for _, i := range inputs {
		r.prog.TotalBytes += i.size
	}
	r.prog.TotalFiles = len(inputs)
	defer func() {
		if r.batch != nil {
			r.batch.Rollback()
		}
	}()
	for _, i := range inputs {
		if err := ctx.Err(); err != nil {
			return r.sum, err
		}
		if err := r.file(i); err != nil {
			return r.sum, err
		}
	}
	if err := r.commit(); err != nil {
		return r.sum, err
	}
	r.sum.Inputs = len(inputs)
	r.sum.Elapsed = in.now().Sub(start)
	r.report(true)
	return r.sum, nil
}

// runner holds the state of one Run.
type runner struct {
	in       *Ingester
	xopts    extract.Options // with the run's engines
	ctx      context.Context
	sum      Summary
	start    time.Time
	prog     Progress
	lastProg time.Time

	batch      Batch
	batchDocs  int
	batchStart time.Time
	index      *search.Builder // the batch's index segment

	stack []frame // open documents, root first
	read  int64   // bytes read of the current input
	base  int64   // bytes of finished inputs
}

type frame struct {
	id int64
	// failed: a document under this one was skipped or failed. The
	// document then stays incomplete, so a rerun (with a password, higher
	// limits or a newer antidote) visits it again and retries what failed.
	failed bool
}

func (r *runner) report(done bool) {
	p := r.in.opts.Progress
	if p == nil {
		return
	}
	now := r.in.now()
	if !done && now.Sub(r.lastProg) < r.in.opts.ProgressPeriod {
		return
	}
	r.lastProg = now
	r.prog.Bytes = r.base + r.read
	r.prog.Docs = r.sum.Documents
	r.prog.Elapsed = now.Sub(r.start)
	r.prog.Done = done
	p(r.prog)
}

func (r *runner) file(i input) error {
	f, err := os.Open(i.path)
	if err != nil {
		r.sum.Skipped = append(r.sum.Skipped, Problem{Path: i.display, Reason: "cannot open: " + errReason(err)})
		return nil
	}
	defer f.Close()
	r.prog.Files++
	r.read = 0
	cr := &countingReaderAt{r: f, n: &r.read}
	err = extract.Walk(r.ctx, i.display, cr, i.size, r.xopts, r)
	r.base += i.size
	r.read = 0
	r.sum.Bytes += i.size
	r.stack = r.stack[:0]
	return err
}

type countingReaderAt struct {
	r io.ReaderAt
	n *int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	*c.n += int64(n)
	return n, err
}

func (r *runner) ensureBatch() error {
	if r.batch != nil {
		return nil
	}
	b, err := r.in.store.BeginBatch(r.ctx)
	if err != nil {
		return fmt.Errorf("begin ingest batch: %w", err)
	}
	r.batch = b
	r.batchDocs = 0
	r.batchStart = r.in.now()
	r.index = search.NewBuilder()
	return nil
}

// commit writes the open batch, index segment included.
func (r *runner) commit() error {
	if r.batch == nil {
		return nil
	}
	if r.index.Len() > 0 {
		seg := r.index.Build(func(t string) [32]byte { return r.in.keys.Index.Sum([]byte(t)) })
		if err := r.batch.AddIndexSegment(r.ctx, seg); err != nil {
			return err
		}
	}
	err := r.batch.Commit()
	r.batch = nil
	r.index = nil
	if err != nil {
		return fmt.Errorf("commit ingest batch: %w", err)
	}
	return nil
}

func (r *runner) maybeCommit() error {
	if r.batchDocs >= r.in.opts.BatchDocs || r.in.now().Sub(r.batchStart) >= r.in.opts.BatchInterval {
		return r.commit()
	}
	return nil
}

func (r *runner) dedupKey(d *extract.Doc) []byte {
	if d.SHA256 == ([32]byte{}) {
		// No content was read (an encrypted member not opened, a member
		// over a limit): there is nothing to deduplicate by, so each such
		// place is a document of its own, keeping its own reason.
		k := r.in.keys.Dedup.Sum([]byte("no-content\x00" + strings.Join(d.Path, "\x00")))
		return k[:]
	}
	k := r.in.keys.Dedup.Sum(d.SHA256[:])
	return k[:]
}

func (r *runner) pathKey(path []string) []byte {
	k := r.in.keys.Path.Sum([]byte(strings.Join(path, "\x00")))
	return k[:]
}

// Begin implements extract.Visitor.
func (r *runner) Begin(d *extract.Doc) (bool, error) {
	if err := r.ensureBatch(); err != nil {
		return false, err
	}
	r.sum.Documents++
	r.report(false)
	ctx := r.ctx
	dedup := r.dedupKey(d)
	var parent int64
	if len(r.stack) > 0 {
		parent = r.stack[len(r.stack)-1].id
	}
	id, done, found, err := r.batch.Lookup(ctx, dedup)
	if err != nil {
		return false, err
	}
	if found && done {
		r.sum.Duplicates++
		if err := r.addPath(id, parent, d.Path); err != nil {
			return false, err
		}
		r.batchDocs++
		return false, r.maybeCommit()
	}
	nd := Doc{Dedup: dedup, Status: StatusOK, Meta: meta(d)}
	if d.Content != nil {
		if d.Size <= r.in.opts.InlineMax {
			buf := make([]byte, d.Size)
			if _, err := d.Content.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
				return false, fmt.Errorf("read %s: %w", extract.DisplayPath(d.Path), err)
			}
			nd.Blob = buf
		} else {
			name := hex.EncodeToString(dedup)
			if !r.in.blobs.Has(name) {
				if err := r.in.blobs.Put(name, io.NewSectionReader(d.Content, 0, d.Size)); err != nil {
					return false, fmt.Errorf("store original of %s: %w", extract.DisplayPath(d.Path), err)
				}
			}
			nd.BlobFile = name
		}
	}
	if found {
		r.sum.Retried++ // stored by an earlier run that did not finish it
	} else {
		r.sum.New++
	}
	id, err = r.batch.PutDoc(ctx, nd)
	if err != nil {
		return false, err
	}
	if err := r.addPath(id, parent, d.Path); err != nil {
		return false, err
	}
	r.stack = append(r.stack, frame{id: id})
	return true, nil
}

func (r *runner) addPath(id, parent int64, path []string) error {
	added, err := r.batch.AddPath(r.ctx, id, parent, r.pathKey(path), path)
	if err != nil {
		return err
	}
	if added {
		r.sum.NewPaths++
	}
	return nil
}

// fields are what search filters and facets read about a document.
func fields(d *extract.Doc, status string) search.Fields {
	f := search.Fields{MediaType: d.MediaType, Status: status, Paths: []string{extract.DisplayPath(d.Path)}}
	if strings.HasPrefix(d.MediaType, "message/") {
		f.From, f.To, f.Date = search.MailFields(d.Text)
	}
	return f
}

func meta(d *extract.Doc) Meta {
	return Meta{
		SHA256:    hex.EncodeToString(d.SHA256[:]),
		MediaType: d.MediaType,
		Charset:   d.Charset,
		Size:      d.Size,
		TextSize:  int64(len(d.Text)),
		Truncated: d.Truncated,
		OCR:       d.OCR,
		OCRPages:  d.OCRPages,
	}
}

// End implements extract.Visitor: the document's text and children are
// done, so it is complete once this batch commits.
func (r *runner) End(d *extract.Doc) error {
	if err := r.ensureBatch(); err != nil {
		return err
	}
	top := r.stack[len(r.stack)-1]
	r.stack = r.stack[:len(r.stack)-1]
	m := meta(d)
	status := StatusOK
	if d.Err != nil {
		m.Reason = d.Err.Error()
		status = StatusError
		if errors.Is(d.Err, extract.ErrUnsupported) || errors.Is(d.Err, extract.ErrEncrypted) || errors.Is(d.Err, extract.ErrWrongPassword) ||
			errors.Is(d.Err, extract.ErrBomb) || errors.Is(d.Err, extract.ErrTooDeep) || errors.Is(d.Err, extract.ErrTooLarge) ||
			errors.Is(d.Err, extract.ErrEngine) {
			status = StatusSkipped
		}
		r.sum.Skipped = append(r.sum.Skipped, Problem{Path: extract.DisplayPath(d.Path), Status: status, Reason: m.Reason})
	}
	if (d.Err != nil || top.failed) && len(r.stack) > 0 {
		r.stack[len(r.stack)-1].failed = true
	}
	nd := Doc{Dedup: r.dedupKey(d), Status: status, Complete: !top.failed, Meta: m, Text: d.Text}
	if _, err := r.batch.PutDoc(r.ctx, nd); err != nil {
		return err
	}
	r.sum.TextBytes += int64(len(d.Text))
	if len(d.Text) > 0 {
		r.index.Add(top.id, d.Text, fields(d, status))
	}
	r.batchDocs++
	return r.maybeCommit()
}
