package mail_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/mail"
	"antidote/internal/mail/mailtest"
	"antidote/internal/secret"
)

func TestParseIMAPURL(t *testing.T) {
	for _, c := range []struct {
		in      string
		port    int
		tls     mail.TLSMode
		box     string
		wantErr string
	}{
		{in: "imaps://desk@imap.newsroom.test", port: 993, tls: mail.Implicit, box: "INBOX"},
		{in: "imaps://desk@imap.newsroom.test:1993/Vendors", port: 1993, tls: mail.Implicit, box: "Vendors"},
		{in: "imap://desk@imap.newsroom.test?tls=starttls", port: 143, tls: mail.StartTLS, box: "INBOX"},
		{in: "imap://desk@imap.newsroom.test", port: 143, tls: mail.StartTLS, box: "INBOX"},
		{in: "imap://desk@127.0.0.1:1143?tls=none", port: 1143, tls: mail.NoTLS, box: "INBOX"},
		{in: "imap://desk@imap.newsroom.test?tls=none", wantErr: "loopback"},
		{in: "imaps://desk:pw@imap.newsroom.test", wantErr: "password"},
		{in: "imaps://imap.newsroom.test", wantErr: "user"},
		{in: "imaps://desk@imap.newsroom.test?tls=none", wantErr: "first byte"},
		{in: "https://desk@imap.newsroom.test", wantErr: "imaps://"},
	} {
		s, err := mail.ParseIMAPURL(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: %v, want an error about %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || s.Port != c.port || s.TLS != c.tls || s.Mailbox != c.box || s.User != "desk" {
			t.Errorf("%q: %+v %v", c.in, s, err)
		}
	}
}

func TestFetchIMAPFromDovecot(t *testing.T) {
	dv := mailtest.StartDovecot(t, "desk", "imap-pass")
	k := newKeys(t)
	im := importer(t, k)
	reply, err := mail.Compose(mail.Envelope{From: "psirt@acme.test", To: "security@newsroom.test", Subject: "Re: [antidote case 12]", Body: "fetched over IMAP",
		Recipients: openpgp.EntityList{k.ws}, Signer: k.vendor, Date: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	dv.Put(t, "1.eml", reply.Raw)
	dv.Put(t, "2.eml", []byte("From: someone@elsewhere.test\r\nSubject: hi\r\nMessage-ID: <s@x.test>\r\n\r\nhello\r\n"))
	st, err := mail.ParseIMAPURL("imap://desk@127.0.0.1:" + strconv.Itoa(dv.Port) + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	st.Password = secret.NewString("imap-pass")
	for round := 0; round < 2; round++ { // fetching does not consume
		var got []mail.Reply
		n, err := mail.FetchIMAP(context.Background(), st, nil, time.Time{}, func(raw []byte) error {
			got = append(got, im.Parse(raw, t0.Add(2*time.Hour)))
			return nil
		})
		if err != nil || n != 2 || len(got) != 2 {
			t.Fatalf("round %d: FetchIMAP = %d, %v", round, n, err)
		}
		if got[0].Case != 12 || !got[0].Signed || !strings.Contains(got[0].Text, "fetched over IMAP") || got[1].Quarantine != mail.UnknownSender {
			t.Fatalf("round %d: %+v / %+v", round, got[0], got[1])
		}
	}
	// A message over the limit is handed over cut to limit+1 bytes, for
	// import to keep in quarantine, not dropped.
	big := append([]byte("From: psirt@acme.test\r\nSubject: huge\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 3000)...)
	dv.Put(t, "3.eml", big)
	var sizes []int
	if _, err := mail.FetchIMAPLimit(context.Background(), st, nil, time.Time{}, 20000, func(raw []byte) error {
		sizes = append(sizes, len(raw))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || sizes[0] != len(reply.Raw) || sizes[2] != 20001 {
		t.Fatalf("sizes %v (reply %d bytes)", sizes, len(reply.Raw))
	}
	st.Password = secret.NewString("wrong")
	if _, err := mail.FetchIMAP(context.Background(), st, nil, time.Time{}, func([]byte) error { return nil }); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v", err)
	}
	// STARTTLS required, and this server offers none: nothing is sent in clear.
	st.TLS, st.Password = mail.StartTLS, secret.NewString("imap-pass")
	if _, err := mail.FetchIMAP(context.Background(), st, nil, time.Time{}, func([]byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("no STARTTLS: %v", err)
	}
}
