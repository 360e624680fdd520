//go:build unix

package redact

import (
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapping is the rest of a regular file mapped read-only into memory, so
// that Stream's workers redact straight from the page cache instead of
// copying the file into buffers first.
type mapping struct {
	f     *os.File
	all   []byte // the whole mapping, from a page boundary
	text  []byte // the file from its read offset to its end: a suffix of all
	start int64  // the file offset of text[0]
	freed int    // bytes at the start of all given back to the kernel
}

// mapFile maps what is left to read of f, if it is a regular file of more
// than least bytes. It returns nil where the file should be read instead:
// another kind of file, a small one, or one the system will not map (some
// file systems cannot); the caller then reads it as it would any reader.
func mapFile(f *os.File, least int) *mapping {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil || fi.Size()-start <= int64(least) || start < 0 {
		return nil
	}
	page := int64(os.Getpagesize())
	base := start &^ (page - 1)
	size := fi.Size() - base
	if size != int64(int(size)) {
		return nil // larger than this platform can map at once
	}
	all, err := unix.Mmap(int(f.Fd()), base, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	// The file is read once from start to end: ask for read-ahead, and
	// let its pages go behind the reader.
	_ = unix.Madvise(all, unix.MADV_SEQUENTIAL)
	return &mapping{f: f, all: all, text: all[start-base:], start: start}
}

// release gives back the pages wholly before text[n], which Stream has
// written out: the file's pages would otherwise count against the
// process's memory until the end, however large the file.
func (m *mapping) release(n int) {
	end := (len(m.all) - len(m.text) + n) &^ (os.Getpagesize() - 1)
	if end-m.freed < releaseStep && n < len(m.text) {
		return
	}
	if end > m.freed {
		_ = unix.Madvise(m.all[m.freed:end], unix.MADV_DONTNEED)
		m.freed = end
	}
}

// releaseStep is how many bytes release lets pass before it calls the
// kernel: a call per few megabytes costs nothing to speak of.
const releaseStep = 4 << 20

// close unmaps the file and leaves its offset after the n bytes of text
// Stream consumed, where reading it would have left it.
func (m *mapping) close(n int) error {
	err := unix.Munmap(m.all)
	m.all, m.text = nil, nil
	if _, serr := m.f.Seek(m.start+int64(n), io.SeekStart); err == nil {
		err = serr
	}
	return err
}

// inside reports whether addr (where a memory fault happened) lies in
// the mapping.
func (m *mapping) inside(addr uintptr) bool {
	if len(m.all) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m.all)))
	return addr >= lo && addr < lo+uintptr(len(m.all))
}
