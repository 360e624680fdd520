package synth

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCorpusReadableAndTrue(t *testing.T) {
	var b bytes.Buffer
	var truth []Planted
	st, err := CorpusTruth(&b, 11, 40, 12, func(p Planted) { truth = append(truth, p) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Pages != 41 || st.Attachments != 12 || st.PDFs != 4 || st.DOCXs != 4 || st.Mails != 4 || st.Files != 53 {
		t.Errorf("stats %+v do not match 40 pages + staff directory and 12 attachments", st)
	}
	if st.Identifiers != len(truth) {
		t.Errorf("stats count %d identifiers, callback saw %d", st.Identifiers, len(truth))
	}
	if len(st.Staff) != corpusStaff {
		t.Errorf("%d staff, want %d", len(st.Staff), corpusStaff)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatalf("corpus zip unreadable: %v", err)
	}
	if len(zr.File) != st.Files {
		t.Fatalf("zip holds %d files, stats say %d", len(zr.File), st.Files)
	}
	texts := map[string]map[string]string{}
	var total int64
	for _, f := range zr.File {
		data := readZip(t, f)
		total += int64(len(data))
		texts[f.Name] = decode(t, f.Name, data)
		if strings.HasPrefix(f.Name, "pages/") && !strings.Contains(f.Name, "staff-directory") {
			if n := len(data); n < 5000 || n > 15500 {
				t.Errorf("page %s is %d bytes, want about 5-15 KB", f.Name, n)
			}
		}
	}
	if total != st.Bytes {
		t.Errorf("entries hold %d bytes, stats say %d", total, st.Bytes)
	}
	for _, p := range truth {
		if !strings.Contains(texts[p.File][p.Member], p.Value) {
			t.Errorf("%s %q not in %s member %q", p.Kind, p.Value, p.File, p.Member)
		}
	}
}

func TestCorpusDeterministic(t *testing.T) {
	sum := func(seed int64) [32]byte {
		h := sha256.New()
		if _, err := Corpus(h, seed, 20, 6); err != nil {
			t.Fatal(err)
		}
		return [32]byte(h.Sum(nil))
	}
	if sum(3) != sum(3) {
		t.Error("same seed gave different corpora")
	}
	if sum(3) == sum(4) {
		t.Error("different seeds gave the same corpus")
	}
}

func TestCorpusRejectsNegative(t *testing.T) {
	if _, err := Corpus(io.Discard, 1, -1, 0); err == nil {
		t.Error("negative page count accepted")
	}
}

// heapWatch is a writer that samples the live heap every few megabytes.
type heapWatch struct {
	w       io.Writer
	n, next int64
	peak    uint64
}

func (h *heapWatch) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	if h.n >= h.next {
		h.next = h.n + 2<<20
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapAlloc)
	}
	return h.w.Write(p)
}

// TestCorpusMemoryBounded streams a 2,000-page corpus to a file and checks
// the live heap stays far below the corpus size, then reads the zip back.
func TestCorpusMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams a 2,000-page corpus")
	}
	path := filepath.Join(t.TempDir(), "corpus.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	hw := &heapWatch{w: f}
	st, err := Corpus(hw, 99, 2000, 300)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	grew := int64(hw.peak) - int64(base.HeapAlloc)
	t.Logf("corpus: %d files, %d MB uncompressed, %d MB zip, %d identifiers; live heap grew at most %d KB",
		st.Files, st.Bytes>>20, hw.n>>20, st.Identifiers, grew>>10)
	if st.Bytes < 15<<20 {
		t.Fatalf("corpus is only %d bytes; the test needs one larger than the bound", st.Bytes)
	}
	if limit := int64(8 << 20); grew > limit {
		t.Errorf("live heap grew by %d MB while streaming, want under %d MB", grew>>20, limit>>20)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("corpus zip unreadable: %v", err)
	}
	defer zr.Close()
	if len(zr.File) != st.Files {
		t.Errorf("zip holds %d files, stats say %d", len(zr.File), st.Files)
	}
	var n int64
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		m, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		n += m
	}
	if n != st.Bytes {
		t.Errorf("zip entries hold %d bytes, stats say %d", n, st.Bytes)
	}
}

func BenchmarkCorpus(b *testing.B) {
	var st Stats
	for b.Loop() {
		var err error
		if st, err = Corpus(io.Discard, 1, 100, 30); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(st.Bytes)
}

func BenchmarkDemo(b *testing.B) {
	for b.Loop() {
		Demo(1)
	}
}
