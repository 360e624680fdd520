package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestNestedProvenance(t *testing.T) {
	// notes.txt in inner.zip in bundle.tar.gz attached to the second
	// message of a mailbox.
	inner := makeZip(t, f("notes.txt", "the payload"))
	tgz := gz(t, "", makeTar(t, file{name: "inner.zip", data: inner}))
	enc := base64.StdEncoding.EncodeToString(tgz)
	mbox := "From a@example.org Mon Jun  2 10:00:00 2025\nFrom: a@example.org\nSubject: first\n\nhello\n\n" +
		"From b@example.org Mon Jun  2 11:00:00 2025\nFrom: b@example.org\nSubject: second\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\n" +
		"Content-Type: application/gzip\nContent-Disposition: attachment; filename=\"bundle.tar.gz\"\nContent-Transfer-Encoding: base64\n\n" +
		enc + "\n--b--\n"
	r := walkBytes(t, "leak.mbox", []byte(mbox), Options{})
	d := r.find(t, "leak.mbox!/2!/bundle.tar.gz!/inner.zip!/notes.txt")
	if d.depth != 4 || d.text != "the payload" {
		t.Errorf("depth %d text %q", d.depth, d.text)
	}
	want := []string{"leak.mbox", "2", "bundle.tar.gz", "inner.zip", "notes.txt"}
	if fmt.Sprint(d.path) != fmt.Sprint(want) {
		t.Errorf("path %q, want %q", d.path, want)
	}
	// Parents come before children.
	var order []string
	for _, x := range r.docs {
		order = append(order, x.display)
	}
	wantOrder := []string{"leak.mbox", "leak.mbox!/1", "leak.mbox!/2", "leak.mbox!/2!/bundle.tar.gz",
		"leak.mbox!/2!/bundle.tar.gz!/inner.zip", "leak.mbox!/2!/bundle.tar.gz!/inner.zip!/notes.txt"}
	if fmt.Sprint(order) != fmt.Sprint(wantOrder) {
		t.Errorf("order %q, want %q", order, wantOrder)
	}
}

func utf16Bytes(s string, le, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if le {
			b = binary.LittleEndian.AppendUint16(b, u)
		} else {
			b = binary.BigEndian.AppendUint16(b, u)
		}
	}
	return b
}

func TestCharsets(t *testing.T) {
	const text = "naïve café, déjà vu"
	tests := []struct {
		name    string // test case
		input   []byte
		charset string
	}{
		// Windows-1252 bytes for ï and é.
		{"windows-1252", []byte("naive\xef caf\xe9"), "windows-1252"},
		// UTF-16LE with a byte order mark.
		{"utf-16le bom", utf16Bytes(text, true, true), "utf-16le"},
		// UTF-16LE without one, recognised by its zero high bytes.
		{"utf-16le no bom", utf16Bytes(text, true, false), "utf-16le"},
		// UTF-16BE with and without a byte order mark.
		{"utf-16be bom", utf16Bytes(text, false, true), "utf-16be"},
		{"utf-16be no bom", utf16Bytes(text, false, false), "utf-16be"},
		// UTF-8 with a byte order mark, which is dropped.
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, text...), "utf-8"},
		// Invalid UTF-8 in otherwise UTF-8 text falls back to windows-1252
		// rather than producing invalid output.
		{"mixed", []byte("caf\xc3\xa9 and caf\xe9"), "windows-1252"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := walkBytes(t, "t.txt", tc.input, Options{})
			d := r.docs[0]
			if d.charset != tc.charset || d.mediaType != mtText {
				t.Errorf("charset %q media %q, want %q text/plain", d.charset, d.mediaType, tc.charset)
			}
			want := text
			switch tc.name {
			case "windows-1252":
				want = "naiveï café"
			case "mixed":
				want = "cafÃ© and café"
			}
			if d.text != want {
				t.Errorf("text %q, want %q", d.text, want)
			}
		})
	}
	// HTML in UTF-16LE without a byte order mark.
	r := walkBytes(t, "p.html", utf16Bytes("<html><body><p>"+text+"</p></body></html>", true, false), Options{})
	if d := r.docs[0]; d.mediaType != mtHTML || d.text != text {
		t.Errorf("utf-16 html: %q %q", d.mediaType, d.text)
	}
}

// zeros yields n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.n)
	clear(p[:n])
	z.n -= n
	return int(n), nil
}

