package synth

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func hashLeak(t *testing.T, l *Leak) [32]byte {
	t.Helper()
	var b bytes.Buffer
	if err := l.WriteZip(&b); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b.Bytes())
}

func TestDemoDeterministic(t *testing.T) {
	a, b, c := Demo(7), Demo(7), Demo(8)
	if hashLeak(t, a) != hashLeak(t, b) {
		t.Fatal("Demo(7) gave different bytes on two runs")
	}
	if hashLeak(t, a) == hashLeak(t, c) {
		t.Fatal("Demo(7) and Demo(8) gave the same bytes")
	}
	if len(a.Truth.Identifiers) != len(b.Truth.Identifiers) {
		t.Fatal("Demo(7) gave different truth on two runs")
	}
	for i := range a.Truth.Identifiers {
		if a.Truth.Identifiers[i] != b.Truth.Identifiers[i] {
			t.Fatalf("truth %d differs between runs", i)
		}
	}
	seen := map[plantKey]bool{}
	for _, p := range a.Truth.Identifiers {
		if seen[keyOf(p)] {
			t.Errorf("truth lists %s %q in %s twice", p.Kind, p.Value, p.File)
		}
		seen[keyOf(p)] = true
	}
}

func TestDemoShape(t *testing.T) {
	l := Demo(1)
	count := map[string]int{}
	total := 0
	for _, f := range l.Files {
		total += len(f.Data)
		ext := filepath.Ext(f.Path)
		count[ext]++
	}
	want := map[string]int{".html": 12, ".mbox": 1, ".eml": 1, ".docx": 1, ".xlsx": 1, ".pdf": 1, ".zip": 1}
	for ext, n := range want {
		if count[ext] != n {
			t.Errorf("%d %s files, want %d", count[ext], ext, n)
		}
	}
	if total >= 2<<20 {
		t.Errorf("demo is %d bytes, want under 2 MB", total)
	}
	if len(l.Staff) != 24 {
		t.Errorf("%d staff, want 24", len(l.Staff))
	}
	var mbox, dir string
	for _, f := range l.Files {
		switch {
		case strings.HasSuffix(f.Path, ".mbox"):
			mbox = string(f.Data)
		case strings.Contains(f.Path, "staff-directory"):
			dir = htmlText(f.Data)
		}
	}
	if n := len(splitMbox([]byte(mbox))); n != 3 {
		t.Errorf("mbox holds %d messages, want 3", n)
	}
	if !strings.Contains(mbox, "\n>From the lab side") {
		t.Error("mbox does not quote a body line starting with From")
	}
	for _, s := range l.Staff {
		if !strings.Contains(dir, s) {
			t.Errorf("staff directory page lacks a staff member")
		}
	}
	// the nested archive: zip > tar.gz > (text file, zip)
	text := map[string]string{}
	for _, f := range l.Files {
		if strings.HasSuffix(f.Path, ".zip") {
			text = decode(t, f.Path, f.Data)
		}
	}
	for _, m := range []string{"README.txt", "stage2.tar.gz!ops/notes.txt", "stage2.tar.gz!ops/configs.zip!router.rsc", "stage2.tar.gz!ops/configs.zip!hosts.txt"} {
		if text[m] == "" {
			t.Errorf("nested archive has no text at %s", m)
		}
	}
	if len(l.Truth.Products) < 5 || len(l.Truth.CVEs) < 10 {
		t.Errorf("truth names %d products and %d CVEs, want at least 5 and 10", len(l.Truth.Products), len(l.Truth.CVEs))
	}
}

