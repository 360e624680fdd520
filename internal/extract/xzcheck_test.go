package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// xzWithDict returns an xz stream of data whose first block header names
// the LZMA2 dictionary property p (40: 4 GiB), its checksum fixed.
func xzWithDict(t *testing.T, data []byte, p byte) []byte {
	t.Helper()
	b := xzBytes(t, data)
	size := (int(b[12]) + 1) * 4
	hdr := b[12 : 12+size]
	i := bytes.Index(hdr, []byte{0x21, 0x01})
	if i < 0 {
		t.Fatal("no LZMA2 filter in the block header")
	}
	hdr[i+2] = p
	binary.LittleEndian.PutUint32(hdr[size-4:], crc32.ChecksumIEEE(hdr[:size-4]))
	return b
}

func TestXzDictionary(t *testing.T) {
	text := []byte("xz payload text\n")
	if d := xzDictionary(xzWithDict(t, text, 39)); d != 3<<30 {
		t.Fatalf("dictionary %d, want 3 GiB", d)
	}
	zipped := func(xzData []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "t.txt", Method: zipMethodXz, CRC32: crc32.ChecksumIEEE(text),
			CompressedSize64: uint64(len(xzData)), UncompressedSize64: uint64(len(text))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(xzData)
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string // test case
		file string
		data []byte
		doc  string // the document with the error or the text
		err  error
	}{
		// 64 MiB, what xz -9 writes for any input: read.
		{"xz -9", "t.xz", xzWithDict(t, text, 26), "t.xz!/t", nil},
		// 3 GiB for 16 bytes: refused before the decoder allocates it.
		{"3 GiB", "t.xz", xzWithDict(t, text, 39), "t.xz", ErrTooLarge},
		// 4 GiB, the format's largest.
		{"4 GiB", "t.xz", xzWithDict(t, text, 40), "t.xz", ErrTooLarge},
		// The same in a zip member compressed with xz.
		{"zip member", "z.zip", zipped(xzWithDict(t, text, 39)), "z.zip!/t.txt", ErrTooLarge},
		{"zip member xz -9", "z.zip", zipped(xzWithDict(t, text, 26)), "z.zip!/t.txt", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *recorder
			n := allocDuring(func() { r = walkBytes(t, tc.file, tc.data, Options{}) })
			d := r.find(t, tc.doc)
			if tc.err == nil {
				if d.err != nil || !strings.Contains(d.text, "xz payload") {
					t.Errorf("%s: error %v text %q", tc.doc, d.err, d.text)
				}
				return
			}
			if !errors.Is(d.err, tc.err) || !strings.Contains(d.err.Error(), "xz dictionary") {
				t.Errorf("%s: error %v, want %v", tc.doc, d.err, tc.err)
			}
			if n > 32<<20 {
				t.Errorf("walk allocated %d MiB", n>>20)
			}
		})
	}
}
