package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/ulikunitz/xz/lzma"
)

// num7z encodes v as 7z's variable-length number.
func num7z(v uint64) []byte {
	for extra := 0; extra < 8; extra++ {
		if v < 1<<(7*(extra+1)) {
			b := []byte{byte(uint(0xFF00)>>extra) | byte(v>>(8*extra))}
			for i := range extra {
				b = append(b, byte(v>>(8*i)))
			}
			return b
		}
	}
	b := []byte{0xFF}
	for i := range 8 {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// hdr7z concatenates header parts: bytes as they are, byte values, and
// numbers (uint64) in 7z's encoding.
func hdr7z(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			b = append(b, v...)
		case byte:
			b = append(b, v)
		case int:
			b = append(b, byte(v))
		case uint64:
			b = append(b, num7z(v)...)
		case string:
			for _, r := range v {
				b = append(b, byte(r), byte(r>>8))
			}
			b = append(b, 0, 0)
		default:
			panic(fmt.Sprintf("hdr7z: %T", p))
		}
	}
	return b
}

// build7z assembles a 7z archive from its packed streams and header.
func build7z(packed, header []byte) []byte {
	return append(append(start7z(uint64(len(packed)), header), packed...), header...)
}

// names7z is a names property for the given file names.
func names7z(names ...string) []byte {
	var data []byte
	for _, n := range names {
		data = append(data, hdr7z(n)...)
	}
	return hdr7z(szName, uint64(len(data)+1), 0, data)
}

// oneFolder7z is a header for one folder of one coder (flags, id, props)
// holding one file of size unpack, packed in packed bytes.
func oneFolder7z(coder []byte, packed, unpack uint64) []byte {
	return hdr7z(szHeader, szMainStreams,
		szPackInfo, uint64(0), uint64(1), szSize, packed, szEnd,
		szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), coder, szCodersUnpackSize, unpack, szEnd,
		szEnd,
		szFilesInfo, uint64(1), names7z("a.txt"), szEnd,
		szEnd)
}

// encoded7z wraps a header as an encoded header stored with the Copy coder.
func encoded7z(header []byte) []byte {
	n := uint64(len(header))
	enc := hdr7z(szEncodedHeader,
		szPackInfo, uint64(0), uint64(1), szSize, n, szEnd,
		szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), 0x01, 0x00, szCodersUnpackSize, n, szEnd,
		szEnd)
	return build7z(header, enc)
}

// lzmaEncoded7z wraps a header as an LZMA-compressed encoded header, as
// 7-Zip writes them.
func lzmaEncoded7z(t testing.TB, header []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := lzma.WriterConfig{DictCap: 1 << 16, SizeInHeader: true, Size: int64(len(header))}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(header)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	props, stream := buf.Bytes()[:5], buf.Bytes()[13:]
	enc := hdr7z(szEncodedHeader,
		szPackInfo, uint64(0), uint64(1), szSize, uint64(len(stream)), szEnd,
		szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), 0x23, methodLZMA, uint64(5), props,
		szCodersUnpackSize, uint64(len(header)), szEnd,
		szEnd)
	return build7z(stream, enc)
}

