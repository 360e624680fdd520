package synth

import (
	"os/exec"
	"strings"
	"testing"
)

// python finds a Python 3 that has the modules; Debian packages them as
// python3-openpyxl and python3-docx.
func python(t *testing.T, modules string) string {
	t.Helper()
	for _, c := range []string{"/usr/bin/python3", "python3"} {
		bin, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(bin, "-c", "import "+modules).Run() == nil {
			return bin
		}
	}
	t.Skipf("no python3 with %s (apt-get install -y python3-openpyxl python3-docx); real-reader check skipped", modules)
	return ""
}

// TestOfficeFilesOpenInRealReaders opens the DOCX with python-docx and the
// XLSX with openpyxl, and the mails with Python's mailbox and email modules, and checks
// planted values come out.
func TestOfficeFilesOpenInRealReaders(t *testing.T) {
	py := python(t, "openpyxl, docx, mailbox")
	l := Demo(9)
	dir := t.TempDir()
	if err := l.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, glob, os, openpyxl, docx, mailbox, email
d = sys.argv[1]
for f in glob.glob(os.path.join(d, "docs", "*.xlsx")):
    ws = openpyxl.load_workbook(f).active
    for row in ws.iter_rows(values_only=True):
        print("\t".join("" if v is None else str(v) for v in row))
for f in glob.glob(os.path.join(d, "docs", "*.docx")):
    doc = docx.Document(f)
    print("author:", doc.core_properties.author)
    for p in doc.paragraphs:
        print(p.text)
    for t in doc.tables:
        for r in t.rows:
            print(" | ".join(c.text for c in r.cells))
box = mailbox.mbox(os.path.join(d, "mail", "edg-dev.mbox"))
print("messages:", len(box))
msgs = list(box)
for f in glob.glob(os.path.join(d, "mail", "*.eml")):
    with open(f, "rb") as fh:
        msgs.append(email.message_from_binary_file(fh))
for m in msgs:
    for h in ("From", "To", "Cc", "Subject"):
        print(h + ":", m.get(h, ""))
    for part in m.walk():
        if part.get_content_maintype() == "text":
            print(part.get_payload(decode=True).decode("utf-8"))
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python readers failed: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "messages: 3") {
		t.Error("Python's mailbox does not see 3 messages")
	}
	n := 0
	for _, p := range l.Truth.Identifiers {
		office := strings.HasSuffix(p.File, ".docx") || strings.HasSuffix(p.File, ".xlsx")
		mbox := strings.HasSuffix(p.File, ".mbox") || strings.HasSuffix(p.File, ".eml")
		if !office && !mbox {
			continue
		}
		n++
		if !strings.Contains(text, p.Value) {
			t.Errorf("real reader output lacks %s %q from %s", p.Kind, p.Value, p.File)
		}
	}
	if n < 30 {
		t.Errorf("only %d identifiers in office files and the mailbox", n)
	}
}
