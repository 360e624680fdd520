package extract

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/bodgit/sevenzip"
)

// probeLen is how much of the first member is decompressed to tell a right
// password from a wrong one when only the contents are encrypted.
const probeLen = 4 << 10

// sevenzipArchive is an opened 7z archive and the state of its folders.
type sevenzipArchive struct {
	z       *sevenzip.Reader
	info    *szInfo
	folders []folderState
}

// folderState follows the decoding of one folder.
type folderState struct {
	reserved int64 // decoder memory charged to the budget and not yet covered by output
	opened   bool
	// broken is the sentinel a member of the folder failed with: later
	// members would decode the folder again up to the damage.
	broken error
}

// extract7z opens a 7z archive, trying no password and then each of
// Options.Passwords, and visits its members.
func (w *walker) extract7z(d *Doc) error {
	if !w.canNest(d) {
		return nil
	}
	a, encrypted, err := w.open7z(d)
	if err != nil {
		if cerr := w.ctx.Err(); cerr != nil {
			return cerr
		}
		switch {
		case encrypted:
			w.passwordErr(d, "7z archive")
		case d.Err == nil:
			d.Err = err
		}
		return nil
	}
	if a.info.empty {
		return nil
	}
	b := w.newBudget(fixedSize(d.Size))
	for _, f := range a.z.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		// Directories have no content; one that claims some is read,
		// so that its folder is decoded in order.
		if f.FileInfo().IsDir() && f.UncompressedSize == 0 {
			continue
		}
		if !w.admit(d, b) {
			return nil
		}
		stop, err := w.emit(d, b, f.Name, w.sevenzipMember(a, f, b))
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
		d.Err = wrongPassword(what)
	}
}

// open7z checks the archive's headers and opens it with the first password
// that decrypts both its header and its first member. A returned error
// wraps a sentinel; encrypted says no password opened it.
func (w *walker) open7z(d *Doc) (a *sevenzipArchive, encrypted bool, err error) {
	candidates := make([]string, 0, 1+len(w.opts.Passwords))
	candidates = append(candidates, "")
	for _, p := range w.opts.Passwords {
		candidates = append(candidates, p.Reveal())
	}
	var checked *szInfo
	for _, pw := range candidates {
		if err := w.ctx.Err(); err != nil {
			return nil, false, err
		}
		info := checked
		if info == nil || info.headerEncrypted {
			info, err = w.check7z(d, pw)
			if err != nil {
				if errors.Is(err, ErrEncrypted) {
					encrypted = true
					continue
				}
				return nil, false, err
			}
			checked = info
		}
		if info.empty {
			return &sevenzipArchive{info: info}, false, nil
		}
		z, err := new7zReader(d.Content, d.Size, pw)
		if err != nil {
			var re *sevenzip.ReadError
			if errors.As(err, &re) && re.Encrypted {
				encrypted = true
				continue
			}
			return nil, encrypted, docError(ErrCorrupt, "read 7z header")
		}
		a := &sevenzipArchive{z: z, info: info, folders: make([]folderState, len(info.folders))}
		if probeErr := w.probe7z(a, d); probeErr != nil {
			var re *sevenzip.ReadError
			if errors.As(probeErr, &re) && re.Encrypted {
				encrypted = true
				continue
			}
			// Damage in the first member is reported on that member.
		}
		return a, false, nil
	}
	return nil, encrypted, docError(ErrWrongPassword, "7z archive")
}

// probe7z decompresses the start of the first non-empty member whose
// decoders the budget would allow. The reader is dropped, not closed:
// closing it part-read would park its decoder in the archive's pool.
func (w *walker) probe7z(a *sevenzipArchive, d *Doc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("7z decoder failed")
		}
	}()
	for _, f := range a.z.File {
		if f.UncompressedSize == 0 {
			continue
		}
		if f.Stream < 0 || f.Stream >= len(a.info.folders) ||
			int64(min(a.info.folders[f.Stream].mem, 1<<62)) > w.decoderLimit(d.Size) {
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.CopyN(io.Discard, rc, probeLen)
		if err == io.EOF {
			err = nil
		}
		return err
	}
	return nil
}

// sevenzipMember reads one member. Opening a folder charges its decoders'
// memory beyond 64 MiB to the budget until the folder's output covers it,
// so that folders claiming huge dictionaries for little data count as
// expansion.
func (w *walker) sevenzipMember(a *sevenzipArchive, f *sevenzip.File, b *budget) (m member) {
	var fs *folderState
	var folder szFolder
	if f.UncompressedSize > 0 {
		if f.Stream < 0 || f.Stream >= len(a.folders) {
			return member{err: docError(ErrCorrupt, "7z member outside any folder")}
		}
		fs, folder = &a.folders[f.Stream], a.info.folders[f.Stream]
		if fs.broken != nil {
			return member{err: docError(fs.broken, "7z block failed before this member")}
		}
		if !fs.opened {
			mem := int64(min(folder.mem, 1<<62))
			if limit := max(w.opts.MaxMemberBytes, decoderFloor); mem > limit {
				fs.broken = ErrTooLarge
				return member{err: docError(ErrTooLarge, fmt.Sprintf("7z block needs %d MiB to decode", mem>>20))}
			}
			// The first 64 MiB are free: common writers use that much
			// for any input.
			reserve := max(mem-decoderFloor, 0)
			if err := b.charge(reserve); err != nil {
				return memberOf(slurped{err: err}, "")
			}
			fs.opened, fs.reserved = true, reserve
		}
	}
	// A decoder that failed is not resumed: every later member of its
	// folder would decode the folder again up to the damage.
	failed := true
	defer func() {
		if p := recover(); p != nil {
			m = member{err: docError(ErrCorrupt, "7z decoder failed")}
		}
		if fs != nil && failed {
			fs.broken = ErrCorrupt
			if errors.Is(m.err, ErrEncrypted) {
				fs.broken = ErrEncrypted
			}
		}
	}()
	rc, err := f.Open()
	if err != nil {
		return member{err: sevenzipErr(err, "open 7z member")}
	}
	crc := crc32.NewIEEE()
	s := w.slurp(io.TeeReader(&meter{r: rc, b: b}, crc), int64(min(f.UncompressedSize, 1<<62)))
	if fs != nil {
		covered := min(fs.reserved, s.size)
		fs.reserved -= covered
		b.uncharge(covered)
	}
	if s.err != nil {
		// Dropped, not closed: closing a part-read member parks its
		// decoder in the archive's pool for good.
		m = memberOf(s, "read 7z member")
		if errors.Is(m.err, ErrCorrupt) {
			m.err = sevenzipErr(s.err, "read 7z member")
		} else {
			failed = false // stopped by a limit, which ends the archive
		}
		return m
	}
	failed = false
	// Read to its end, the member hands its decoder on to the next one.
	rc.Close()
	m = memberOf(s, "read 7z member")
	if f.CRC32 != 0 && crc.Sum32() != f.CRC32 {
		// The bytes are kept: a checksum mismatch leaves the folder
		// readable, unless it is encrypted and the password was wrong.
		if folder.aes {
			m.r, m.err = nil, docError(ErrEncrypted, "7z member checksum mismatch (wrong password?)")
		} else {
			m.err = docError(ErrCorrupt, "7z member checksum mismatch")
		}
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