// allocDuring returns the bytes allocated while fn ran.
func allocDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestSevenZipHostileHeaders feeds archives of a few hundred bytes whose
// headers ask the reader for gigabytes. Each must be reported with a
// reason, allocating little.
func TestSevenZipHostileHeaders(t *testing.T) {
	const (
		// Counts large enough that honouring them allocates a gigabyte or
		// more, small enough that the test survives doing so.
		many  = 1 << 27
		files = 1 << 23
		// maxAlloc is what a walk of these archives may allocate.
		maxAlloc = 32 << 20
	)
	lzma2 := func(p byte) []byte { return hdr7z(0x21, methodLZMA2, uint64(1), p) }
	ppmd := hdr7z(0x23, methodPPMd, uint64(5), 6, []byte{0x00, 0xFF, 0xFF, 0xFF})
	lzmaBig := hdr7z(0x23, methodLZMA, uint64(5), 0x5D, []byte{0xFF, 0xFF, 0xFF, 0x7F})
	numStreams := hdr7z(szHeader, szMainStreams,
		szPackInfo, uint64(0), uint64(1), szSize, uint64(1), szEnd,
		szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), 0x01, 0x00, szCodersUnpackSize, uint64(1), szEnd,
		szSubStreams, szNumUnpackStream, uint64(many), szSize, uint64(1), uint64(1), szEnd,
		szEnd, szEnd)
	// Eight folders each asking for a 256 MiB LZMA2 dictionary, under the
	// per-folder cap but far beyond what a 1 KiB archive may expand to.
	var manyDicts []any
	manyDicts = append(manyDicts, szHeader, szMainStreams, szPackInfo, uint64(0), uint64(8), szSize)
	for range 8 {
		manyDicts = append(manyDicts, uint64(4))
	}
	manyDicts = append(manyDicts, szEnd, szUnpackInfo, szFolderID, uint64(8), 0)
	for range 8 {
		manyDicts = append(manyDicts, uint64(1), lzma2(32))
	}
	manyDicts = append(manyDicts, szCodersUnpackSize)
	for range 8 {
		manyDicts = append(manyDicts, uint64(1000))
	}
	manyDicts = append(manyDicts, szEnd, szEnd, szFilesInfo, uint64(8),
		names7z("1", "2", "3", "4", "5", "6", "7", "8"), szEnd, szEnd)

	tests := []struct {
		name   string // test case: what the header claims
		data   []byte
		err    error  // on the archive, or on member a.txt if member is set
		member bool   // the error is on the member
		reason string // in the error
	}{
		// 2^27 unpack streams in one folder: the reader allocates 1 GiB
		// of sizes before reading them.
		{"NumUnpackStreams", build7z([]byte{'x'}, numStreams), ErrCorrupt, false, "stream size count exceeds"},
		// The same header, hidden in a stored encoded header.
		{"encoded NumUnpackStreams", encoded7z(numStreams), ErrCorrupt, false, "stream size count exceeds"},
		// The same header, LZMA-compressed as 7-Zip writes headers.
		{"LZMA-encoded NumUnpackStreams", lzmaEncoded7z(t, numStreams), ErrCorrupt, false, "stream size count exceeds"},
		// 2^27 pack streams with all CRCs defined: 640 MiB of flags and
		// digests before the first digest is read.
		{"NumPackStreams", build7z(nil, hdr7z(szHeader, szMainStreams,
			szPackInfo, uint64(0), uint64(many), szCRC, 1, []byte{1, 2, 3, 4}, szEnd, szEnd, szEnd)),
			ErrCorrupt, false, "pack stream count exceeds"},
		// 2^27 folders.
		{"NumFolders", build7z(nil, hdr7z(szHeader, szMainStreams,
			szUnpackInfo, szFolderID, uint64(many), 0, uint64(1), 0x01, 0x00, szEnd, szEnd, szEnd)),
			ErrCorrupt, false, "folder count exceeds"},
		// A coder with 2^27 input streams: 1 GiB of packed stream indexes.
		{"coder streams", build7z(nil, hdr7z(szHeader, szMainStreams,
			szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), 0x11, 0x00, uint64(many), uint64(1), szEnd, szEnd, szEnd)),
			ErrCorrupt, false, "too many coder streams"},
		// 2^23 files and nothing else: a gigabyte of file headers, and
		// more files than the member limit.
		{"NumFiles", build7z(nil, hdr7z(szHeader, szFilesInfo, uint64(files), szEnd, szEnd)),
			ErrBomb, false, "over the limit of 1000000 members"},
		// Under the member limit, 2^19 files without names.
		{"NumFiles nameless", build7z(nil, hdr7z(szHeader, szFilesInfo, uint64(files>>4), szEnd, szEnd)),
			ErrCorrupt, false, "too many files without names"},
		// 2^19 files with all modification times defined.
		{"NumFiles with times", build7z(nil, hdr7z(szHeader, szFilesInfo, uint64(files>>4),
			szMTime, uint64(3), 1, 0, []byte{1, 2, 3, 4, 5, 6, 7, 8}, szEnd, szEnd)),
			ErrCorrupt, false, "header truncated"},
		// The start header puts the header far past the end of the file.
		{"header past the end", start7z(1<<40, make([]byte, 100)), ErrCorrupt, false, "past the end"},
		// An encoded header that claims to unpack to a terabyte.
		{"encoded header size", build7z([]byte{1, 2, 3}, hdr7z(szEncodedHeader,
			szPackInfo, uint64(0), uint64(1), szSize, uint64(3), szEnd,
			szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), 0x01, 0x00, szCodersUnpackSize, uint64(1<<40), szEnd,
			szEnd)), ErrTooLarge, false, "7z header over"},
		// LZMA2 with a 3 GiB dictionary for a 100-byte file: the decoder
		// allocates it on open.
		{"LZMA2 dictionary", build7z(make([]byte, 10), oneFolder7z(lzma2(39), 10, 100)), ErrTooLarge, true, "needs 3072 MiB"},
		// PPMd with a 4 GiB model.
		{"PPMd memory", build7z(make([]byte, 10), oneFolder7z(ppmd, 10, 100)), ErrTooLarge, true, "needs 4095 MiB"},
		// LZMA with a 2 GiB dictionary and a claimed 2 GiB output.
		{"LZMA dictionary", build7z(make([]byte, 10), oneFolder7z(lzmaBig, 10, 1<<31)), ErrTooLarge, true, "needs 2047 MiB"},
		// Eight 256 MiB dictionaries in a 1 KiB archive: each is allowed
		// alone but counts against the expansion budget.
		{"many dictionaries", build7z(make([]byte, 32), hdr7z(manyDicts...)), ErrBomb, false, "expansion"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *recorder
			n := allocDuring(func() { r = walkBytes(t, "x.7z", tc.data, Options{}) })
			if n > maxAlloc {
				t.Errorf("walk of %d bytes allocated %d MiB", len(tc.data), n>>20)
			}
			d := r.docs[0]
			if tc.member {
				d = r.find(t, "x.7z!/a.txt")
			}
			if !errors.Is(d.err, tc.err) || !strings.Contains(fmt.Sprint(d.err), tc.reason) {
				t.Errorf("%s: error %v, want %v with %q", d.display, d.err, tc.err, tc.reason)
			}
		})
	}
}

