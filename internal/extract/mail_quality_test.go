package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedMailRecovery walks the CPython email test suite's messages
// (testdata/mail, many of them malformed on purpose: missing boundaries,
// bad encodings, broken headers) and compares the words of every document
// antidote reports for a message, attachments included, with the text
// Python's email package recovers (testdata/mail/regen-refs.py). A damaged
// message must keep every part that can be read.
func TestDamagedMailRecovery(t *testing.T) {
	refs, err := filepath.Glob("testdata/mail/msg_*.txt.ref")
	if err != nil || len(refs) == 0 {
		t.Fatalf("no messages: %v", err)
	}
	var common, total int
	for _, refPath := range refs {
		name := strings.TrimSuffix(refPath, ".ref")
		ref, _ := os.ReadFile(refPath)
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		r := walkBytes(t, filepath.Base(name)+".eml", data, Options{})
		var all strings.Builder
		for _, d := range r.docs {
			all.WriteString(d.text + "\n")
		}
		c, _, n := overlap(words(all.String()), words(string(ref)))
		common, total = common+c, total+n
		if n > 0 && float64(c)/float64(n) < 0.9 {
			t.Logf("%s: recall %.3f (%d of %d words) missing %q err %v", filepath.Base(name), float64(c)/float64(n), c, n,
				missing(words(all.String()), words(string(ref)), 8), r.docs[0].err)
		}
	}
	recall := float64(common) / float64(total)
	t.Logf("%d messages: word recall %.3f against Python's email package", len(refs), recall)
	if recall < 0.97 {
		t.Errorf("word recall %.3f, floor 0.97", recall)
	}
}
