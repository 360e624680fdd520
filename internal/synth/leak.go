package synth

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"
)

// Kinds of planted identifiers, as used in Planted.Kind.
const (
	KindIPv4   = "ipv4"
	KindIPv6   = "ipv6"
	KindEmail  = "email"
	KindMAC    = "mac"
	KindName   = "name"
	KindSecret = "secret"
)

// Scopes of planted addresses, as used in Planted.Scope.
const (
	ScopePublic        = "public"        // globally routable, looks like a real host
	ScopePrivate       = "private"       // RFC 1918, RFC 4193 unique local
	ScopeDocumentation = "documentation" // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32
	ScopeLoopback      = "loopback"
	ScopeLinkLocal     = "link-local"
)

// Leak is a generated archive: its files, the staff directory its documents
// draw names from, and the ground truth of what was planted where.
type Leak struct {
	Files []File
	Staff []string // full names in the staff directory
	Truth Truth
}

// File is one file of a leak. Path is slash-separated and relative.
type File struct {
	Path string
	Data []byte
}

// Truth is the ground truth of a leak for tests: every planted identifier with
// the file it is in, and the products and CVE IDs its documents describe.
type Truth struct {
	Identifiers []Planted
	Products    []string // product families, sorted
	CVEs        []string // synthetic CVE IDs, sorted
}

// Planted is one identifier planted in one file. Each (File, Member, Kind,
// Value) appears once even when the identifier is written several times.
type Planted struct {
	// File is the Leak file the identifier is in.
	File string
	// Member locates the identifier inside a container file: the archive
	// member path or the mail attachment file name, with nesting levels
	// joined by "!" ("stage2.tar.gz!ops/configs.zip!router.rsc"). It is
	// empty for text of the file itself (page text, mail headers and bodies).
	Member string
	// Kind is one of the Kind constants.
	Kind string
	// Value is the identifier exactly as it is written in the decoded text
	// ("203.0.113[.]7", "fe80::1%eth0", "10.20.0.0/16"), so it is always a
	// substring of that text.
	Value string
	// Canonical is the parsed form: the address without defanging, zone or
	// brackets (a prefix keeps its length), a MAC as lower-case colon hex, an
	// e-mail in lower case; otherwise Value.
	Canonical string
	// Form says how the identifier is written: "plain", "port", "cidr",
	// "url", "defanged", "zone", "bracketed", "expanded", "colon", "hyphen",
	// "dot", "token", "password".
	Form string
	// Scope is one of the Scope constants for addresses, empty otherwise.
	Scope string
}

// zipTime is the modification time of every generated zip entry, fixed so that
// output depends on the seed alone.
var zipTime = time.Date(2017, 3, 7, 9, 0, 0, 0, time.UTC)

// checkPath reports whether p is a relative, slash-separated path that stays
// inside the directory it is written to.
func checkPath(p string) error {
	if p == "" || !filepath.IsLocal(filepath.FromSlash(p)) || path.Clean(p) != p {
		return fmt.Errorf("leak file path %q is not a clean relative path inside the output; generate it with synth or fix the path", p)
	}
	return nil
}

// WriteDir writes the files under dir, creating dir and subdirectories. It
// checks every path before writing anything and refuses paths that would
// escape dir; symbolic links inside dir cannot redirect a write outside it.
func (l *Leak) WriteDir(dir string) error {
	for _, f := range l.Files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create leak directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open leak directory: %w", err)
	}
	defer root.Close()
	for _, f := range l.Files {
		p := filepath.FromSlash(f.Path)
		if d := filepath.Dir(p); d != "." {
			if err := root.MkdirAll(d, 0o700); err != nil {
				return fmt.Errorf("create directory for %s: %w", f.Path, err)
			}
		}
		if err := root.WriteFile(p, f.Data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}

// WriteZip writes the files as one zip archive to w.
func (l *Leak) WriteZip(w io.Writer) error {
	for _, f := range l.Files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
	}
	zw := zip.NewWriter(w)
	for _, f := range l.Files {
		if err := addZip(zw, f.Path, f.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish leak zip: %w", err)
	}
	return nil
}

// addZip writes one deflated entry with the fixed modification time.
func addZip(zw *zip.Writer, name string, data []byte) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o644)
	fw, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("add %s to zip: %w", name, err)
	}
	if _, err := fw.Write(data); err != nil {
		return fmt.Errorf("write %s to zip: %w", name, err)
	}
	return nil
}

// zipBytes builds a small zip in memory from name/data pairs, in order.
func zipBytes(files []File) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		if err := addZip(zw, f.Path, f.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("finish nested zip: %w", err)
	}
	return b.Bytes(), nil
}