func zipOfZeros(t testing.TB, name string, n int64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, &zeros{n}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func TestZipBombStoppedQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1 GiB member")
	}
	data := zipOfZeros(t, "zeros.bin", 1<<30)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := walkBytes(t, "bomb.zip", data, Options{})
	runtime.ReadMemStats(&after)
	d := r.find(t, "bomb.zip!/zeros.bin")
	if !errors.Is(d.err, ErrBomb) || d.content != nil {
		t.Errorf("member error %v, content %d bytes; want ErrBomb and no content", d.err, len(d.content))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	t.Logf("packed %d KiB, allocated %d MiB", len(data)>>10, (after.TotalAlloc-before.TotalAlloc)>>20)
}

func TestLimits(t *testing.T) {
	nest := func(depth int) []byte {
		data := makeZip(t, f("leaf.txt", "deep leaf"))
		for i := depth - 1; i > 0; i-- {
			data = makeZip(t, file{name: fmt.Sprintf("level%d.zip", i), data: data})
		}
		return data
	}
	tests := []struct {
		name  string // test case
		input func(t *testing.T) []byte
		opts  Options
		check func(t *testing.T, r *recorder)
	}{
		{
			// Ten zips nested: the one at depth 8 is reported with ErrTooDeep
			// and its members are not visited.
			name:  "nest10.zip",
			input: func(t *testing.T) []byte { return nest(10) },
			check: func(t *testing.T, r *recorder) {
				deepest := r.docs[len(r.docs)-1]
				if deepest.depth != DefaultMaxDepth || !errors.Is(deepest.err, ErrTooDeep) {
					t.Errorf("deepest doc depth %d err %v", deepest.depth, deepest.err)
				}
				for _, d := range r.docs {
					if d.depth > DefaultMaxDepth {
						t.Errorf("%s at depth %d", d.display, d.depth)
					}
				}
			},
		},
		{
			// A custom depth limit of 2.
			name:  "nest4.zip",
			input: func(t *testing.T) []byte { return nest(4) },
			opts:  Options{MaxDepth: 2},
			check: func(t *testing.T, r *recorder) {
				if len(r.docs) != 3 || !errors.Is(r.docs[2].err, ErrTooDeep) {
					t.Errorf("docs %d, last err %v", len(r.docs), r.docs[len(r.docs)-1].err)
				}
			},
		},
		{
			// A 64 MiB zero member expands ~800:1: ErrBomb on the member,
			// stopped soon after 16 MiB.
			name:  "ratio.zip",
			input: func(t *testing.T) []byte { return zipOfZeros(t, "zeros", 64<<20) },
			check: func(t *testing.T, r *recorder) {
				if d := r.find(t, "ratio.zip!/zeros"); !errors.Is(d.err, ErrBomb) {
					t.Errorf("member err %v", d.err)
				}
			},
		},
		{
			// gzip of 64 MiB of zeros.
			name: "zeros.gz",
			input: func(t *testing.T) []byte {
				var b bytes.Buffer
				b.ReadFrom(&zeros{64 << 20})
				return gz(t, "zeros", b.Bytes())
			},
			check: func(t *testing.T, r *recorder) {
				if d := r.find(t, "zeros.gz!/zeros"); !errors.Is(d.err, ErrBomb) || d.content != nil {
					t.Errorf("member err %v", d.err)
				}
			},
		},
		{
			// The same compressed member listed 2000 times in the central
			// directory (overlapping entries): the archive ratio stops it.
			name:  "overlap.zip",
			input: func(t *testing.T) []byte { return overlapZip(t, 2000) },
			check: func(t *testing.T, r *recorder) {
				if d := r.find(t, "overlap.zip"); !errors.Is(d.err, ErrBomb) {
					t.Errorf("archive err %v", d.err)
				}
				if len(r.docs) > 100 {
					t.Errorf("%d members visited", len(r.docs)-1)
				}
			},
		},
		{
			// MaxTotalBytes: the total expansion across archives.
			name: "total.zip",
			input: func(t *testing.T) []byte {
				return makeZip(t, f("a.txt", strings.Repeat("a", 3000)), f("b.txt", strings.Repeat("b", 3000)), f("c.txt", "c"))
			},
			opts: Options{MaxTotalBytes: 4000},
			check: func(t *testing.T, r *recorder) {
				if d := r.find(t, "total.zip!/b.txt"); !errors.Is(d.err, ErrBomb) {
					t.Errorf("b.txt err %v", d.err)
				}
				if d := r.find(t, "total.zip"); !errors.Is(d.err, ErrBomb) {
					t.Errorf("archive err %v", d.err)
				}
				if len(r.docs) != 3 {
					t.Errorf("%d docs, want the archive, a.txt and b.txt", len(r.docs))
				}
			},
		},
		{
			// MaxMembers.
			name:  "members.zip",
			input: func(t *testing.T) []byte { return makeZip(t, f("1", "1"), f("2", "2"), f("3", "3")) },
			opts:  Options{MaxMembers: 2},
			check: func(t *testing.T, r *recorder) {
				if len(r.docs) != 3 || !errors.Is(r.docs[0].err, ErrBomb) {
					t.Errorf("%d docs, archive err %v", len(r.docs), r.docs[0].err)
				}
			},
		},
		{
			// MaxMemberBytes: the member is reported with its digest and size
			// but no content.
			name: "big.tar",
			input: func(t *testing.T) []byte {
				return makeTar(t, f("big.txt", strings.Repeat("x", 5000)), f("small.txt", "s"))
			},
			opts: Options{MaxMemberBytes: 4096},
			check: func(t *testing.T, r *recorder) {
				d := r.find(t, "big.tar!/big.txt")
				if !errors.Is(d.err, ErrTooLarge) || d.content != nil || !d.hasSum || d.size != 5000 {
					t.Errorf("big member: err %v content %v sum %v size %d", d.err, d.content != nil, d.hasSum, d.size)
				}
				checkDocs(t, r, []want{{path: "big.tar!/small.txt", contains: []string{"s"}}})
			},
		},
		{
			// MaxTextBytes: text cut at a rune boundary and marked truncated.
			name:  "long.txt",
			input: func(*testing.T) []byte { return []byte(strings.Repeat("é", 100)) },
			opts:  Options{MaxTextBytes: 11},
			check: func(t *testing.T, r *recorder) {
				d := r.docs[0]
				if d.text != strings.Repeat("é", 5) || !d.truncated {
					t.Errorf("text %q truncated %v", d.text, d.truncated)
				}
				// The cut is a problem the run reports, with the limit.
				if !errors.Is(d.err, ErrTextTruncated) || !strings.Contains(d.err.Error(), "11 bytes") {
					t.Errorf("truncated text reported as %v", d.err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, walkBytes(t, tc.name, tc.input(t), tc.opts))
		})
	}
}

// overlapZip builds a zip whose central directory lists one deflated
// member n times, all pointing at the same data.
func overlapZip(t testing.TB, n int) []byte {
	var b bytes.Buffer
	b.ReadFrom(&zeros{1 << 20})
	data := makeZip(t, file{name: "z", data: b.Bytes()})
	eocd := bytes.LastIndex(data, []byte("PK\x05\x06"))
	cdOff := int(binary.LittleEndian.Uint32(data[eocd+16:]))
	entry := data[cdOff:eocd]
	out := append([]byte(nil), data[:cdOff]...)
	for range n {
		out = append(out, entry...)
	}
	end := append([]byte(nil), data[eocd:]...)
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(len(entry)*n))
	return append(out, end...)
}