// TestSevenZipBuilder checks that the archives the hostile tests are made
// from open when their counts are honest, so that those tests fail for
// the counts and not for a malformed archive.
func TestSevenZipBuilder(t *testing.T) {
	text := []byte("seven zip text\n")
	stored := oneFolder7z([]byte{0x01, 0x00}, uint64(len(text)), uint64(len(text)))
	for name, data := range map[string][]byte{
		"plain":        build7z(text, stored),
		"encoded":      encoded7z(stored),
		"LZMA-encoded": lzmaEncoded7z(t, stored),
	} {
		t.Run(name, func(t *testing.T) {
			if name != "plain" {
				// The encoded header's stream comes first; the content
				// follows at the position the header gives, 0.
				data = fixContent7z(data, text)
			}
			r := walkBytes(t, "x.7z", data, Options{})
			checkDocs(t, r, []want{{path: "x.7z"}, {path: "x.7z!/a.txt", contains: []string{"seven zip text"}}})
		})
	}
}

// fixContent7z puts content at the start of the packed streams of an
// archive whose encoded header is packed at position 0 too: the content
// is prepended and the header's own position moved past it.
func fixContent7z(archive, content []byte) []byte {
	packed := archive[32 : len(archive)-len(encodedTail(archive))]
	tail := encodedTail(archive)
	// The encoded header starts: id, PackInfo, position 0.
	if tail[0] != szEncodedHeader || tail[1] != szPackInfo || tail[2] != 0 {
		panic("fixContent7z: unexpected encoded header")
	}
	newTail := append(append([]byte{tail[0], tail[1]}, num7z(uint64(len(content)))...), tail[3:]...)
	return build7z(append(append([]byte(nil), content...), packed...), newTail)
}

