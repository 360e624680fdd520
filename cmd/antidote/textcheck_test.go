package main

import (
	"bytes"
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
