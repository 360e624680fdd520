package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// SMTP sends one message over one connection per call. TLSConfig, when
// set, replaces the default (system roots, ServerName = Host); tests use it
// to trust a test server.
type SMTP struct {
	Settings  Settings
	TLSConfig *tls.Config
	HelloName string        // default "localhost"
	Timeout   time.Duration // per connection; default 2 minutes
}

// ReplyError is an SMTP server's refusal: Code 4xx is temporary, 5xx
// permanent.
type ReplyError struct {
	Code int
	Msg  string
}

func (e *ReplyError) Error() string { return fmt.Sprintf("SMTP server replied %d %s", e.Code, e.Msg) }

// Temporary reports whether the server asked to try again later.
func (e *ReplyError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// ErrAfterHandoff wraps a failure that happened after the whole message
// and its final dot were written: the server may have accepted it.
var ErrAfterHandoff = errors.New("connection lost after the message was handed over")

// Send delivers raw from from to to. handoff is called after the whole
// message has been written and just before the final dot that asks the
// server to accept it: the caller records there that from now on the
// message may have been delivered. Send returns the server's final reply
// ("250 2.0.0 OK id=...").
func (c *SMTP) Send(ctx context.Context, from, to string, raw []byte, handoff func() error) (string, error) {
	s := c.Settings
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tcfg := c.TLSConfig
	if tcfg == nil {
		tcfg = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("connect to SMTP server %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if s.TLS == Implicit {
		conn = tls.Client(conn, tcfg)
	}
	cl, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return "", smtpErr("greeting", err)
	}
	defer cl.Close()
	hello := c.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return "", smtpErr("EHLO", err)
	}
	if s.TLS == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return "", &ReplyError{Code: 530, Msg: "server does not offer STARTTLS, which these settings require"}
		}
		if err := cl.StartTLS(tcfg); err != nil {
			return "", smtpErr("STARTTLS", err)
		}
	}
	if s.User != "" {
		// net/smtp's PLAIN refuses to send the password over a connection
		// that is neither TLS nor to localhost.
		if err := cl.Auth(smtp.PlainAuth("", s.User, s.Password.Reveal(), s.Host)); err != nil {
			return "", smtpErr("AUTH", err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return "", smtpErr("MAIL FROM", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return "", smtpErr("RCPT TO", err)
	}
	// DATA by hand, to place the handoff before the final dot and to keep
	// the server's final reply.
	id, err := cl.Text.Cmd("DATA")
	if err != nil {
		return "", smtpErr("DATA", err)
	}
	cl.Text.StartResponse(id)
	_, _, err = cl.Text.ReadResponse(354)
	cl.Text.EndResponse(id)
	if err != nil {
		return "", smtpErr("DATA", err)
	}
	dw := cl.Text.DotWriter()
	if _, err := dw.Write(normalizeCRLF(raw)); err != nil {
		return "", smtpErr("message", err)
	}
	// The DotWriter has buffered the tail; its Close writes the final dot.
	if err := cl.Text.W.Flush(); err != nil {
		return "", smtpErr("message", err)
	}
	if handoff != nil {
		if err := handoff(); err != nil {
			return "", fmt.Errorf("record handoff: %w", err)
		}
	}
	if err := dw.Close(); err != nil {
		return "", fmt.Errorf("%w: %v", ErrAfterHandoff, err)
	}
	code, msg, err := cl.Text.ReadResponse(250)
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			return "", &ReplyError{Code: te.Code, Msg: oneLine(te.Msg)}
		}
		return "", fmt.Errorf("%w: %v", ErrAfterHandoff, err)
	}
	reply := strconv.Itoa(code) + " " + oneLine(msg)
	cl.Quit()
	return reply, nil
}

func smtpErr(stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &ReplyError{Code: te.Code, Msg: stage + ": " + oneLine(te.Msg)}
	}
	return fmt.Errorf("SMTP %s: %w", stage, err)
}

// normalizeCRLF makes every line end in CRLF, as SMTP requires.
func normalizeCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, '\r', '\n')
	}
	return b
}
