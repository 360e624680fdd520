package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotText(t *testing.T) {
	log := bytes.Repeat([]byte("Dec 10 sshd[1]: Accepted password for root from 8.8.8.8 port 22\n"), 100)
	tests := []struct {
		name string
		head []byte
		text bool
	}{
		{"empty input is text", nil, true},
		{"a log", log, true},
		{"a log with a few NUL bytes of crash padding", append(bytes.Clone(log), make([]byte, 40)...), true},
		{"UTF-8 beyond ASCII", []byte("Müller — 東京 8.8.8.8\n"), true},
		{"zip", []byte("PK\x03\x04\x14\x00rest"), false},
		{"PDF", []byte("%PDF-1.7\n%âãÏÓ"), false},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, false},
		{"UTF-16LE with a byte order mark", []byte("\xff\xfeh\x00i\x00"), false},
		{"UTF-16LE without one: every other byte NUL", []byte("h\x00e\x00l\x00l\x00o\x00 \x008\x00.\x008\x00"), false},
		{"ELF executable", []byte("\x7fELF\x02\x01\x01"), false},
	}
	for _, tt := range tests {
		what := notText(tt.head)
		if (what == "") != tt.text {
			t.Errorf("%s: notText = %q, want text %v", tt.name, what, tt.text)
		}
	}
}

// TestPeekInput wants a large regular file handed on as itself, its offset
// untouched, so that redact.Stream can map it, and any other reader
// buffered as peekText does; both judged by their first bytes.
func TestPeekInput(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		content string
		text    bool
	}{
		{strings.Repeat("from 8.8.8.8\n", mapAbove/10), true},
		{"%PDF-1.7\n" + strings.Repeat("x", mapAbove), false},
	} {
		p := filepath.Join(dir, "in")
		if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		r, what := peekInput(f)
		if (what == "") != tt.text {
			t.Errorf("file %.9q: peekInput says %q, want text %v", tt.content, what, tt.text)
		}
		if r != io.Reader(f) {
			t.Errorf("file %.9q: peekInput gave a %T, not the file", tt.content, r)
		}
		if pos, _ := f.Seek(0, io.SeekCurrent); pos != 0 {
			t.Errorf("file %.9q: peekInput moved the offset to %d", tt.content, pos)
		}
		f.Close()
		r, what = peekInput(strings.NewReader(tt.content))
		if (what == "") != tt.text {
			t.Errorf("reader %.9q: peekInput says %q, want text %v", tt.content, what, tt.text)
		}
		if got, _ := io.ReadAll(r); string(got) != tt.content {
			t.Errorf("reader %.9q: peekInput lost bytes", tt.content)
		}
	}
}
