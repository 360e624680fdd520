package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// notTextHead is how much of an input redact and verify look at to decide
// that it is not text.
const notTextHead = 8 << 10

// binaryMagics are formats that carry text only inside a structure or a
// compression that a byte-level redactor cannot see into: redacting them as
// text would pass identifiers through and break the file.
var binaryMagics = []struct {
	magic, what string
}{
	{"PK\x03\x04", "a zip archive (or an office file)"},
	{"PK\x05\x06", "a zip archive"},
	{"%PDF-", "a PDF"},
	{"\x1f\x8b", "gzip-compressed data"},
	{"BZh", "bzip2-compressed data"},
	{"\xfd7zXZ\x00", "xz-compressed data"},
	{"7z\xbc\xaf\x27\x1c", "a 7z archive"},
	{"Rar!\x1a\x07", "a RAR archive"},
	{"\x28\xb5\x2f\xfd", "zstd-compressed data"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file"},
	{"\x7fELF", "an executable"},
	{"\x89PNG\r\n\x1a\n", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF8", "a GIF image"},
	{"\xff\xfe", "UTF-16 text"},
	{"\xfe\xff", "UTF-16 text"},
}

// errNotText says an input is not text that redact can rewrite or verify can
// check byte for byte.
var errNotText = errors.New("not text")

// notText reports what head (the start of an input) is when it is not
// plain text: a known binary format, UTF-16, or data with many NUL bytes.
// A few NUL bytes, as in a log padded after a crash, still count as text.
func notText(head []byte) string {
	for _, m := range binaryMagics {
		if bytes.HasPrefix(head, []byte(m.magic)) {
			return m.what
		}
	}
	if n := bytes.Count(head, []byte{0}); n > 0 && n >= len(head)/8 {
		return "binary data (or UTF-16 text)"
	}
	return ""
}

// peekText wraps r and reports what it is if it is not text.
func peekText(r io.Reader) (*bufio.Reader, string) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(notTextHead)
	return br, notText(head)
}
