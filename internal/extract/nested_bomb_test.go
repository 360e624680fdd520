package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// nestedZip puts copies of data in a zip, level times over.
func nestedZip(t testing.TB, data []byte, copies, levels int) []byte {
	for lvl := 1; lvl <= levels; lvl++ {
		var fs []file
		for i := range copies {
			fs = append(fs, file{name: fmt.Sprintf("l%d-%d.zip", lvl, i), data: data})
		}
		data = makeZip(t, fs...)
	}
	return data
}

// TestNestedBombBudget: a 42.zip-style bomb of under 10 KB holding 512
// members of 128 MiB (64 GiB) three zips deep. Each level is within the
// ratio of its own container; counted against the outermost bytes, the
// tree is stopped after the ratio floor, not after the 32 GiB total.
func TestNestedBombBudget(t *testing.T) {
	data := nestedZip(t, zipOfZeros(t, "z.bin", 128<<20), 8, 3)
	r := &recorder{}
	w, err := walk(context.Background(), "42.zip", bytes.NewReader(data), int64(len(data)), Options{}, r)
	if err != nil {
		t.Fatal(err)
	}
	if root := r.docs[0]; !errors.Is(root.err, ErrBomb) {
		t.Errorf("root: %v, want ErrBomb", root.err)
	}
	if w.total > 2*ratioFloor {
		t.Errorf("expanded %d MiB of a %d-byte input", w.total>>20, len(data))
	}
	if len(r.docs) > 32 {
		t.Errorf("%d documents visited", len(r.docs))
	}

	// Honest nesting is not a bomb: 200 KB of text three zips deep,
	// compressed as text compresses, a few times over.
	var words []string
	rnd := noise(7, 64<<10)
	vocab := strings.Fields("host login failed accepted session user root admin from port ssh error warning kernel disk mount service started stopped network address")
	for i := 0; i+1 < len(rnd); i += 2 {
		words = append(words, vocab[int(rnd[i])%len(vocab)])
		if rnd[i+1]%8 == 0 {
			words = append(words, "\n")
		}
	}
	text := []byte(strings.Join(words, " "))
	honest := nestedZip(t, makeZip(t, file{name: "log.txt", data: text}), 4, 3)
	rr := walkBytes(t, "archive.zip", honest, Options{})
	for _, d := range rr.docs {
		if d.err != nil {
			t.Fatalf("%s: %v", d.display, d.err)
		}
	}
	if len(rr.docs) != 1+4+16+64+64 {
		t.Errorf("%d documents, want %d", len(rr.docs), 1+4+16+64+64)
	}
}
