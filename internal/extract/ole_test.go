package extract

import (
	"errors"
	"strings"
	"testing"
)

// sampleMsg is an Outlook message with a recipient, transport headers, a
// plain body and two attachments: a text file and a nested message.
func sampleMsg(t testing.TB) []byte {
	t.Helper()
	props := make([]byte, 32) // top-level header, no fixed properties
	attProps := make([]byte, 8)
	return cfbBuild([]cfbEntry{
		{"__properties_version1.0", props},
		{"__substg1.0_0037001F", utf16z("Quarterly leak")},
		{"__substg1.0_0C1A001F", utf16z("Alice Example")},
		{"__substg1.0_5D01001F", utf16z("alice@example.org")},
		{"__substg1.0_0E04001F", utf16z("Bob Example")},
		{"__substg1.0_007D001F", utf16z("Received: from mx.example.org\r\nX-Originating-IP: [192.0.2.7]\r\n")},
		{"__substg1.0_1000001F", utf16z("The body of the message.\r\nSecond line.")},
		{"__recip_version1.0_#00000000/__properties_version1.0", attProps},
		{"__recip_version1.0_#00000000/__substg1.0_3001001F", utf16z("Bob Example")},
		{"__recip_version1.0_#00000000/__substg1.0_39FE001F", utf16z("bob@example.org")},
		{"__attach_version1.0_#00000000/__properties_version1.0", attProps},
		{"__attach_version1.0_#00000000/__substg1.0_3707001F", utf16z("notes.txt")},
		{"__attach_version1.0_#00000000/__substg1.0_37010102", []byte("attached notes " + strings.Repeat("padding ", 600))},
		{"__attach_version1.0_#00000001/__properties_version1.0", attProps},
		{"__attach_version1.0_#00000001/__substg1.0_3707001F", utf16z("fwd.msg")},
		{"__attach_version1.0_#00000001/__substg1.0_3701000D/__properties_version1.0", make([]byte, 24)},
		{"__attach_version1.0_#00000001/__substg1.0_3701000D/__substg1.0_0037001E", []byte("Forwarded subject")},
		{"__attach_version1.0_#00000001/__substg1.0_3701000D/__substg1.0_1000001E", []byte("forwarded body caf\xe9")},
	}, nil)
}

func TestOutlookMsg(t *testing.T) {
	r := walkBytes(t, "mail.msg", sampleMsg(t), Options{})
	checkDocs(t, r, []want{
		{path: "mail.msg", mediaType: mtMsg, contains: []string{
			"From: Alice Example <alice@example.org>", "To: Bob Example", "Recipient: Bob Example <bob@example.org>",
			"Subject: Quarterly leak", "X-Originating-IP: [192.0.2.7]", "The body of the message.\nSecond line.",
			"[Attached message] fwd.msg", "Subject: Forwarded subject", "forwarded body café",
		}},
		{path: "mail.msg!/notes.txt", mediaType: mtText, contains: []string{"attached notes"}},
	})
}

// TestOLEHostile: compound files whose sector chains loop or run off the
// end are reported, and read no further than the file's own size.
func TestOLEHostile(t *testing.T) {
	big := []byte("looping text " + strings.Repeat("x", 8000))
	loop := cfbBuild([]cfbEntry{{"WordDocument", big}, {"0Table", make([]byte, 10)}}, func(first map[string]uint32, fat []uint32) {
		s := first["WordDocument"]
		fat[s+1] = s // the second sector points back to the first
	})
	r := walkBytes(t, "loop.doc", loop, Options{})
	if d := r.docs[0]; d.err == nil || d.mediaType != mtDoc {
		t.Errorf("looping chain: %s %v", d.mediaType, d.err)
	}
	past := cfbBuild([]cfbEntry{{"WordDocument", big}}, func(first map[string]uint32, fat []uint32) {
		fat[first["WordDocument"]] = 1 << 20 // a sector far past the end
	})
	r = walkBytes(t, "past.doc", past, Options{})
	if d := r.docs[0]; !errors.Is(d.err, ErrCorrupt) {
		t.Errorf("chain past the end: %v", d.err)
	}
	// A truncated compound file and an unknown application.
	msg := sampleMsg(t)
	for _, n := range []int{600, len(msg) / 2} {
		r = walkBytes(t, "cut.msg", msg[:n], Options{})
		if r.docs[0].err == nil {
			t.Errorf("cut at %d: no error", n)
		}
	}
	r = walkBytes(t, "x.bin", cfbBuild([]cfbEntry{{"Something", []byte("x")}}, nil), Options{})
	if !errors.Is(r.docs[0].err, ErrUnsupported) {
		t.Errorf("unknown compound file: %v", r.docs[0].err)
	}
}
