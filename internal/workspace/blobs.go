package workspace

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"antidote/internal/vault"
)

// blobDir keeps sealed originals as files named by their dedup MAC (which
// says nothing about the content without the workspace key). Writes go to a
// temporary file, are synced, then renamed: a crash leaves either the whole
// sealed blob or none. A writer holds an flock on its temporary while it
// writes, so that CleanTemps (run at each ingest) removes exactly the
// temporaries of writers that died, never one still being written.
type blobDir struct {
	dir    string
	sealer *vault.Sealer
}

func (b *blobDir) path(name string) string {
	return filepath.Join(b.dir, name[:2], name)
}

func (b *blobDir) Has(name string) bool {
	_, err := os.Stat(b.path(name))
	return err == nil
}

func (b *blobDir) Put(name string, r io.Reader) (err error) {
	p := b.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("create blob directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("create blob: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("create blob: lock temporary: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w, err := b.sealer.NewWriter(f, []byte("blob:"+name))
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("seal blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("seal blob: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	if d, err := os.Open(filepath.Dir(p)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

const tempPrefix = ".tmp-"

// CleanTemps removes the temporaries that killed writers left (their lock
// died with them) and returns how many bytes it freed.
func (b *blobDir) CleanTemps() (removed int, bytes int64) {
	subs, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, 0
	}
	for _, sub := range subs {
		if !sub.IsDir() {
			continue
		}
		d := filepath.Join(b.dir, sub.Name())
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(d, e.Name())
			f, err := os.OpenFile(p, os.O_RDWR|syscall.O_NOFOLLOW, 0)
			if err != nil {
				continue
			}
			if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
				if fi, err := f.Stat(); err == nil && os.Remove(p) == nil {
					removed++
					bytes += fi.Size()
				}
			}
			f.Close()
		}
	}
	return removed, bytes
}

// Open returns a reader of the blob's plaintext; a tampered or truncated
// blob fails with vault.ErrTampered while reading.
func (b *blobDir) Open(name string) (io.ReadCloser, error) {
	f, err := os.Open(b.path(name))
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	r, err := b.sealer.NewReader(f, []byte("blob:"+name))
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}
