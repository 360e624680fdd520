package mail

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"antidote/internal/secret"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// TLS modes.
const (
	StartTLS TLSMode = "starttls" // plain connect, then STARTTLS (required)
	Implicit TLSMode = "implicit" // TLS from the first byte (SMTPS, port 465)
	NoTLS    TLSMode = "none"     // clear text: loopback relays only
)

// Settings is a workspace's outgoing mail configuration. Password is never
// printed; the caller stores it sealed.
type Settings struct {
	Host       string        `json:"host"`
	Port       int           `json:"port"`
	User       string        `json:"user,omitempty"`
	TLS        TLSMode       `json:"tls"`
	From       string        `json:"from"`
	Password   secret.String `json:"-"`
	AllowPlain bool          `json:"allow_plain"` // send signed but unencrypted mail to vendors without a usable key
	// Portal is the vendor portal's address (https://...); notices then
	// link to the case's page there. Empty: no portal.
	Portal string `json:"portal,omitempty"`
}

// CaseLink is the portal page of a case, or "" without a portal.
func (s Settings) CaseLink(caseID int64) string {
	if s.Portal == "" {
		return ""
	}
	return strings.TrimRight(s.Portal, "/") + "/cases/" + strconv.FormatInt(caseID, 10)
}

// URL is the settings' SMTP URL without the password.
func (s Settings) URL() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), RawQuery: "tls=" + string(s.TLS)}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// ParseSMTPURL reads smtp://user@host:port?tls=starttls|implicit|none.
// The default TLS mode is starttls on any port but 465, where it is
// implicit; tls=none is refused unless host is a loopback address. A
// password in the URL is refused: it would end up in shell history.
func ParseSMTPURL(raw string) (Settings, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "smtp" || u.Host == "" || u.Opaque != "" {
		return Settings{}, errors.New("SMTP URL must look like smtp://user@host:587?tls=starttls")
	}
	if _, has := u.User.Password(); has {
		return Settings{}, errors.New("SMTP URL must not carry the password: give it from a file")
	}
	if u.Path != "" && u.Path != "/" {
		return Settings{}, errors.New("SMTP URL takes no path")
	}
	s := Settings{Host: u.Hostname(), User: u.User.Username()}
	if s.Host == "" {
		return Settings{}, errors.New("SMTP URL needs a host")
	}
	s.Port = 587
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Settings{}, fmt.Errorf("SMTP port %q is not a port number", clip(p))
		}
		s.Port = n
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return Settings{}, fmt.Errorf("SMTP URL: unknown parameter %q (only tls)", clip(k))
		}
	}
	switch t := q.Get("tls"); t {
	case "":
		s.TLS = StartTLS
		if s.Port == 465 {
			s.TLS = Implicit
		}
	case "starttls", "implicit", "none":
		s.TLS = TLSMode(t)
	default:
		return Settings{}, fmt.Errorf("SMTP URL: tls=%q: use starttls, implicit or none", clip(t))
	}
	if s.TLS == NoTLS && !isLoopback(s.Host) {
		return Settings{}, errors.New("SMTP without TLS is allowed only to a loopback relay (127.0.0.1, ::1, localhost)")
	}
	return s, nil
}

// SetFrom checks and sets the sender address.
func (s *Settings) SetFrom(addr string) error {
	a, err := mail.ParseAddress(strings.TrimSpace(addr))
	if err != nil {
		return errors.New("sender address is not a valid e-mail address (use security@example.org)")
	}
	s.From = a.Address
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
