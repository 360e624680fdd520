package extract

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"errors"
	"hash/crc32"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Zip methods beyond Store and Deflate that members may use.
const (
	zipMethodBzip2 = 12
	zipMethodXz    = 95
)

// extractZip visits the members of a zip archive.
func (w *walker) extractZip(d *Doc, sn sniffed) error {
	if sn.zip == nil {
		setErr(d, ErrCorrupt, "read zip directory")
		return nil
	}
	if !w.canNest(d) {
		return nil
	}
	return w.zipMembers(d, sn.zip, nil)
}

// zipMembers visits the members of z, or only those keep accepts.
func (w *walker) zipMembers(d *Doc, z *zip.Reader, keep func(name string) bool) error {
	b := w.newBudget(fixedSize(d.Size))
	for _, f := range z.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() || (keep != nil && !keep(f.Name)) {
			continue
		}
		if !w.admit(d, b) {
			return nil
		}
		stop, err := w.emit(d, b, f.Name, w.zipMember(d, f, b))
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func registerZipMethods(z *zip.Reader) {
	z.RegisterDecompressor(zipMethodBzip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	z.RegisterDecompressor(zipMethodXz, func(r io.Reader) io.ReadCloser {
		xr, err := xz.NewReader(r)
		if err != nil {
			return io.NopCloser(errReader{err})
		}
		return io.NopCloser(xr)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// zipMember reads one member. Stored members are served as a section of
// the archive instead of a copy. Compressed and encrypted members are
// decoded from the raw stream so that the ratio is measured against the
// packed bytes actually consumed, not the size the header claims.
func (w *walker) zipMember(d *Doc, f *zip.File, b *budget) member {
	size := int64(f.UncompressedSize64)
	if size < 0 {
		return member{err: docError(ErrCorrupt, "zip member size")}
	}
	off, err := f.DataOffset()
	if err != nil || off < 0 || off > d.Size || f.CompressedSize64 > uint64(d.Size-off) {
		return member{err: docError(ErrCorrupt, "zip member outside the archive")}
	}
	if f.Flags&zipFlagEncrypted == 0 && f.Method == zip.Store && f.UncompressedSize64 == f.CompressedSize64 {
		// Overlapping entries can point many members at the same bytes:
		// charge them like expanded bytes.
		if err := b.charge(size); err != nil {
			return memberOf(slurped{size: size, err: err}, "")
		}
		return member{r: io.NewSectionReader(d.Content, off, size), size: size}
	}
	method, checkCRC := f.Method, true
	verify := func() error { return nil }
	var raw io.Reader = io.NewSectionReader(d.Content, off, int64(f.CompressedSize64))
	if f.Flags&zipFlagEncrypted != 0 {
		z, err := w.openEncryptedZip(d, f, off)
		if err != nil {
			return member{size: size, err: err}
		}
		raw, method, checkCRC, verify = z.r, z.method, z.crc, z.verify
	}
	packed := &counter{r: raw}
	var dec io.Reader
	switch method {
	case zip.Store:
		dec = packed
	case zip.Deflate:
		dec = w.inflater(packed)
	case zipMethodBzip2:
		dec = bzip2.NewReader(packed)
	case zipMethodXz:
		br := bufio.NewReaderSize(packed, xzHeadLen)
		if err := w.checkXz(br, int64(f.CompressedSize64)); err != nil {
			return member{size: size, err: err}
		}
		xr, err := xz.NewReader(br)
		if err != nil {
			return member{err: docError(ErrCorrupt, "open zip member")}
		}
		dec = xr
	default:
		return member{size: size, err: docError(ErrUnsupported, "zip compression method")}
	}
	mb := w.newBudget(func() int64 { return packed.n })
	crc := crc32.NewIEEE()
	s := w.slurp(io.TeeReader(&memberMeter{r: dec, archive: b, member: mb}, crc), size)
	if s.err == nil && (s.size != size || checkCRC && crc.Sum32() != f.CRC32) {
		s.err = errors.New("zip member checksum or size mismatch")
	}
	if s.err == nil && f.Flags&zipFlagEncrypted != 0 {
		// Read the rest of the raw stream (a deflate stream may end before
		// it) for the authentication code to cover all of it.
		if _, err := io.Copy(io.Discard, packed); err != nil {
			s.err = err
		} else {
			s.err = verify()
		}
	}
	m := memberOf(s, "read zip member")
	if f.Flags&zipFlagEncrypted != 0 && errors.Is(m.err, ErrCorrupt) {
		// A wrong password can pass the format's check; its output then
		// fails to decompress or to match.
		m.r, m.err = nil, wrongPassword("encrypted zip member does not decrypt")
	}
	return m
}

// memberMeter charges bytes to the archive's budget and checks the ratio
// of one member against the packed bytes it consumed.
type memberMeter struct {
	r       io.Reader
	archive *budget
	member  *budget
}

func (m *memberMeter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if n > 0 {
		if cerr := m.archive.charge(int64(n)); cerr != nil {
			return n, cerr
		}
		m.member.expanded += int64(n)
		if overRatio(m.member.expanded, m.member.packed(), m.archive.w.opts.MaxRatio) {
			return n, errBomb
		}
	}
	return n, err
}

// extractTar visits the members of a tar stream read from r. The budget
// meters r's bytes; nil means r is the plain document.
func (w *walker) extractTar(d *Doc, r io.Reader, b *budget) error {
	if !w.canNest(d) {
		return nil
	}
	if b == nil {
		b = w.newBudget(fixedSize(d.Size))
		r = &meter{r: r, b: b}
	}
	tr := tar.NewReader(r)
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if cerr := w.ctx.Err(); cerr != nil {
				return cerr
			}
			if !w.exhausted && !b.over {
				setErr(d, ErrCorrupt, "read tar header")
			} else {
				setErr(d, ErrBomb, "expansion limit reached")
			}
			return nil
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
		default:
			continue // directories, links and devices carry no content
		}
		if !w.admit(d, b) {
			return nil
		}
		s := w.slurp(tr, hdr.Size)
		stop, err := w.emit(d, b, hdr.Name, memberOf(s, "read tar member"))
		if err != nil || stop {
			return err
		}
	}
}

// extractCompressed decompresses a gzip, bzip2 or xz stream: a tar inside
// has its members visited directly; anything else is one member.
func (w *walker) extractCompressed(d *Doc) error {
	if !w.canNest(d) {
		return nil
	}
	packed := &counter{r: readAllAt(d.Content, d.Size)}
	var (
		dec  io.Reader
		name string
	)
	switch d.MediaType {
	case mtGzip:
		gz, err := gzip.NewReader(packed)
		if err != nil {
			setErr(d, ErrCorrupt, "read gzip header")
			return nil
		}
		dec, name = gz, gz.Name
	case mtBzip2:
		dec = bzip2.NewReader(packed)
	case mtXz:
		if !hasXzFooter(d) {
			setErr(d, ErrCorrupt, "xz stream truncated")
		}
		br := bufio.NewReaderSize(packed, xzHeadLen)
		if err := w.checkXz(br, d.Size); err != nil {
			if d.Err == nil {
				d.Err = err
			}
			return nil
		}
		xr, err := xz.NewReader(br)
		if err != nil {
			setErr(d, ErrCorrupt, "read xz header")
			return nil
		}
		dec = xr
	case mtZstd:
		zr, err := zstd.NewReader(packed, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			setErr(d, ErrCorrupt, "read zstd header")
			return nil
		}
		defer zr.Close()
		dec = zr
	}
	b := w.newBudget(func() int64 { return packed.n })
	br := bufio.NewReaderSize(&meter{r: dec, b: b}, chunkSize)
	head, _ := br.Peek(512)
	if isTarHeader(head) {
		return w.extractTar(d, br, b)
	}
	if name == "" {
		// The stream's own name, not the folders of the path it was given
		// as: "corpus/gz/a.gz" holds "a".
		name = uncompressedName(path.Base(filepath.ToSlash(d.Path[len(d.Path)-1])))
	} else {
		name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	}
	if !w.admit(d, b) {
		return nil
	}
	_, err := w.emit(d, b, name, memberOf(w.slurp(br, 0), "decompress"))
	return err
}

// uncompressedName derives the member name of a single-file compressed
// stream from the stream's own name.
func uncompressedName(name string) string {
	ext := path.Ext(name)
	switch strings.ToLower(ext) {
	case ".tgz", ".tbz", ".tbz2", ".txz", ".tzst":
		return strings.TrimSuffix(name, ext) + ".tar"
	case ".gz", ".bz2", ".xz", ".z", ".zst":
		if base := strings.TrimSuffix(name, ext); base != "" {
			return base
		}
	}
	return "data"
}

// zstdMaxWindow bounds the window a zstd frame may ask for: the decoder
// holds it in memory. zstd's own tools refuse more than 128 MiB unless told.
const zstdMaxWindow = 128 << 20

// hasXzFooter reports whether d ends with an xz stream footer (after any
// stream padding), which the decoder does not insist on.
func hasXzFooter(d *Doc) bool {
	const tail = 64
	buf := make([]byte, min(d.Size, tail))
	n, _ := d.Content.ReadAt(buf, d.Size-int64(len(buf)))
	buf = buf[:n]
	for len(buf) >= 4 && bytes.HasSuffix(buf, []byte{0, 0, 0, 0}) {
		buf = buf[:len(buf)-4]
	}
	return bytes.HasSuffix(buf, []byte("YZ"))
}

// inflater returns the walker's deflate decoder reset to read r. A member
// is read completely before its children are visited, so one decoder (and
// its 32 KiB window) serves every zip member of the walk.
func (w *walker) inflater(r io.Reader) io.Reader {
	if w.flate == nil {
		w.flate = flate.NewReader(r)
		return w.flate
	}
	if err := w.flate.(flate.Resetter).Reset(r, nil); err != nil {
		return errReader{err}
	}
	return w.flate
}
