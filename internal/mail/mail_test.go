package mail_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/mail"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		in      string
		host    string
		port    int
		user    string
		tls     mail.TLSMode
		wantErr string
	}{
		{in: "smtp://alice@mail.example.org:587?tls=starttls", host: "mail.example.org", port: 587, user: "alice", tls: mail.StartTLS},
		{in: "smtp://mail.example.org", host: "mail.example.org", port: 587, tls: mail.StartTLS},                      // defaults
		{in: "smtp://bob@mail.example.org:465", host: "mail.example.org", port: 465, user: "bob", tls: mail.Implicit}, // 465 is SMTPS
		{in: "smtp://mail.example.org:465?tls=implicit", host: "mail.example.org", port: 465, tls: mail.Implicit},
		{in: "smtp://127.0.0.1:2525?tls=none", host: "127.0.0.1", port: 2525, tls: mail.NoTLS}, // loopback relay
		{in: "smtp://[::1]:25?tls=none", host: "::1", port: 25, tls: mail.NoTLS},
		{in: "smtp://localhost:25?tls=none", host: "localhost", port: 25, tls: mail.NoTLS},
		{in: "smtp://mail.example.org:25?tls=none", wantErr: "loopback"}, // clear text over the network
		{in: "smtp://u:hunter2@mail.example.org", wantErr: "password"},   // password in the URL
		{in: "smtps://mail.example.org", wantErr: "smtp://"},
		{in: "smtp://mail.example.org:99999", wantErr: "port"},
		{in: "smtp://mail.example.org?tls=maybe", wantErr: "tls="},
		{in: "smtp://mail.example.org?x=1", wantErr: "unknown parameter"},
		{in: "smtp://mail.example.org/path", wantErr: "path"},
		{in: "", wantErr: "smtp://"},
	} {
		s, err := mail.ParseSMTPURL(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: error %v, want one mentioning %q", c.in, err, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%q: error leaks the password", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if s.Host != c.host || s.Port != c.port || s.User != c.user || s.TLS != c.tls {
			t.Errorf("%q: got %+v", c.in, s)
		}
		back, err := mail.ParseSMTPURL(s.URL())
		if err != nil || back.Host != s.Host || back.Port != s.Port || back.TLS != s.TLS || back.User != s.User {
			t.Errorf("%q: URL() %q does not round-trip: %+v %v", c.in, s.URL(), back, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 9: 256 * time.Minute, 10: 6 * time.Hour, 100: 6 * time.Hour} {
		if got := mail.Backoff(time.Minute, n); got != want {
			t.Errorf("Backoff(1m, %d) = %v, want %v", n, got, want)
		}
	}
}

func TestParseSteps(t *testing.T) {
	got, err := mail.ParseSteps("7, 30,1,7")
	if err != nil || len(got) != 3 || got[0] != 30 || got[1] != 7 || got[2] != 1 {
		t.Fatalf("ParseSteps = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "-1", "a,b", "4000"} {
		if _, err := mail.ParseSteps(bad); err == nil {
			t.Errorf("ParseSteps(%q) accepted", bad)
		}
	}
}

func TestDueReminders(t *testing.T) {
	p := mail.DefaultReminders()
	day := 24 * time.Hour
	deadline := t0.Add(90 * day)
	tgt := cases.Target{Vendor: 3}
	clock := mail.Clock{Case: 1, Target: tgt, Status: cases.Acknowledged, Notified: t0, Deadline: deadline}
	sent := map[mail.Step]bool{}
	run := func(c mail.Clock, at time.Time) []mail.Due {
		due := mail.DueReminders(p, []mail.Clock{c}, func(s mail.Step) bool { return sent[s] }, at)
		for _, d := range due {
			for _, s := range d.Covers {
				sent[s] = true
			}
		}
		return due
	}
	if d := run(clock, deadline.Add(-31*day)); len(d) != 0 {
		t.Fatalf("31 days before: %v", d)
	}
	d := run(clock, deadline.Add(-30*day))
	if len(d) != 1 || d[0].Days != 30 || d[0].Kind != mail.StepReminder {
		t.Fatalf("30 days before: %+v", d)
	}
	// Idempotent: the same run again, and a run a day later, send nothing.
	if d := run(clock, deadline.Add(-30*day)); len(d) != 0 {
		t.Fatalf("rerun: %v", d)
	}
	if d := run(clock, deadline.Add(-29*day)); len(d) != 0 {
		t.Fatalf("29 days before: %v", d)
	}
	// A run that comes late covers the skipped step with the most urgent one.
	d = run(clock, deadline.Add(-12*time.Hour))
	if len(d) != 1 || d[0].Days != 1 || len(d[0].Covers) != 2 {
		t.Fatalf("12 hours before: %+v", d)
	}
	// The deadline moves (grace): every step re-arms for the new deadline.
	moved := clock
	moved.Deadline = deadline.Add(14 * day)
	d = run(moved, deadline.Add(-12*time.Hour))
	if len(d) != 1 || d[0].Days != 30 || !d[0].Deadline.Equal(moved.Deadline) {
		t.Fatalf("moved deadline: %+v", d)
	}
	// Past the deadline, and for resolved targets, nobody is reminded.
	if d := run(clock, deadline.Add(time.Hour)); len(d) != 0 {
		t.Fatalf("after the deadline: %v", d)
	}
	fixed := moved
	fixed.Status = cases.Fixed
	if d := run(fixed, moved.Deadline.Add(-2*time.Hour)); len(d) != 0 {
		t.Fatalf("fixed: %v", d)
	}
	// No acknowledgement after 7 days: one note, once per notification.
	silent := mail.Clock{Case: 2, Target: tgt, Status: cases.Notified, Notified: t0, Deadline: t0.Add(90 * day)}
	if d := run(silent, t0.Add(6*day)); len(d) != 0 {
		t.Fatalf("6 days silent: %v", d)
	}
	d = run(silent, t0.Add(7*day))
	if len(d) != 1 || d[0].Kind != mail.StepUnacked {
		t.Fatalf("7 days silent: %+v", d)
	}
	if d := run(silent, t0.Add(8*day)); len(d) != 0 {
		t.Fatalf("8 days silent: %v", d)
	}
}

func TestSplitMessages(t *testing.T) {
	mbox := "From alice@example.org Mon Jan  1 00:00:00 2026\nSubject: one\n\nbody\n>From the start\n\nFrom bob@example.org Mon Jan  1 00:00:00 2026\nSubject: two\n\nsecond\n"
	msgs, err := mail.SplitMessages([]byte(mbox))
	if err != nil || len(msgs) != 2 {
		t.Fatalf("SplitMessages: %d messages, %v", len(msgs), err)
	}
	if !bytes.Contains(msgs[0], []byte("\nFrom the start")) || bytes.Contains(msgs[0], []byte(">From")) {
		t.Errorf("first message not unescaped: %q", msgs[0])
	}
	if !bytes.HasPrefix(msgs[1], []byte("Subject: two")) {
		t.Errorf("second message: %q", msgs[1])
	}
	eml := []byte("Subject: x\r\n\r\nFrom here on\r\n")
	msgs, err = mail.SplitMessages(eml)
	if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0], eml) {
		t.Fatalf("EML: %q %v", msgs, err)
	}
	if _, err := mail.SplitMessages([]byte("  \n")); err == nil {
		t.Error("empty input accepted")
	}
}

// keys is a workspace and two vendors' key pairs made with go-crypto.
type keys struct {
	ws, vendor, other *openpgp.Entity
	wsKey             mail.WorkspaceKey
	vendorPub         string
}

func newKeys(t testing.TB) keys {
	t.Helper()
	var k keys
	var err error
	k.wsKey, err = mail.GenerateKey("Newsroom security desk", "security@newsroom.test", t0)
	if err != nil {
		t.Fatal(err)
	}
	if k.ws, err = mail.ReadPrivateKey(k.wsKey.Private); err != nil {
		t.Fatal(err)
	}
	vk, err := mail.GenerateKey("Acme PSIRT", "psirt@acme.test", t0)
	if err != nil {
		t.Fatal(err)
	}
	k.vendor, _ = mail.ReadPrivateKey(vk.Private)
	k.vendorPub = string(vk.Public)
	ok, _ := mail.GenerateKey("Mallory", "mallory@evil.test", t0)
	k.other, _ = mail.ReadPrivateKey(ok.Private)
	return k
}

func TestGenerateKeyRefusesBadIdentity(t *testing.T) {
	if _, err := mail.GenerateKey("a<b>", "x@y.test", t0); err == nil {
		t.Error("identity with angle brackets accepted")
	}
	if _, err := mail.ReadPrivateKey([]byte("not a key")); err == nil {
		t.Error("garbage accepted as a key")
	}
}

func TestNoticeBody(t *testing.T) {
	n := mail.Notice{Case: 12, Vendor: "Acme", Title: "Heap overflow\nin parser", CVEs: []string{"CVE-2026-0001"},
		Products: []string{"Router X (< 2.3)"}, Deadline: t0, PortalURL: "https://portal.test/c/12"}
	b := n.Body()
	for _, want := range []string{"case 12", "Heap overflow in parser", "CVE-2026-0001", "Router X (< 2.3)", "2026-03-01 09:00 UTC", "https://portal.test/c/12", "[antidote case 12]"} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
	if s := n.Subject(); strings.Contains(s, "overflow") || !strings.Contains(s, "[antidote case 12]") {
		t.Errorf("subject %q: must name the case and not the finding", s)
	}
	n.Reminder = 7
	if !strings.Contains(n.Subject(), "7 days") || !strings.Contains(n.Body(), "7 day(s)") {
		t.Errorf("reminder: %q", n.Subject())
	}
}

func TestComposeNoUsableKey(t *testing.T) {
	k := newKeys(t)
	expired := t0.Add(-time.Hour) // the key did not exist yet: no usable encryption key
	_, err := mail.Compose(mail.Envelope{From: "security@newsroom.test", To: "psirt@acme.test", Subject: "s", Body: "b",
		Recipients: openpgp.EntityList{k.vendor}, Signer: k.ws, Date: expired})
	if err != mail.ErrNoUsableKey {
		t.Fatalf("Compose with an unusable key: %v", err)
	}
}

func TestNoticeForSharesOnlyThisVendorsPart(t *testing.T) {
	f := findings.Finding{Title: "Overflow", Summary: "details", CVEs: []string{"CVE-2026-1"},
		CVSS:     []findings.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Affected: []findings.Affected{{Vendor: "Acme", Product: "Router X", Versions: findings.Range{Fixed: "2.4"}}, {Vendor: "Globex", Product: "Secret Box"}},
		Sources:  []findings.Source{{Doc: 7, Start: 1, End: 9}}}
	c := cases.Case{ID: 5, Targets: []cases.Target{{Vendor: 3, Product: 10}, {Vendor: 3, Product: 11}, {Vendor: 4, Product: 12}}}
	products := []cases.Product{{ID: 10, Vendor: 3, Name: "Router X"}, {ID: 11, Vendor: 3, Name: "Switch Y"}, {ID: 12, Vendor: 4, Name: "Secret Box"}}
	n := mail.NoticeFor(c, f, cases.Vendor{ID: 3, Name: "acme"}, products, t0, "")
	b := n.Body()
	if strings.Contains(b, "Secret Box") || strings.Contains(b, "Globex") {
		t.Errorf("another vendor's product shared:\n%s", b)
	}
	for _, want := range []string{"Router X (", "Switch Y", "CVSS:3.1/AV:N", "CVE-2026-1"} {
		if !strings.Contains(b, want) {
			t.Errorf("notice lacks %q:\n%s", want, b)
		}
	}
	if strings.Count(b, "Router X") != 1 {
		t.Errorf("Router X listed twice:\n%s", b)
	}
}

func TestComposeFor(t *testing.T) {
	k := newKeys(t)
	v := cases.Vendor{ID: 3, Name: "Acme", Contacts: []cases.Contact{{Email: "a@acme.test"}, {Email: "b@acme.test"}}, Keys: []cases.Key{{Armored: k.vendorPub}}}
	n := mail.Notice{Case: 1, Title: "x"}
	ms, err := mail.ComposeFor(n, v, "desk@newsroom.test", k.ws, false, t0.Add(time.Hour))
	if err != nil || len(ms) != 2 || !ms[0].Encrypted || ms[1].To != "b@acme.test" || ms[0].MessageID == ms[1].MessageID {
		t.Fatalf("ComposeFor = %+v %v", ms, err)
	}
	if bytes.Contains(bytes.ReplaceAll(ms[0].Raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("bare LF in an encrypted message: SMTP needs CRLF")
	}
	v.Keys = nil
	if _, err := mail.ComposeFor(n, v, "desk@newsroom.test", k.ws, false, t0); !errors.Is(err, mail.ErrPlainRefused) {
		t.Fatalf("no key, plain not allowed: %v", err)
	}
	ms, err = mail.ComposeFor(n, v, "desk@newsroom.test", k.ws, true, t0)
	if err != nil || len(ms) != 2 || ms[0].Encrypted || !bytes.Contains(ms[0].Raw, []byte("multipart/signed")) {
		t.Fatalf("plain allowed: %v", err)
	}
}
