package extract

import (
	"crypto/sha256"
	"errors"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// Media types of OLE compound files (legacy Office, Outlook).
const (
	mtOLE = "application/x-ole-storage"
	mtDoc = "application/msword"
	mtXls = "application/vnd.ms-excel"
	mtPpt = "application/vnd.ms-powerpoint"
	mtMsg = "application/vnd.ms-outlook"
)

// maxOLEEntries bounds the directory entries of a compound file read.
const maxOLEEntries = 100_000

// oleFile is the directory of a compound file, its streams by path
// ("Root/…" left out, storages joined with "/").
type oleFile struct {
	streams map[string]*mscfb.File
	order   []string // stream paths in directory order
	size    int64    // size of the compound file: no stream is longer
	// byKind and prefixes index the storages, built on first use.
	byKind   map[string][]string
	prefixes map[string]bool
}

func (w *walker) sniffOLE(d *Doc, sn *sniffed) string {
	o, err := readOLE(d.Content, d.Size, min(w.opts.MaxMembers, maxOLEEntries))
	sn.ole, sn.oleErr = o, err
	if o == nil {
		return mtOLE
	}
	switch {
	case o.streams["WordDocument"] != nil:
		return mtDoc
	case o.streams["Workbook"] != nil, o.streams["Book"] != nil:
		return mtXls
	case o.streams["PowerPoint Document"] != nil:
		return mtPpt
	case o.streams["__properties_version1.0"] != nil && o.has("__substg1.0_"):
		return mtMsg
	}
	return mtOLE
}

func (o *oleFile) has(prefix string) bool {
	for _, p := range o.order {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// readOLE reads the directory of a compound file.
func readOLE(r io.ReaderAt, size int64, maxEntries int) (o *oleFile, err error) {
	defer func() {
		if recover() != nil {
			o, err = nil, errors.New("compound file directory unreadable")
		}
	}()
	doc, err := mscfb.New(r)
	if err != nil {
		return nil, err
	}
	o = &oleFile{streams: map[string]*mscfb.File{}, size: size}
	for n := 0; ; n++ {
		if n >= maxEntries {
			return o, errMembers
		}
		f, err := doc.Next()
		if err == io.EOF {
			return o, nil
		}
		if err != nil {
			return o, err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		name := strings.Join(append(append([]string(nil), f.Path...), f.Name), "/")
		if _, dup := o.streams[name]; !dup {
			o.streams[name] = f
			o.order = append(o.order, name)
		}
	}
}

// stream reads a whole stream, charging it to b. A stream declared longer
// than the compound file (a sector chain that loops) is read only as far
// as the file's size and reported corrupt.
func (o *oleFile) stream(b *budget, name string, limit int64) (data []byte, err error) {
	f := o.streams[name]
	if f == nil {
		return nil, nil
	}
	defer func() {
		if recover() != nil {
			err = errors.New("compound file stream unreadable")
		}
	}()
	if f.Size <= 0 {
		return []byte{}, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	n := min(f.Size, o.size, limit)
	if n < 0 {
		return nil, errors.New("compound file stream has a negative size")
	}
	data = make([]byte, 0, min(n, 1<<20))
	buf := make([]byte, 32<<10)
	for int64(len(data)) < n {
		k, rerr := f.Read(buf[:min(int64(len(buf)), n-int64(len(data)))])
		data = append(data, buf[:k]...)
		if k > 0 {
			if cerr := b.charge(int64(k)); cerr != nil {
				return data, cerr
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return data, rerr
		}
		if k == 0 {
			break
		}
	}
	if f.Size > n {
		return data, errors.New("compound file stream longer than its file")
	}
	return data, nil
}

// extractOLE extracts a legacy Word, Excel or PowerPoint file or an
// Outlook message.
func (w *walker) extractOLE(d *Doc, sn sniffed) error {
	o := sn.ole
	if o == nil {
		setErr(d, ErrCorrupt, "read compound file directory")
		return nil
	}
	if errors.Is(sn.oleErr, errMembers) {
		setErr(d, ErrBomb, "compound file directory too large")
	} else if sn.oleErr != nil {
		setErr(d, ErrCorrupt, "read compound file directory")
	}
	// Every stream read of one document together may not pass the
	// ratio limit against the file, so chains that share sectors end.
	x := &oleReader{w: w, d: d, o: o, b: w.newBudget(fixedSize(d.Size)), tb: w.newText()}
	var err error
	switch d.MediaType {
	case mtDoc:
		x.doc()
	case mtXls:
		x.xls()
	case mtPpt:
		x.ppt()
	case mtMsg:
		err = x.msg()
	default:
		if sn.oleErr == nil {
			setErr(d, ErrUnsupported, "compound file of an unknown application")
		}
	}
	x.tb.set(d)
	return err
}

// oleReader extracts one compound file.
type oleReader struct {
	w  *walker
	d  *Doc
	o  *oleFile
	b  *budget
	tb *textBuf
}

// read returns a stream, recording a failure on the document.
func (x *oleReader) read(name string) []byte {
	data, err := x.o.stream(x.b, name, x.w.opts.MaxMemberBytes)
	switch {
	case err == nil:
	case errors.Is(err, errBomb), errors.Is(err, errTotal):
		setErr(x.d, ErrBomb, "compound file stream expansion limit reached")
	default:
		setErr(x.d, ErrCorrupt, "read compound file stream")
	}
	return data
}

// corrupt records a damaged structure.
func (x *oleReader) corrupt(what string) { setErr(x.d, ErrCorrupt, what) }

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