func TestHostileNames(t *testing.T) {
	long := strings.Repeat("n", 5000)
	names := []string{"../../etc/passwd", "/abs/path.txt", "nul\x00byte.txt", "esc\x1b[31mred.txt", "sep!/inside.txt", long, "C:\\windows\\x.txt", "rtl\u202etxt.exe"}
	var files []file
	for _, n := range names {
		files = append(files, f(n, "content of "+n[:min(len(n), 8)]))
	}
	r := walkBytes(t, "names.zip", makeZip(t, files...), Options{})
	if len(r.docs) != len(names)+1 {
		t.Fatalf("%d docs", len(r.docs))
	}
	for i, n := range names {
		d := r.docs[i+1]
		if d.path[1] != n {
			t.Errorf("member %d path %q, want the raw name %q", i, d.path[1], n)
		}
		disp := d.display
		if strings.ContainsAny(disp, "\x00\x1b\u202e") || strings.Count(disp, "!/") != 1 {
			t.Errorf("display %q is not escaped", disp)
		}
	}
}

func TestDisplayPath(t *testing.T) {
	tests := []struct {
		path []string
		want string
	}{
		// The example from the documentation.
		{[]string{"leak.zip", "mail/archive.mbox", "3", "notes.txt"}, "leak.zip!/mail/archive.mbox!/3!/notes.txt"},
		// The separator inside a name is escaped, a lone '!' is not.
		{[]string{"a!/b", "c!d"}, `a\x21/b!/c!d`},
		// Control characters, NUL and DEL.
		{[]string{"a\x00b\nc\x7f"}, `a\x00b\x0ac\x7f`},
		// Backslashes are escaped so escapes stay unambiguous.
		{[]string{`dir\x00`}, `dir\\x00`},
		// Invalid UTF-8 bytes.
		{[]string{"caf\xe9"}, `caf\xe9`},
		// Bidirectional overrides and C1 controls.
		{[]string{"gpj\u202e.exe", "x\u0085y"}, `gpj\u202e.exe!/x\u0085y`},
		// Traversal names are shown as they are: they are never paths here.
		{[]string{"../../x", "/etc/passwd"}, "../../x!//etc/passwd"},
		// Empty path.
		{nil, ""},
	}
	for _, tc := range tests {
		if got := DisplayPath(tc.path); got != tc.want {
			t.Errorf("DisplayPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	long := DisplayPath([]string{strings.Repeat("a", 3000)})
	if len(long) > maxDisplaySegment+32 || !strings.HasSuffix(long, "...(3000 bytes)") {
		t.Errorf("long segment displayed as %d bytes", len(long))
	}
}

func TestCorruptInputs(t *testing.T) {
	inputs := map[string][]byte{
		"a.zip":     makeZip(t, f("a.txt", strings.Repeat("alpha ", 200)), f("b.txt", strings.Repeat("beta ", 200))),
		"a.tar.gz":  gz(t, "", makeTar(t, f("a.txt", strings.Repeat("alpha ", 200)))),
		"a.gz":      gz(t, "a", []byte(strings.Repeat("alpha ", 200))),
		"a.xz":      xzBytes(t, []byte(strings.Repeat("alpha ", 200))),
		"a.tar.bz2": readFixture(t, "bundle.tar.bz2"),
		"a.7z":      readFixture(t, "plain.7z"),
		"h.7z":      readFixture(t, "header-encrypted.7z"),
		"a.pdf":     makePDF([]string{"Hello PDF world", "second"}, ""),
		"a.docx":    makeDocx(t),
		"a.xlsx":    makeXlsx(t),
		"a.pptx":    makePptx(t),
		"a.tar":     makeTar(t, f("a.txt", strings.Repeat("alpha ", 200))),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			// Truncations at several points must give a doc with Err
			// somewhere and never a panic.
			for _, cut := range []int{len(data) / 4, len(data) / 2, len(data) - 20} {
				r := walkBytes(t, name, data[:cut], Options{})
				var sawErr bool
				for _, d := range r.docs {
					sawErr = sawErr || d.err != nil
				}
				if !sawErr {
					t.Errorf("cut at %d/%d: no document reports an error", cut, len(data))
				}
			}
			// Flipped bytes anywhere must not panic.
			for i := 0; i < len(data); i += max(1, len(data)/64) {
				bad := bytes.Clone(data)
				bad[i] ^= 0xA5
				walkBytes(t, name, bad, Options{})
			}
		})
	}
}

func TestVisitorControl(t *testing.T) {
	data := makeZip(t, file{name: "inner.zip", data: makeZip(t, f("x.txt", "x"))}, f("y.txt", "y"))
	t.Run("skip", func(t *testing.T) {
		// Begin returning false skips the children and End.
		r := &recorder{skip: func(d *Doc) bool { return d.Path[len(d.Path)-1] == "inner.zip" }}
		if err := Walk(context.Background(), "a.zip", bytes.NewReader(data), int64(len(data)), Options{}, r); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range r.docs {
			got = append(got, fmt.Sprintf("%s:%v", d.display, d.ended))
		}
		want := "[a.zip:true a.zip!/inner.zip:false a.zip!/y.txt:true]"
		if fmt.Sprint(got) != want {
			t.Errorf("got %v, want %s", got, want)
		}
	})
	t.Run("error", func(t *testing.T) {
		// A visitor error aborts the walk and is returned.
		r := &recorder{failOn: "a.zip!/inner.zip!/x.txt"}
		err := Walk(context.Background(), "a.zip", bytes.NewReader(data), int64(len(data)), Options{}, r)
		if !errors.Is(err, errVisitor) || len(r.docs) != 3 {
			t.Errorf("err %v after %d docs", err, len(r.docs))
		}
	})
	t.Run("panic", func(t *testing.T) {
		// A visitor panic becomes an error, not a crash.
		err := Walk(context.Background(), "a.zip", bytes.NewReader(data), int64(len(data)), Options{}, panicVisitor{})
		if err == nil {
			t.Error("no error")
		}
	})
	t.Run("cancel", func(t *testing.T) {
		// Cancellation stops the walk with ctx's error.
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancelVisitor{recorder: &recorder{}, cancel: cancel}
		err := Walk(ctx, "a.zip", bytes.NewReader(data), int64(len(data)), Options{}, r)
		if !errors.Is(err, context.Canceled) || len(r.docs) != 1 {
			t.Errorf("err %v after %d docs", err, len(r.docs))
		}
	})
}

type panicVisitor struct{}

func (panicVisitor) Begin(*Doc) (bool, error) { panic("visitor bug") }
func (panicVisitor) End(*Doc) error           { return nil }

type cancelVisitor struct {
	*recorder
	cancel func()
}

func (c *cancelVisitor) Begin(d *Doc) (bool, error) {
	c.cancel()
	return c.recorder.Begin(d)
}