// checkTruth decodes every file and checks each planted identifier is in the
// text of its file and member.
func checkTruth(t *testing.T, l *Leak) {
	t.Helper()
	texts := map[string]map[string]string{}
	for _, f := range l.Files {
		texts[f.Path] = decode(t, f.Path, f.Data)
	}
	all := ""
	for _, m := range texts {
		for _, s := range m {
			all += s
		}
	}
	for _, p := range l.Truth.Identifiers {
		m, ok := texts[p.File]
		if !ok {
			t.Errorf("truth names file %s, which the leak lacks", p.File)
			continue
		}
		if !strings.Contains(m[p.Member], p.Value) {
			t.Errorf("%s %q (%s) not in decoded text of %s member %q", p.Kind, p.Value, p.Form, p.File, p.Member)
		}
	}
	for _, c := range l.Truth.CVEs {
		if !strings.Contains(all, c) {
			t.Errorf("CVE %s in truth but not in the leak", c)
		}
	}
	for _, pr := range l.Truth.Products {
		if !strings.Contains(all, pr) {
			t.Errorf("product %s in truth but not in the leak", pr)
		}
	}
}

func TestDemoTruthAppears(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, -5, 1 << 40} {
		checkTruth(t, Demo(seed))
	}
}

// TestDemoCoverage checks the demo plants every kind, form and scope the
// redactor must handle.
func TestDemoCoverage(t *testing.T) {
	l := Demo(1)
	have := map[string]bool{}
	for _, p := range l.Truth.Identifiers {
		have[p.Kind] = true
		have[p.Kind+"/"+p.Form] = true
		if p.Scope != "" {
			have[p.Kind+"@"+p.Scope] = true
		}
		if p.Member != "" {
			have["member"] = true
		}
	}
	for _, k := range []string{
		"ipv4/plain", "ipv4/port", "ipv4/cidr", "ipv4/url", "ipv4/defanged",
		"ipv6/plain", "ipv6/zone", "ipv6/bracketed", "ipv6/expanded", "ipv6/url", "ipv6/cidr",
		"mac/colon", "mac/hyphen", "mac/dot",
		"email/plain", "name/plain", "secret/token", "secret/password",
		"ipv4@public", "ipv4@private", "ipv4@documentation", "ipv6@public", "ipv6@private", "ipv6@documentation", "ipv6@link-local",
		"member",
	} {
		if !have[k] {
			t.Errorf("demo plants no %s", k)
		}
	}
}

// TestTruthCanonical checks each Canonical parses and each Scope matches an
// independent classification.
func TestTruthCanonical(t *testing.T) {
	doc := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	scopeOf := func(a netip.Addr) string {
		for _, p := range doc {
			if p.Contains(a) {
				return ScopeDocumentation
			}
		}
		switch {
		case a.IsLoopback():
			return ScopeLoopback
		case a.IsLinkLocalUnicast():
			return ScopeLinkLocal
		case a.IsPrivate():
			return ScopePrivate
		case a.IsGlobalUnicast():
			return ScopePublic
		}
		return "other"
	}
	for _, p := range Demo(3).Truth.Identifiers {
		switch p.Kind {
		case KindIPv4, KindIPv6:
			var a netip.Addr
			if p.Form == "cidr" {
				pre, err := netip.ParsePrefix(p.Canonical)
				if err != nil || pre != pre.Masked() {
					t.Errorf("canonical %q is not a masked prefix", p.Canonical)
					continue
				}
				a = pre.Addr()
			} else {
				var err error
				if a, err = netip.ParseAddr(p.Canonical); err != nil || a.String() != p.Canonical {
					t.Errorf("canonical %q does not parse to itself", p.Canonical)
					continue
				}
				v := strings.ReplaceAll(p.Value, "[.]", ".")
				if z, err := netip.ParseAddr(v); err != nil || z.WithZone("") != a {
					t.Errorf("value %q does not parse to %q", p.Value, p.Canonical)
				}
			}
			if (p.Kind == KindIPv4) != a.Is4() {
				t.Errorf("%q has kind %s", p.Canonical, p.Kind)
			}
			if got := scopeOf(a); got != p.Scope {
				t.Errorf("%q has scope %s, classified %s", p.Canonical, p.Scope, got)
			}
		case KindMAC:
			hw, err := net.ParseMAC(p.Value)
			if err != nil || hw.String() != p.Canonical {
				t.Errorf("MAC %q does not parse to %q", p.Value, p.Canonical)
			}
		case KindEmail:
			if !strings.Contains(p.Value, "@") || p.Canonical != strings.ToLower(p.Value) {
				t.Errorf("e-mail %q has canonical %q", p.Value, p.Canonical)
			}
		}
	}
}

