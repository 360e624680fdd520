package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestOCR: a run of images, one with no text, completes with exit 0;
// the OCR'd text is searchable and marked in docs show; and no canary from
// an image or a PDF reaches the disk in plaintext, neither in the
// workspace nor in the temporary directory the sandboxed engines could use.
func TestIngestOCR(t *testing.T) {
	for _, p := range []string{"tesseract", "bwrap"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (CI installs it)", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := testEnv(t)
	leak := filepath.Join(t.TempDir(), "scans")
	if err := os.MkdirAll(leak, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"canary-ocr.png", "no-text.png"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ocr", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(leak, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pdf := minimalPDF("zqxcanarypdf page text")
	if err := os.WriteFile(filepath.Join(leak, "typed.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "ingest", "--quiet", "--json", "--ocr", "eng", leak)
	if err != nil {
		t.Fatalf("ingest of images and a PDF: %v\n%s", err, out)
	}
	for _, c := range []string{"zqxcanaryocr", "zqxcanarypdf"} {
		if out, _, err := runCLI(t, env, "search", "--json", c); err != nil || !strings.Contains(out, `"doc"`) {
			t.Errorf("search %s found nothing: %v %s", c, err, out)
		}
	}
	out, _, err = runCLI(t, env, "docs", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d struct {
			ID        int64
			Paths     []string
			Status    string
			Complete  bool
			OCR       string
			MediaType string `json:"media_type"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		if d.Status != "ok" || !d.Complete {
			t.Errorf("%v: status %s complete %v", d.Paths, d.Status, d.Complete)
		}
		if d.MediaType == "image/png" {
			if d.OCR != "eng" {
				t.Errorf("%v: ocr %q", d.Paths, d.OCR)
			}
			show, _, err := runCLI(t, env, "docs", "show", jsonInt(d.ID))
			if err != nil || !strings.Contains(show, "ocr:        read by OCR (eng)") {
				t.Errorf("docs show %d: %v\n%s", d.ID, err, show)
			}
			shown++
		}
	}
	if shown != 2 {
		t.Errorf("%d images listed, want 2", shown)
	}
	for _, dir := range []string{env["ANTIDOTE_WORKSPACE"], tmp} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, c := range []string{"zqxcanaryocr", "zqxcanarypdf"} {
				if bytes.Contains(bytes.ToLower(b), []byte(c)) {
					t.Errorf("canary %s in plaintext in %s", c, p)
				}
			}
			return nil
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// minimalPDF is a one-page PDF showing text in Helvetica.
func minimalPDF(text string) []byte {
	content := "BT /F1 12 Tf 72 712 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Length " + jsonInt(int64(len(content))) + " >>\nstream\n" + content + "\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		b.WriteString(jsonInt(int64(i+1)) + " 0 obj\n" + o + "\nendobj\n")
	}
	xref := b.Len()
	b.WriteString("xref\n0 6\n0000000000 65535 f \n")
	for _, o := range offs {
		s := jsonInt(int64(o))
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + jsonInt(int64(xref)) + "\n%%EOF\n")
	return b.Bytes()
}

// TestIngestPDFPhrases: phrases of real PDFs (Debian documentation, see
// internal/extract/testdata/pdf/README) are found by search after ingest,
// as an analyst would look for them.
func TestIngestPDFPhrases(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "internal", "extract", "testdata", "pdf")
	out, _, err := runCLI(t, env, "ingest", "--quiet", "--json", "--ocr", "none", src)
	// The one image-only PDF is reported unread with OCR off.
	if err != nil && exitCode(err) != exitPartial {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	for _, phrase := range []string{
		"algorithm which renders these flags irrelevant",
		"if insufficient memory is available",
		"Whether glyphs can be antialiased",
		"Use the embedded bitmap instead of the outline",
		"USING AUTOMAKE IN THE GROFF PROJECT",
		"How to Exploit PDF Features with GNU Troff",
		"which defines the active region of the link",
		"directory is a mount point",
		"embedded web browser relies heavily on open source",
		"It does not allow any discussion",
	} {
		out, _, err := runCLI(t, env, "search", "--json", `"`+phrase+`"`)
		if err != nil || !strings.Contains(out, `"doc"`) {
			t.Errorf("search %q found nothing: %v %s", phrase, err, out)
		}
	}
}
