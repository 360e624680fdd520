package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"antidote/internal/mail/mailtest"
)

// TestMailEndToEnd drives the mail commands against a real Exim and a
// vendor using GnuPG: notify, send, decrypt, reply, import, quarantine,
// reminders.
func TestMailEndToEnd(t *testing.T) {
	exim := mailtest.StartExim(t)
	g := mailtest.NewGPG(t)
	_, pub := g.NewKey(t, "Acme PSIRT <psirt@acme.test>")
	env := testEnv(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "acme.asc")
	os.WriteFile(keyFile, []byte(pub), 0o600)
	cli := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := runCLI(t, env, args...)
		if err != nil {
			t.Fatalf("antidote %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out, errOut
	}
	cli("init")
	cli("vendor", "add", "Acme", "--contact", "psirt@acme.test", "--key", keyFile)
	cli("vendor", "add", "Globex", "--contact", "sec@globex.test")
	cli("product", "add", "Acme", "Router X", "--class", "network-equipment")
	cli("product", "add", "Globex", "Box", "--class", "smart-tv/iot")
	cli("finding", "add", "--title", "zqxsecret heap overflow", "--affected", "Acme:Router X")
	cli("case", "open", "1", "--vendor", "Acme:Router X", "--vendor", "Globex:Box")
	if _, _, err := runCLI(t, env, "mail", "set", "--smtp", "smtp://mail.example.org:25?tls=none", "--from", "a@b.test"); err == nil || exitCode(err) != exitUsage {
		t.Fatalf("clear text to a remote server accepted: %v", err)
	}
	cli("mail", "set", "--smtp", fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", exim.Port), "--from", "security@newsroom.test")
	if out, _ := cli("mail", "show"); !strings.Contains(out, "smtp://127.0.0.1") || !strings.Contains(out, "Password:    none") {
		t.Fatalf("mail show:\n%s", out)
	}

	out, errOut := cli("case", "notify", "1")
	if !strings.Contains(out, "1 notice(s) to Acme:Router X queued") || !strings.Contains(errOut, "Globex has no usable OpenPGP key") {
		t.Fatalf("case notify:\n%s%s", out, errOut)
	}
	if out, _ := cli("mail", "send"); !strings.Contains(out, "Sent 1,") {
		t.Fatalf("mail send: %s", out)
	}
	if out, _ := cli("mail", "send"); !strings.Contains(out, "Sent 0,") {
		t.Fatalf("second mail send: %s", out)
	}
	got := exim.Delivered(t, 1)
	if len(got) != 1 {
		t.Fatalf("%d messages arrived", len(got))
	}
	raw := got[0]
	if bytes.Contains(raw, []byte("zqxsecret")) {
		t.Fatal("the finding crossed the network in clear")
	}
	clear, st, err := g.Run(t, regexp.MustCompile(`(?s)-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----`).Find(raw), "--decrypt")
	// gpg exits 2 here: it cannot check the signature before the vendor
	// imports the workspace key (attached to the notice, done below).
	if !strings.Contains(st, "DECRYPTION_OKAY") || !strings.Contains(clear, "zqxsecret heap overflow") || !strings.Contains(clear, "Router X") {
		t.Fatalf("gpg --decrypt: %v\n%s\n%s", err, st, clear)
	}
	if out, _ := cli("mail", "outbox", "--json"); !strings.Contains(out, `"state":"sent"`) || strings.Contains(out, "zqxsecret") {
		t.Fatalf("mail outbox: %s", out)
	}

	// The vendor imports the key attached to the notice and answers.
	wsKey := regexp.MustCompile(`(?s)-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP PUBLIC KEY BLOCK-----`).FindString(clear)
	if _, st, err := g.Run(t, []byte(wsKey), "--import"); err != nil {
		t.Fatalf("import the attached workspace key: %v %s", err, st)
	}
	msgID := regexp.MustCompile(`(?mi)^Message-Id: (<[^>]+>)`).FindSubmatch(raw)
	if msgID == nil {
		t.Fatalf("no Message-ID in\n%s", raw[:400])
	}
	enc, st, err := g.Run(t, []byte("Content-Type: text/plain\r\n\r\nzqxreply we confirm, fix in 2.4\r\n"), "--armor", "--encrypt", "--sign", "-u", "psirt@acme.test", "-r", "antidote workspace")
	if err != nil {
		t.Fatalf("gpg --encrypt --sign: %v %s", err, st)
	}
	reply := "From: psirt@acme.test\r\nTo: security@newsroom.test\r\nSubject: Re: Security vulnerability report\r\nMessage-ID: <r1@acme.test>\r\nIn-Reply-To: " + string(msgID[1]) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n" + enc + "\r\n--b--\r\n"
	stranger := "From: someone@elsewhere.test\r\nSubject: Re: [antidote case 1]\r\nMessage-ID: <s1@elsewhere.test>\r\n\r\nlet me in\r\n"
	mbox := filepath.Join(dir, "replies.mbox")
	os.WriteFile(mbox, []byte("From psirt@acme.test Sat Dec  5 10:00:00 2026\n"+reply+"\nFrom someone@elsewhere.test Sat Dec  5 10:00:00 2026\n"+stranger), 0o600)
	out, _ = cli("mail", "import", mbox)
	if !strings.Contains(out, "case 1, reply from Acme (encrypted, signature good)") || !strings.Contains(out, "quarantined (unknown-sender") {
		t.Fatalf("mail import:\n%s", out)
	}
	if out, _ := cli("mail", "import", mbox); !strings.Contains(out, "already imported 2") {
		t.Fatalf("second import:\n%s", out)
	}
	if out, _ := cli("mail", "quarantine"); !strings.Contains(out, "someone@elsewhere.test") || strings.Count(out, "\n") != 2 {
		t.Fatalf("mail quarantine:\n%s", out)
	}

	if out, _ := cli("policy", "set", "ack-days", "5"); !strings.Contains(out, "30,7,1 days") || !strings.Contains(out, "after 5 days") {
		t.Fatalf("policy set ack-days: %s", out)
	}
	if out, _ := cli("policy", "show"); !strings.Contains(out, "reminders") || !strings.Contains(out, "30,7,1") {
		t.Fatalf("policy show:\n%s", out)
	}
	if _, _, err := runCLI(t, env, "policy", "set", "reminders", "7,x"); err == nil || exitCode(err) != exitUsage {
		t.Fatalf("bad reminder steps: %v", err)
	}
	// Reminders: 6 days before Acme's 120-day deadline, the 7-day step is
	// due (covering the 30-day one), once; neither vendor acknowledged.
	at := time.Now().UTC().Add(114 * 24 * time.Hour).Format(time.RFC3339)
	if out, _ := cli("reminders", "run", "--at", at, "--dry-run"); !strings.Contains(out, "7-day reminder") || !strings.Contains(out, "(due, 0 mail(s))") {
		t.Fatalf("reminders dry run:\n%s", out)
	}
	out, errOut = cli("reminders", "run", "--at", at)
	if !strings.Contains(out, "Acme:Router X, 7-day reminder") || !strings.Contains(out, "(queued, 1 mail(s))") || strings.Count(out, "has not acknowledged after 5 days") != 2 {
		t.Fatalf("reminders run:\n%s%s", out, errOut)
	}
	if out, _ := cli("reminders", "run", "--at", at); !strings.Contains(out, "No reminder due") {
		t.Fatalf("reminders run again:\n%s", out)
	}
	// Computed as of a future moment, the reminder is sent at that moment.
	if out, _ := cli("mail", "outbox", "--json"); !strings.Contains(out, `"kind":"reminder","to":"psirt@acme.test","encrypted":true,"state":"pending"`) || !strings.Contains(out, `"next_attempt":"`+at[:10]) {
		t.Fatalf("reminder in the outbox:\n%s", out)
	}
	if out, _ := cli("mail", "send"); !strings.Contains(out, "Sent 0,") {
		t.Fatalf("reminder sent before its time: %s", out)
	}
}

// TestMailFetch reads replies from a Dovecot mailbox over IMAP.
func TestMailFetch(t *testing.T) {
	dv := mailtest.StartDovecot(t, "desk", "imap-pass")
	env := testEnv(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("imap-pass\n"), 0o600)
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, env, args...)
		if err != nil {
			t.Fatalf("antidote %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	cli("init")
	cli("vendor", "add", "Acme", "--contact", "psirt@acme.test")
	cli("finding", "add", "--title", "overflow")
	cli("case", "open", "1", "--vendor", "Acme")
	dv.Put(t, "1.eml", []byte("From: psirt@acme.test\r\nSubject: Re: [antidote case 1]\r\nMessage-ID: <a1@acme.test>\r\n\r\nzqxfetched we are on it\r\n"))
	dv.Put(t, "2.eml", []byte("From: x@elsewhere.test\r\nSubject: spam\r\nMessage-ID: <z@elsewhere.test>\r\n\r\nbuy\r\n"))
	url := fmt.Sprintf("imap://desk@127.0.0.1:%d?tls=none", dv.Port)
	out := cli("mail", "fetch", "--imap", url, "--password-file", pw)
	if !strings.Contains(out, "case 1, reply from Acme (not encrypted, not signed)") || !strings.Contains(out, "Imported 1, quarantined 1, already imported 0") {
		t.Fatalf("mail fetch:\n%s", out)
	}
	if out := cli("mail", "fetch", "--imap", url, "--password-file", pw); !strings.Contains(out, "already imported 2") {
		t.Fatalf("second fetch:\n%s", out)
	}
	if _, _, err := runCLI(t, env, "mail", "fetch", "--imap", "imap://desk@mail.example.org?tls=none", "--password-file", pw); err == nil || exitCode(err) != exitUsage {
		t.Fatalf("clear-text IMAP to a remote server: %v", err)
	}
}
