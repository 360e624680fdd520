package extract

import "testing"

// TestCompressedRTF decodes the two examples of [MS-OXRTFCP] section 3.
func TestCompressedRTF(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\x2d\x00\x00\x00\x2b\x00\x00\x00LZFu\xf1\xc5\xc7\xa7\x03\x00\x0a\x00rcpg125\x42\x32\x0a\xf3\x20hel\x09\x00 bw\x05\xb0ld}\x0a\x80\x0f\xa0",
			"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"},
		{"\x1a\x00\x00\x00\x1c\x00\x00\x00LZFu\xe2\xd4\x4b\x51\x41\x00\x04\x20WXYZ\x0d\x6e\x7d\x01\x0e\xb0",
			"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}"},
	} {
		out, err := decompressRTF([]byte(tc.in), 1<<20)
		if err != nil || string(out) != tc.want {
			t.Errorf("got %q, %v; want %q", out, err, tc.want)
		}
	}
}

// TestOutlookMsgBodies: without a plain body, the HTML body is read, and
// without either, the compressed RTF body.
func TestOutlookMsgBodies(t *testing.T) {
	rtf := "\x2d\x00\x00\x00\x2b\x00\x00\x00LZFu\xf1\xc5\xc7\xa7\x03\x00\x0a\x00rcpg125\x42\x32\x0a\xf3\x20hel\x09\x00 bw\x05\xb0ld}\x0a\x80\x0f\xa0"
	for name, tc := range map[string]struct {
		entry cfbEntry
		want  string
	}{
		"rtf.msg":  {cfbEntry{"__substg1.0_10090102", []byte(rtf)}, "hello world"},
		"html.msg": {cfbEntry{"__substg1.0_10130102", []byte("<html><body><p>Meeting &amp; minutes</p><script>x()</script></body></html>")}, "Meeting & minutes"},
	} {
		data := cfbBuild([]cfbEntry{
			{"__properties_version1.0", make([]byte, 32)},
			{"__substg1.0_0037001F", utf16z("s")},
			tc.entry,
		}, nil)
		r := walkBytes(t, name, data, Options{})
		checkDocs(t, r, []want{{path: name, mediaType: mtMsg, contains: []string{tc.want}, absent: []string{"x()", "rtf1"}}})
	}
}