// encodedTail returns the header bytes of an archive made by build7z.
func encodedTail(archive []byte) []byte {
	size := int(archive[20]) | int(archive[21])<<8
	return archive[len(archive)-size:]
}

// solid7z is an archive of one folder (coder flags, id and props, packed
// stream) holding the given files in order, with their CRCs.
func solid7z(coder, packed []byte, files ...[]byte) []byte {
	var total uint64
	var sizes, crcs []any
	var names []string
	for i, f := range files {
		total += uint64(len(f))
		if i < len(files)-1 {
			sizes = append(sizes, uint64(len(f)))
		}
		crcs = append(crcs, binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(f)))
		names = append(names, fmt.Sprintf("f%d.txt", i+1))
	}
	parts := []any{szHeader, szMainStreams,
		szPackInfo, uint64(0), uint64(1), szSize, uint64(len(packed)), szEnd,
		szUnpackInfo, szFolderID, uint64(1), 0, uint64(1), coder, szCodersUnpackSize, total, szEnd,
		szSubStreams, szNumUnpackStream, uint64(len(files)), szSize}
	parts = append(parts, sizes...)
	parts = append(parts, szCRC, 1)
	parts = append(parts, crcs...)
	parts = append(parts, szEnd, szEnd, szFilesInfo, uint64(len(files)), names7z(names...), szEnd, szEnd)
	return build7z(packed, hdr7z(parts...))
}

// lzmaRaw compresses data as a 7z LZMA coder stream and returns the
// coder's flags, id and properties, and the stream.
func lzmaRaw(t testing.TB, data []byte) (coder, stream []byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := lzma.WriterConfig{DictCap: 1 << 16, SizeInHeader: true, Size: int64(len(data))}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return hdr7z(0x23, methodLZMA, uint64(5), buf.Bytes()[:5]), buf.Bytes()[13:]
}

// noise is incompressible printable text.
func noise(seed uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		seed = seed*6364136223846793005 + 1442695040888963407
		b[i] = 'a' + byte(seed>>59)%26
	}
	return b
}

func TestSevenZipSolidBlocks(t *testing.T) {
	// Large enough that the decoder's read-ahead does not reach the cut
	// while the first file is read.
	one, two, three := noise(1, 200000), noise(2, 200000), noise(3, 200000)
	all := append(append(append([]byte(nil), one...), two...), three...)
	coder, stream := lzmaRaw(t, all)

	t.Run("intact", func(t *testing.T) {
		r := walkBytes(t, "x.7z", solid7z(coder, stream, one, two, three), Options{})
		checkDocs(t, r, []want{{path: "x.7z"}, {path: "x.7z!/f1.txt"}, {path: "x.7z!/f2.txt"}, {path: "x.7z!/f3.txt", contains: []string{string(three[:100])}}})
	})
	t.Run("truncated", func(t *testing.T) {
		// The stream ends inside the second file: the first is read, the
		// second is damaged, and the third is not decoded again up to
		// the damage.
		cut := stream[:len(stream)/2]
		r := walkBytes(t, "x.7z", solid7z(coder, cut, one, two, three), Options{})
		checkDocs(t, r, []want{{path: "x.7z!/f1.txt", contains: []string{string(one[:100])}},
			{path: "x.7z!/f2.txt", err: ErrCorrupt}, {path: "x.7z!/f3.txt", err: ErrCorrupt}})
		if err := r.find(t, "x.7z!/f3.txt").err; !strings.Contains(err.Error(), "failed before this member") {
			t.Errorf("f3.txt: %v", err)
		}
	})
	t.Run("checksum", func(t *testing.T) {
		// Stored files, the first with a wrong checksum: reported, and
		// the next ones still read.
		stored := append(append([]byte(nil), one[:100]...), two[:100]...)
		data := solid7z([]byte{0x01, 0x00}, stored, one[:100], two[:100])
		data[32] ^= 1
		r := walkBytes(t, "x.7z", data, Options{})
		checkDocs(t, r, []want{{path: "x.7z!/f1.txt", err: ErrCorrupt}, {path: "x.7z!/f2.txt", contains: []string{string(two[:100])}}})
	})
}
