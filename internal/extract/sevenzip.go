package extract

import (
	"errors"
	"io"

	"github.com/bodgit/sevenzip"
)

// probeLen is how much of the first member is decompressed to tell a right
// password from a wrong one when only the contents are encrypted.
const probeLen = 4 << 10

// extract7z opens a 7z archive, trying no password and then each of
// Options.Passwords, and visits its members.
func (w *walker) extract7z(d *Doc) error {
	if !w.canNest(d) {
		return nil
	}
	z, encrypted, err := w.open7z(d)
	if err != nil {
		if cerr := w.ctx.Err(); cerr != nil {
			return cerr
		}
		if encrypted {
			w.passwordErr(d, "7z archive")
		} else {
			setErr(d, ErrCorrupt, "read 7z header")
		}
		return nil
	}
	b := w.newBudget(fixedSize(d.Size))
	for _, f := range z.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if !w.admit(d, b) {
			return nil
		}
		stop, err := w.emit(d, b, f.Name, w.sevenzipMember(f, b))
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// passwordErr records on d that encryption defeated extraction.
func (w *walker) passwordErr(d *Doc, what string) {
	if len(w.opts.Passwords) == 0 {
		setErr(d, ErrEncrypted, what)
		return
	}
	if d.Err == nil {
		d.Err = errors.Join(docError(ErrWrongPassword, what), ErrEncrypted)
	}
}

// open7z returns a reader for the archive with the first password that
// decrypts both its header and its first member.
func (w *walker) open7z(d *Doc) (z *sevenzip.Reader, encrypted bool, err error) {
	candidates := make([]string, 0, 1+len(w.opts.Passwords))
	candidates = append(candidates, "")
	for _, p := range w.opts.Passwords {
		candidates = append(candidates, p.Reveal())
	}
	for _, pw := range candidates {
		if err := w.ctx.Err(); err != nil {
			return nil, false, err
		}
		z, err = sevenzip.NewReaderWithPassword(d.Content, d.Size, pw)
		if err != nil {
			var re *sevenzip.ReadError
			if errors.As(err, &re) && re.Encrypted {
				encrypted = true
				continue
			}
			return nil, encrypted, err
		}
		if probeErr := probe7z(z); probeErr != nil {
			var re *sevenzip.ReadError
			if errors.As(probeErr, &re) && re.Encrypted {
				encrypted = true
				continue
			}
			// Damage in the first member is reported on that member.
		}
		return z, false, nil
	}
	return nil, encrypted, errors.New("no password opened the archive")
}

// probe7z decompresses the start of the first non-empty member.
func probe7z(z *sevenzip.Reader) error {
	for _, f := range z.File {
		if f.FileInfo().IsDir() || f.UncompressedSize == 0 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.CopyN(io.Discard, rc, probeLen)
		if err == io.EOF {
			err = nil
		}
		return err
	}
	return nil
}

func (w *walker) sevenzipMember(f *sevenzip.File, b *budget) member {
	rc, err := f.Open()
	if err != nil {
		return member{err: sevenzipErr(err, "open 7z member")}
	}
	defer rc.Close()
	s := w.slurp(&meter{r: rc, b: b}, int64(min(f.UncompressedSize, 1<<62)))
	m := memberOf(s, "read 7z member")
	if s.err != nil && m.err != nil && errors.Is(m.err, ErrCorrupt) {
		m.err = sevenzipErr(s.err, "read 7z member")
	}
	return m
}

func sevenzipErr(err error, what string) error {
	var re *sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return docError(ErrEncrypted, what)
	}
	return docError(ErrCorrupt, what)
}
