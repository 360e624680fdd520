package mail_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/mail"
	"antidote/internal/mail/mailtest"
	"antidote/internal/store"
)

func benchNotice() mail.Notice {
	return mail.Notice{Case: 12, Vendor: "Acme", Title: findingTitle, CVEs: []string{"CVE-2026-12345"},
		Products: []string{"Acme Router X (< 2.4)"}, Deadline: t0.Add(90 * 24 * time.Hour),
		Summary: "A crafted update manifest overflows a fixed-size heap buffer in the updater; an attacker on the LAN gains code execution as root."}
}

// BenchmarkComposeNotice: compose, sign and encrypt one notice in process.
func BenchmarkComposeNotice(b *testing.B) {
	k := newKeys(b)
	n := benchNotice()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mail.Compose(mail.Envelope{From: "security@newsroom.test", To: "psirt@acme.test", Subject: n.Subject(), Body: n.Body(),
			Recipients: openpgp.EntityList{k.vendor}, Signer: k.ws, Date: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGnuPGEncryptSign: the peer, `gpg --encrypt --sign --armor` of
// the same text, one process per notice as a script would run it.
func BenchmarkGnuPGEncryptSign(b *testing.B) {
	if _, err := exec.LookPath("gpg"); err != nil {
		b.Skip("gpg not installed")
	}
	home := b.TempDir()
	g := &mailtest.GPG{Home: home}
	defer exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
	fpr, _ := g.NewKey(b, "Acme PSIRT <psirt@acme.test>")
	ws, _ := g.NewKey(b, "Desk <security@newsroom.test>")
	body := []byte(benchNotice().Body())
	for b.Loop() {
		if _, st, err := g.Run(b, body, "--armor", "--encrypt", "--sign", "-u", ws, "-r", fpr); err != nil {
			b.Fatal(err, st)
		}
	}
}

// BenchmarkParseReply: decrypt, verify and match one PGP/MIME reply.
func BenchmarkParseReply(b *testing.B) {
	k := newKeys(b)
	im := importer(b, k)
	c, err := mail.Compose(mail.Envelope{From: "psirt@acme.test", To: "security@newsroom.test", Subject: "Re: [antidote case 12]", Body: benchNotice().Body(),
		Recipients: openpgp.EntityList{k.ws}, Signer: k.vendor, Date: t0.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := im.Parse(c.Raw, t0.Add(2*time.Hour)); r.Quarantine != "" {
			b.Fatal(r.Detail)
		}
	}
}

// BenchmarkDeliverExim: messages per second from the outbox through Exim
// (claim, SMTP, handoff and finish transactions on SQLite); compare with
// BenchmarkSMTPLibExim, Python's smtplib sending the same messages.
func BenchmarkDeliverExim(b *testing.B) {
	e := mailtest.StartExim(b)
	s := openStore(b, filepath.Join(b.TempDir(), "antidote.db"), testKey())
	st, _ := mail.ParseSMTPURL(fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", e.Port))
	raw := benchRaw(b)
	items := make([]store.OutboxItem, b.N)
	for i := range items {
		id := fmt.Sprintf("<bench%d@newsroom.test>", i)
		items[i] = store.OutboxItem{Message: mail.Message{MessageID: id, Kind: "notice", From: "security@newsroom.test", To: "psirt@acme.test", Raw: raw, Encrypted: true},
			DedupeKey: mac("d" + id), MessageKey: mac(id)}
	}
	if _, err := s.QueueMail(context.Background(), items, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	rep, err := (&mail.Deliverer{Outbox: s, Sender: &mail.SMTP{Settings: st}}).Run(context.Background())
	if err != nil || rep.Sent != b.N {
		b.Fatalf("%+v %v", rep, err)
	}
}

func BenchmarkSMTPLibExim(b *testing.B) {
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("python3 not installed")
	}
	e := mailtest.StartExim(b)
	f := filepath.Join(b.TempDir(), "msg.eml")
	os.WriteFile(f, benchRaw(b), 0o600)
	script := `import smtplib, sys
raw = open(sys.argv[1], 'rb').read()
for i in range(int(sys.argv[3])):
    s = smtplib.SMTP('127.0.0.1', int(sys.argv[2]))
    s.sendmail('security@newsroom.test', ['psirt@acme.test'], raw)
    s.quit()
`
	b.ResetTimer()
	out, err := exec.Command("python3", "-c", script, f, fmt.Sprint(e.Port), fmt.Sprint(b.N)).CombinedOutput()
	if err != nil {
		b.Fatal(err, string(out))
	}
}

func benchRaw(b *testing.B) []byte {
	k := newKeys(b)
	n := benchNotice()
	c, err := mail.Compose(mail.Envelope{From: "security@newsroom.test", To: "psirt@acme.test", Subject: n.Subject(), Body: n.Body(),
		Recipients: openpgp.EntityList{k.vendor}, Signer: k.ws, Date: t0.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	return c.Raw
}
