package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"antidote/internal/secret"
)

// IMAPSettings is a mailbox to read vendor replies from.
type IMAPSettings struct {
	Host     string
	Port     int
	User     string
	TLS      TLSMode // Implicit (imaps://, 993), StartTLS, or NoTLS (loopback only)
	Mailbox  string
	Password secret.String
}

// ParseIMAPURL reads imaps://user@host[:993][/MAILBOX] (TLS from the first
// byte) or imap://user@host[:143][/MAILBOX]?tls=starttls|none; none is
// allowed only to a loopback server. The mailbox defaults to INBOX; a
// password in the URL is refused.
func ParseIMAPURL(raw string) (IMAPSettings, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "imap" && u.Scheme != "imaps") || u.Host == "" || u.Opaque != "" {
		return IMAPSettings{}, errors.New("IMAP URL must look like imaps://user@host/INBOX")
	}
	if _, has := u.User.Password(); has {
		return IMAPSettings{}, errors.New("IMAP URL must not carry the password: give it from a file")
	}
	s := IMAPSettings{Host: u.Hostname(), User: u.User.Username(), Mailbox: strings.TrimPrefix(u.Path, "/")}
	if s.Mailbox == "" {
		s.Mailbox = "INBOX"
	}
	if s.User == "" {
		return IMAPSettings{}, errors.New("IMAP URL needs the user name: imaps://user@host")
	}
	s.TLS, s.Port = Implicit, 993
	if u.Scheme == "imap" {
		s.TLS, s.Port = StartTLS, 143
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return IMAPSettings{}, fmt.Errorf("IMAP port %q is not a port number", clip(p))
		}
		s.Port = n
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return IMAPSettings{}, fmt.Errorf("IMAP URL: unknown parameter %q (only tls)", clip(k))
		}
	}
	switch t := q.Get("tls"); {
	case t == "":
	case u.Scheme == "imaps":
		return IMAPSettings{}, errors.New("imaps:// is TLS from the first byte: drop the tls parameter")
	case t == "starttls" || t == "none":
		s.TLS = TLSMode(t)
	default:
		return IMAPSettings{}, fmt.Errorf("IMAP URL: tls=%q: use starttls or none", clip(t))
	}
	if s.TLS == NoTLS && !isLoopback(s.Host) {
		return IMAPSettings{}, errors.New("IMAP without TLS is allowed only to a loopback server (127.0.0.1, ::1, localhost)")
	}
	return s, nil
}

// FetchIMAP reads, without marking them seen, the messages of the mailbox
// that arrived since the given day (zero: all) and hands each to fn, in
// UID order. Import is idempotent, so fetching a message twice is safe.
// tlsConfig, when set, replaces the default (system roots).
//
// A message larger than MaxMessageSize is handed over cut to
// MaxMessageSize+1 bytes, so that import keeps it in quarantine as too
// large instead of dropping it.
func FetchIMAP(ctx context.Context, s IMAPSettings, tlsConfig *tls.Config, since time.Time, fn func(raw []byte) error) (int, error) {
	return fetchIMAP(ctx, s, tlsConfig, since, MaxMessageSize, fn)
}

func fetchIMAP(ctx context.Context, s IMAPSettings, tlsConfig *tls.Config, since time.Time, limit int, fn func(raw []byte) error) (int, error) {
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	d := &net.Dialer{Timeout: 30 * time.Second}
	var c *client.Client
	var err error
	if s.TLS == Implicit {
		c, err = client.DialWithDialerTLS(d, addr, tlsConfig)
	} else {
		c, err = client.DialWithDialer(d, addr)
	}
	if err != nil {
		return 0, fmt.Errorf("connect to IMAP server %s: %w", addr, err)
	}
	defer c.Logout()
	c.Timeout = 2 * time.Minute
	stop := context.AfterFunc(ctx, func() { c.Terminate() })
	defer stop()
	if s.TLS == StartTLS {
		if ok, _ := c.SupportStartTLS(); !ok {
			return 0, errors.New("IMAP server does not offer STARTTLS, which these settings require")
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return 0, fmt.Errorf("IMAP STARTTLS: %w", err)
		}
	}
	if err := c.Login(s.User, s.Password.Reveal()); err != nil {
		return 0, fmt.Errorf("IMAP login as %s: %w", s.User, err)
	}
	if _, err := c.Select(s.Mailbox, true); err != nil {
		return 0, fmt.Errorf("IMAP select %s: %w", clip(s.Mailbox), err)
	}
	crit := imap.NewSearchCriteria()
	if !since.IsZero() {
		crit.Since = since
	}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, fmt.Errorf("IMAP search: %w", err)
	}
	n := 0
	whole := &imap.BodySectionName{Peek: true}
	head := &imap.BodySectionName{Peek: true, Partial: []int{0, limit + 1}}
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		set := new(imap.SeqSet)
		set.AddNum(uid)
		// First the size, then the body: whole, or its first limit+1 bytes.
		size, err := fetchSize(c, set)
		if err != nil {
			return n, fmt.Errorf("IMAP fetch %d: %w", uid, err)
		}
		section := whole
		if size > limit {
			section = head
		}
		ch := make(chan *imap.Message, 1)
		done := make(chan error, 1)
		go func() { done <- c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch) }()
		var raw []byte
		for m := range ch {
			for name, lit := range m.Body {
				if name.Specifier != imap.EntireSpecifier || lit == nil {
					continue
				}
				raw, err = io.ReadAll(io.LimitReader(lit, int64(limit)+1))
				if err != nil {
					return n, fmt.Errorf("IMAP fetch %d: %w", uid, err)
				}
			}
		}
		if err := <-done; err != nil {
			return n, fmt.Errorf("IMAP fetch %d: %w", uid, err)
		}
		if raw == nil {
			continue
		}
		if err := fn(raw); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func fetchSize(c *client.Client, set *imap.SeqSet) (int, error) {
	ch := make(chan *imap.Message, 1)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(set, []imap.FetchItem{imap.FetchRFC822Size}, ch) }()
	size := 0
	for m := range ch {
		size = int(m.Size)
	}
	return size, <-done
}