func TestWriteDir(t *testing.T) {
	l := Demo(1)
	dir := t.TempDir()
	if err := l.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range l.Files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, f.Data) {
			t.Errorf("%s differs on disk", f.Path)
		}
	}
}

func TestWriteRefusesEscapingPaths(t *testing.T) {
	for _, p := range []string{
		"../evil.txt",         // parent of the output
		"a/../../evil.txt",    // climbs out through a subdirectory
		"/etc/evil.txt",       // absolute
		"",                    // no name
		"a/./b.txt",           // not clean, could hide a trick
		"..",                  // the parent itself
		"a\\..\\..\\evil.txt", // backslashes are not separators here, but the test must not write outside
	} {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		l := &Leak{Files: []File{{Path: "ok.txt", Data: []byte("x")}, {Path: p, Data: []byte("y")}}}
		err := l.WriteDir(dir)
		if strings.Contains(p, "\\") {
			// a legal file name on Unix; it must land inside dir
			if err == nil {
				if _, serr := os.Stat(filepath.Join(dir, p)); serr != nil {
					t.Errorf("%q: not written inside dir: %v", p, serr)
				}
			}
			continue
		}
		if err == nil {
			t.Errorf("WriteDir accepted %q", p)
		}
		if _, serr := os.Stat(filepath.Join(dir, "ok.txt")); serr == nil {
			t.Errorf("WriteDir wrote files before refusing %q", p)
		}
		if _, serr := os.Stat(filepath.Join(parent, "evil.txt")); serr == nil {
			t.Errorf("WriteDir wrote outside dir for %q", p)
		}
		if err := l.WriteZip(&bytes.Buffer{}); err == nil {
			t.Errorf("WriteZip accepted %q", p)
		}
	}
}

func TestWriteDirSymlinkEscape(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	outside := filepath.Join(parent, "outside")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	l := &Leak{Files: []File{{Path: "link/evil.txt", Data: []byte("y")}}}
	if err := l.WriteDir(dir); err == nil {
		t.Error("WriteDir followed a symlink out of dir")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.txt")); err == nil {
		t.Error("file written outside dir through a symlink")
	}
}

func TestWriteZipRoundTrip(t *testing.T) {
	l := Demo(4)
	var b bytes.Buffer
	if err := l.WriteZip(&b); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(l.Files) {
		t.Fatalf("zip holds %d files, want %d", len(zr.File), len(l.Files))
	}
	for i, f := range zr.File {
		if f.Name != l.Files[i].Path || !bytes.Equal(readZip(t, f), l.Files[i].Data) {
			t.Errorf("zip entry %d (%s) differs", i, f.Name)
		}
	}
}

// TestMailSoftBreaks checks some demo mails carry quoted-printable soft line
// breaks, so extractors must decode before detecting.
func TestMailSoftBreaks(t *testing.T) {
	found := false
	for seed := int64(1); seed <= 5 && !found; seed++ {
		for _, f := range Demo(seed).Files {
			mail := strings.HasSuffix(f.Path, ".mbox") || strings.HasSuffix(f.Path, ".eml")
			if mail && (bytes.Contains(f.Data, []byte("=\n")) || bytes.Contains(f.Data, []byte("=\r\n"))) {
				found = true
			}
		}
	}
	if !found {
		t.Error("no demo mail in seeds 1-5 has a quoted-printable soft line break")
	}
}
