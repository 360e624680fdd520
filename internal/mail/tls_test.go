package mail_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"antidote/internal/mail"
	"antidote/internal/mail/mailtest"
	"antidote/internal/secret"
)

func TestSMTPTLSAndAuth(t *testing.T) {
	e := mailtest.StartEximWith(t, mailtest.Options{TLS: true, User: "desk", Password: "s3cret-pass"})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CA)
	tcfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	msg := []byte("From: security@newsroom.test\r\nTo: psirt@acme.test\r\nSubject: tls\r\nMessage-ID: <tls@newsroom.test>\r\n\r\nhello\r\n")
	send := func(mode mail.TLSMode, port int, password string, cfg *tls.Config) (string, error) {
		st := mail.Settings{Host: "127.0.0.1", Port: port, TLS: mode, User: "desk", Password: secret.NewString(password)}
		c := &mail.SMTP{Settings: st, TLSConfig: cfg}
		return c.Send(context.Background(), "security@newsroom.test", "psirt@acme.test", msg, nil)
	}
	if reply, err := send(mail.StartTLS, e.Port, "s3cret-pass", tcfg); err != nil || reply[:3] != "250" {
		t.Fatalf("STARTTLS: %q %v", reply, err)
	}
	if reply, err := send(mail.Implicit, e.TLSPort, "s3cret-pass", tcfg); err != nil || reply[:3] != "250" {
		t.Fatalf("implicit TLS: %q %v", reply, err)
	}
	// A wrong password is a permanent refusal; the error does not carry it.
	_, err := send(mail.StartTLS, e.Port, "wrong-pass", tcfg)
	var re *mail.ReplyError
	if !errors.As(err, &re) || re.Temporary() {
		t.Fatalf("wrong password: %v", err)
	}
	// A certificate nobody vouches for is refused before anything is sent.
	if _, err := send(mail.StartTLS, e.Port, "s3cret-pass", nil); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	if n := len(e.Delivered(t, 3)); n != 2 {
		t.Fatalf("%d messages arrived, want 2", n)
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	e := mailtest.StartExim(t) // offers no STARTTLS
	st := mail.Settings{Host: "127.0.0.1", Port: e.Port, TLS: mail.StartTLS}
	_, err := (&mail.SMTP{Settings: st}).Send(context.Background(), "a@newsroom.test", "b@acme.test", []byte("Subject: x\r\n\r\nx\r\n"), nil)
	var re *mail.ReplyError
	if !errors.As(err, &re) || re.Temporary() {
		t.Fatalf("server without STARTTLS: %v", err)
	}
	if n := len(e.Delivered(t, 1)); n != 0 {
		t.Fatalf("%d messages sent in clear", n)
	}
}
