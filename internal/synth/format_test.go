package synth

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPDFToText opens every generated PDF with poppler's pdftotext and checks
// the planted text comes out. Install it with: apt-get install -y poppler-utils
func TestPDFToText(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install -y poppler-utils); real-reader check of PDFs skipped")
	}
	for _, seed := range []int64{1, 2} {
		l := Demo(seed)
		dir := t.TempDir()
		for _, f := range l.Files {
			if !strings.HasSuffix(f.Path, ".pdf") {
				continue
			}
			in := filepath.Join(dir, "in.pdf")
			if err := os.WriteFile(in, f.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, in, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext %s: %v\n%s", f.Path, err, out)
			}
			if bytes.Contains(out, []byte("Error")) || bytes.Contains(out, []byte("Syntax Warning")) {
				t.Errorf("pdftotext complained about %s:\n%.500s", f.Path, out)
			}
			n := 0
			for _, p := range l.Truth.Identifiers {
				if p.File == f.Path {
					n++
					if !bytes.Contains(out, []byte(p.Value)) {
						t.Errorf("pdftotext output of %s lacks %s %q", f.Path, p.Kind, p.Value)
					}
				}
			}
			if n < 10 {
				t.Errorf("%s carries only %d identifiers", f.Path, n)
			}
		}
	}
}

// TestPDFMultiPage checks a long text makes several pages and pdfinfo (when
// present) agrees on the count.
func TestPDFMultiPage(t *testing.T) {
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("line %d (with parentheses) and a back\\slash", i))
	}
	data := pdfBytes("Long (test)", lines, nil)
	pages := 0
	for range regexp.MustCompile(`/Type /Page /`).FindAll(data, -1) {
		pages++
	}
	want := (200 + pdfPerPage - 1) / pdfPerPage
	if pages != want {
		t.Fatalf("%d page objects, want %d", pages, want)
	}
	checkXref(t, data)
	text := pdfText(t, data)
	if !strings.Contains(text, "line 199 (with parentheses) and a back\\slash") {
		t.Error("escaped text does not read back")
	}
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Skip("pdfinfo not installed (apt-get install -y poppler-utils); page count check skipped")
	}
	in := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, in).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+` + strconv.Itoa(want) + `$`).Match(out) {
		t.Errorf("pdfinfo disagrees on the page count:\n%s", out)
	}
}

// checkXref checks every xref entry points at the start of its object and
// startxref points at the table.
func checkXref(t *testing.T, data []byte) {
	t.Helper()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no startxref trailer at the end")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(data[off:], []byte("xref\n0 ")) {
		t.Fatal("startxref does not point at the xref table")
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(data[off:], -1)
	if len(entries) == 0 {
		t.Fatal("empty xref table")
	}
	for i, e := range entries {
		o, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(data[o:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i+1, data[o:min(o+12, len(data))])
		}
	}
}

func TestDemoPDFXref(t *testing.T) {
	for _, f := range Demo(5).Files {
		if strings.HasSuffix(f.Path, ".pdf") {
			checkXref(t, f.Data)
		}
	}
}

// TestOOXMLPackages checks the DOCX and XLSX packages: every part is
// well-formed XML, every part has a content type, and every relationship
// target exists.
func TestOOXMLPackages(t *testing.T) {
	for _, f := range Demo(6).Files {
		if !strings.HasSuffix(f.Path, ".docx") && !strings.HasSuffix(f.Path, ".xlsx") {
			continue
		}
		zr, err := zip.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		parts := map[string]bool{}
		for _, zf := range zr.File {
			parts[zf.Name] = true
			xmlText(t, readZip(t, zf), "") // fails on malformed XML
		}
		types := string(zipPart(t, f.Data, "[Content_Types].xml"))
		for name := range parts {
			if strings.HasSuffix(name, ".rels") || name == "[Content_Types].xml" {
				continue
			}
			if !strings.Contains(types, `PartName="/`+name+`"`) {
				t.Errorf("%s: part %s has no content type override", f.Path, name)
			}
		}
		target := regexp.MustCompile(`Target="([^"]+)"`)
		for name := range parts {
			if !strings.HasSuffix(name, ".rels") {
				continue
			}
			base := strings.TrimSuffix(strings.TrimSuffix(filepath.Dir(filepath.Dir(name)), "."), "/")
			for _, m := range target.FindAllStringSubmatch(string(zipPart(t, f.Data, name)), -1) {
				p := m[1]
				if base != "" {
					p = base + "/" + p
				}
				if !parts[p] {
					t.Errorf("%s: %s points at missing part %s", f.Path, name, p)
				}
			}
		}
		if strings.HasSuffix(f.Path, ".xlsx") {
			// every shared string index used by the sheet exists
			sst := string(zipPart(t, f.Data, "xl/sharedStrings.xml"))
			n := strings.Count(sst, "<si>")
			for _, m := range regexp.MustCompile(`t="s"><v>(\d+)</v>`).FindAllStringSubmatch(string(zipPart(t, f.Data, "xl/worksheets/sheet1.xml")), -1) {
				if i, _ := strconv.Atoi(m[1]); i >= n {
					t.Errorf("sheet uses shared string %d of %d", i, n)
				}
			}
		}
	}
}

func TestCellRef(t *testing.T) {
	for _, c := range []struct {
		col, row int
		want     string
	}{
		{0, 0, "A1"},    // origin
		{25, 9, "Z10"},  // last single letter
		{26, 0, "AA1"},  // first double letter
		{51, 0, "AZ1"},  // end of the A block
		{52, 0, "BA1"},  // start of the B block
		{701, 0, "ZZ1"}, // last double letter
		{702, 0, "AAA1"},
	} {
		if got := cellRef(c.col, c.row); got != c.want {
			t.Errorf("cellRef(%d, %d) = %s, want %s", c.col, c.row, got, c.want)
		}
	}
}
