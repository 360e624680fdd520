package mail_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"antidote/internal/cases"
	"antidote/internal/mail"
)

const sentID = "<0123abcd@newsroom.test>"

func importer(t testing.TB, k keys) *mail.Importer {
	t.Helper()
	vendors := []cases.Vendor{
		{ID: 3, Name: "Acme", Contacts: []cases.Contact{{Email: "psirt@acme.test"}}, Keys: []cases.Key{{Fingerprint: "acme", Armored: k.vendorPub}}},
		{ID: 4, Name: "Globex", Contacts: []cases.Contact{{Email: "sec@globex.test"}}},
	}
	sent := func(id string) (int64, int64, bool) {
		if id == sentID {
			return 12, 3, true
		}
		return 0, 0, false
	}
	caseOf := func(id int64) ([]int64, bool) {
		switch id {
		case 12:
			return []int64{3}, true
		case 13:
			return []int64{4}, true
		}
		return nil, false
	}
	im, err := mail.NewImporter(k.ws, vendors, sent, caseOf)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// pgpmime wraps an OpenPGP message (armored) as RFC 3156 multipart/encrypted.
func pgpmime(hdr, armored string) string {
	return hdr + "MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n" +
		armored + "\r\n--b1--\r\n"
}

func encryptTo(t testing.TB, to *openpgp.Entity, signer *openpgp.Entity, inner string) string {
	t.Helper()
	var buf bytes.Buffer
	aw, _ := armor.Encode(&buf, "PGP MESSAGE", nil)
	w, err := openpgp.Encrypt(aw, openpgp.EntityList{to}, signer, nil, &packet.Config{Time: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(inner))
	w.Close()
	aw.Close()
	return buf.String()
}

func TestImportReplies(t *testing.T) {
	k := newKeys(t)
	im := importer(t, k)
	now := t0.Add(48 * time.Hour)
	reply := func(from, to string, signer *openpgp.Entity, recipients openpgp.EntityList, subject, body string, inReplyTo ...string) []byte {
		c, err := mail.Compose(mail.Envelope{From: from, To: to, Subject: subject, Body: body, InReplyTo: inReplyTo,
			Recipients: recipients, Signer: signer, Date: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return c.Raw
	}
	ws := openpgp.EntityList{k.ws}
	hdr := func(from, subject string) string {
		return "From: " + from + "\r\nTo: security@newsroom.test\r\nSubject: " + subject + "\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <r" + strings.ReplaceAll(subject, " ", "") + "@x.test>\r\n"
	}
	signedAttach := reply("psirt@acme.test", "security@newsroom.test", k.vendor, ws, "Re: report", "We confirm the overflow.", sentID)
	clearSigned := reply("psirt@acme.test", "security@newsroom.test", k.vendor, nil, "Re: [antidote case 12]", "Fix in 2.4.")
	tampered := bytes.Replace(clearSigned, []byte("Fix in 2.4."), []byte("Fix in 9.9."), 1)
	if bytes.Equal(tampered, clearSigned) {
		// the text is quoted-printable: tamper with the signed part's header instead
		tampered = bytes.Replace(clearSigned, []byte("charset=utf-8"), []byte("charset=UTF-8"), 1)
	}
	attachment := []byte("%PDF-1.4\n\x00\x01binary advisory draft\n")
	withAttach := hdr("psirt@acme.test", "Re: [antidote case 12] draft") +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOur draft advisory, caf=E9.\r\n--m\r\n" +
		"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"../../advisory.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKAAFiaW5hcnkgYWR2aXNvcnkgZHJhZnQK\r\n--m--\r\n"
	forwarded := hdr("j.doe@acme.test", "Fwd: Security vulnerability report [antidote case 12]") +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f\"\r\n\r\n--f\r\nContent-Type: text/plain\r\n\r\nForwarding our PSIRT's answer.\r\n--f\r\nContent-Type: message/rfc822\r\n\r\nFrom: psirt@acme.test\r\nSubject: internal\r\n\r\nwe are on it\r\n--f--\r\n"
	htmlOnly := hdr("sec@globex.test", "RE: [Antidote Case 13]") +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style><script>alert(1)</script></head><body><p>We are <b>investigating</b>.</p><div>Regards</div></body></html>\r\n"
	inline := hdr("psirt@acme.test", "Re: [antidote case 12] inline") + "Content-Type: text/plain\r\n\r\n" + encryptTo(t, k.ws, k.vendor, "inline secret answer") + "\r\n"
	for _, c := range []struct {
		name      string
		raw       []byte
		why       mail.Reason
		caseID    int64
		encrypted bool
		signed    bool
		text      string
		atts      int
	}{
		// PGP/MIME, signed then encrypted by go-crypto as the vendor; matched by In-Reply-To.
		{name: "encrypted and signed", raw: signedAttach, caseID: 12, encrypted: true, signed: true, text: "We confirm the overflow.", atts: 1},
		// Encrypted, not signed: accepted, marked unsigned.
		{name: "unsigned", raw: []byte(pgpmime(hdr("psirt@acme.test", "Re: [antidote case 12]"), encryptTo(t, k.ws, nil, "Content-Type: text/plain\r\n\r\nunsigned answer\r\n"))), caseID: 12, encrypted: true, text: "unsigned answer"},
		// Signed by a key that is not Acme's.
		{name: "wrong signing key", raw: reply("psirt@acme.test", "security@newsroom.test", k.other, ws, "Re: [antidote case 12]", "trust me"), why: mail.BadSignature, encrypted: true},
		// Encrypted to someone else's key.
		{name: "wrong encryption key", raw: reply("psirt@acme.test", "security@newsroom.test", k.vendor, openpgp.EntityList{k.other}, "Re: [antidote case 12]", "x"), why: mail.Undecryptable, encrypted: true},
		// multipart/signed, not encrypted.
		{name: "clear signed", raw: clearSigned, caseID: 12, signed: true, text: "Fix in 2.4.", atts: 1},
		{name: "clear signed, altered", raw: tampered, why: mail.BadSignature},
		{name: "attachments", raw: []byte(withAttach), caseID: 12, text: "Our draft advisory, café.", atts: 1},
		// Someone else at the vendor's domain forwards: domain match, the forward kept.
		{name: "forwarded", raw: []byte(forwarded), caseID: 12, text: "Forwarding our PSIRT's answer.", atts: 1},
		{name: "HTML only", raw: []byte(htmlOnly), caseID: 13, text: "We are investigating."},
		{name: "inline PGP", raw: []byte(inline), caseID: 12, encrypted: true, signed: true, text: "inline secret answer"},
		{name: "unknown sender", raw: []byte(hdr("someone@elsewhere.test", "Re: [antidote case 12]") + "\r\nhello\r\n"), why: mail.UnknownSender},
		{name: "no case reference", raw: []byte(hdr("psirt@acme.test", "Hello") + "\r\nhello\r\n"), why: mail.Unmatched},
		// A case that is not Acme's.
		{name: "another vendor's case", raw: []byte(hdr("psirt@acme.test", "[antidote case 13]") + "\r\nhello\r\n"), why: mail.Unmatched},
		{name: "no such case", raw: []byte(hdr("psirt@acme.test", "[antidote case 99]") + "\r\nhello\r\n"), why: mail.Unmatched},
		{name: "garbage PGP/MIME", raw: []byte(pgpmime(hdr("psirt@acme.test", "[antidote case 12]"), "-----BEGIN PGP MESSAGE-----\r\n\r\nAAAA\r\n-----END PGP MESSAGE-----")), why: mail.Undecryptable, encrypted: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := im.Parse(c.raw, now)
			if r.Quarantine != c.why {
				t.Fatalf("quarantine %q (%s), want %q", r.Quarantine, r.Detail, c.why)
			}
			if r.Encrypted != c.encrypted || r.Signed != c.signed {
				t.Errorf("encrypted %v signed %v, want %v %v", r.Encrypted, r.Signed, c.encrypted, c.signed)
			}
			if c.why != "" {
				if r.Case != 0 || r.Detail == "" {
					t.Errorf("quarantined reply has case %d, detail %q", r.Case, r.Detail)
				}
				return
			}
			if r.Case != c.caseID {
				t.Errorf("case %d, want %d", r.Case, c.caseID)
			}
			if !strings.Contains(r.Text, c.text) {
				t.Errorf("text %q, want %q", r.Text, c.text)
			}
			if strings.Contains(r.Text, "alert(") {
				t.Errorf("script text kept: %q", r.Text)
			}
			if len(r.Attachments) != c.atts {
				t.Errorf("%d attachments, want %d", len(r.Attachments), c.atts)
			}
		})
	}
	r := im.Parse([]byte(withAttach), now)
	if a := r.Attachments[0]; a.Name != "advisory.pdf" || a.ContentType != "application/pdf" || !bytes.Equal(a.Data, attachment) {
		t.Errorf("attachment %q %q %q", a.Name, a.ContentType, a.Data)
	}
}

func FuzzParseReply(f *testing.F) {
	k := newKeys(f)
	im := importer(f, k)
	c, _ := mail.Compose(mail.Envelope{From: "psirt@acme.test", To: "security@newsroom.test", Subject: "Re: [antidote case 12]", Body: "ok",
		Recipients: openpgp.EntityList{k.ws}, Signer: k.vendor, Date: t0})
	f.Add(c.Raw)
	s, _ := mail.Compose(mail.Envelope{From: "psirt@acme.test", To: "security@newsroom.test", Subject: "x", Body: "ok", Signer: k.vendor, Date: t0})
	f.Add(s.Raw)
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"))
	f.Add([]byte("Subject: [antidote case 18446744073709551616]\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\n"))
	f.Add([]byte("From x\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := im.Parse(raw, t0)
		if r.Quarantine == "" && (r.Case == 0 || r.Vendor == 0) {
			t.Fatalf("accepted without a case: %+v", r)
		}
		if r.Quarantine != "" && r.Case != 0 {
			t.Fatalf("quarantined with a case: %+v", r)
		}
		for _, a := range r.Attachments {
			if strings.ContainsAny(a.Name, "/\x00") || a.Name == "" {
				t.Fatalf("unsafe attachment name %q", a.Name)
			}
		}
		mail.SplitMessages(raw)
	})
}

// A real message from an MBOX nobody in this project wrote: read, its
// sender recognised, and kept for an analyst since it names no case.
func TestImportRealMBOX(t *testing.T) {
	data, err := os.ReadFile("testdata/readline-usage.mbox")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := mail.SplitMessages(data)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("SplitMessages: %d %v", len(msgs), err)
	}
	k := newKeys(t)
	vendors := []cases.Vendor{{ID: 5, Name: "GNU", Contacts: []cases.Contact{{Email: "security@gnu.org"}}}}
	im, err := mail.NewImporter(k.ws, vendors, nil, func(id int64) ([]int64, bool) { return []int64{5}, id == 1 })
	if err != nil {
		t.Fatal(err)
	}
	r := im.Parse(msgs[0], t0)
	if r.From != "rms@gnu.org" || r.Subject != "Use of Readline" || r.MessageID != "<199907230037.SAA01089@wijiji.santafe.edu>" ||
		r.Date.Year() != 1999 || !strings.Contains(r.Text, "Allbery's suggestion") {
		t.Fatalf("parsed %+v", r)
	}
	if r.Quarantine != mail.Unmatched {
		t.Fatalf("quarantine %q (%s), want unmatched: same domain as GNU's contact, no case named", r.Quarantine, r.Detail)
	}
	// The same message answering case 1 is accepted, as unsigned.
	r = im.Parse(bytes.Replace(msgs[0], []byte("Subject: Use of Readline"), []byte("Subject: Re: [antidote case 1] Use of Readline"), 1), t0)
	if r.Quarantine != "" || r.Case != 1 || r.Vendor != 5 || r.Signed || r.Encrypted {
		t.Fatalf("with a case reference: %+v", r)
	}
}
