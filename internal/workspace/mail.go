package workspace

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/auth"
	"antidote/internal/mail"
	"antidote/internal/secret"
	"antidote/internal/store"
)

// Vendor mail in the core: the settings and the workspace's OpenPGP key
// (this file), notices queued with 'notify' (mail_notice.go), the outbox's
// delivery (mail_outbox.go), vendor replies and the quarantine
// (mail_replies.go), and reminders (mail_reminders.go). internal/mail
// composes, encrypts, sends and judges; the store keeps everything sealed.

var (
	// ErrNoMailSettings means the workspace has no SMTP settings yet.
	ErrNoMailSettings = errors.New("no mail settings")
	// ErrNoSender means mail settings were given without a sender address
	// (and the SMTP user is not one).
	ErrNoSender = errors.New("no sender address for notices")
)

// MailSettingsInput is what an analyst sets: an SMTP URL
// (smtp://user@host:587?tls=starttls, tls=implicit, tls=none to a loopback
// relay only), the sender address (default: the SMTP user when it is an
// address), the password (empty: keep the stored one) and whether vendors
// without a usable OpenPGP key are mailed signed but unencrypted.
type MailSettingsInput struct {
	SMTP       string
	From       string
	Password   secret.String
	AllowPlain bool
	Portal     string // the vendor portal's https:// address, for links in notices
}

// MailSettings is the workspace's mail configuration as shown: never the
// password, only whether one is stored.
type MailSettings struct {
	SMTP        string `json:"smtp"`
	From        string `json:"from"`
	Password    bool   `json:"password_set"`
	AllowPlain  bool   `json:"allow_plain"`
	Portal      string `json:"portal,omitempty"`
	Fingerprint string `json:"openpgp_fingerprint,omitempty"` // empty until the key is first needed
}

// SetMailSettings checks and stores the mail settings; the password is
// sealed.
func (ws *Workspace) SetMailSettings(ctx context.Context, a Actor, in MailSettingsInput) (MailSettings, error) {
	if err := allow(a, auth.Settings); err != nil {
		return MailSettings{}, err
	}
	st, err := mail.ParseSMTPURL(in.SMTP)
	if err != nil {
		return MailSettings{}, invalid(err)
	}
	st.AllowPlain = in.AllowPlain
	if p := strings.TrimSpace(in.Portal); p != "" {
		u, err := url.Parse(p)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return MailSettings{}, invalid(fmt.Errorf("portal address %q: use https://host[:port][/path]", p))
		}
		st.Portal = u.String()
	}
	from := strings.TrimSpace(in.From)
	if from == "" && strings.Contains(st.User, "@") {
		from = st.User
	}
	if from == "" {
		return MailSettings{}, invalid(ErrNoSender)
	}
	if err := st.SetFrom(from); err != nil {
		return MailSettings{}, invalid(err)
	}
	st.Password = in.Password
	if err := ws.store.SetMailSettings(ctx, st); err != nil {
		return MailSettings{}, err
	}
	if err := ws.record(ctx, a, "mail.set", "mail", auditDetail(map[string]any{"host": st.Host, "port": st.Port, "tls": st.TLS, "allow_plain": st.AllowPlain})); err != nil {
		return MailSettings{}, err
	}
	return ws.mailSettingsView(ctx)
}

// MailSettings returns the settings without the password, and the
// workspace key's fingerprint once it exists. No settings:
// ErrNoMailSettings.
func (ws *Workspace) MailSettings(ctx context.Context, a Actor) (MailSettings, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return MailSettings{}, err
	}
	v, err := ws.mailSettingsView(ctx)
	if err != nil {
		return v, err
	}
	return v, ws.record(ctx, a, "mail.show", "mail", nil)
}

func (ws *Workspace) mailSettingsView(ctx context.Context) (MailSettings, error) {
	st, err := ws.mailSettings(ctx)
	if err != nil {
		return MailSettings{}, err
	}
	v := MailSettings{SMTP: st.URL(), From: st.From, Password: !st.Password.IsZero(), AllowPlain: st.AllowPlain, Portal: st.Portal}
	k, err := ws.store.WorkspaceKey(ctx)
	switch {
	case err == nil:
		v.Fingerprint = k.Fingerprint
	case !errors.Is(err, store.ErrNotFound):
		return v, err
	}
	return v, nil
}

// mailSettings reads the stored settings with the password; none stored is
// ErrNoMailSettings.
func (ws *Workspace) mailSettings(ctx context.Context) (mail.Settings, error) {
	st, err := ws.store.MailSettings(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return st, ErrNoMailSettings
	}
	return st, err
}

// workspacePGP returns the workspace's OpenPGP key, which signs notices and
// decrypts replies, creating it the first time it is needed (recorded in
// the audit log with its fingerprint).
func (ws *Workspace) workspacePGP(ctx context.Context, a Actor, from string) (*openpgp.Entity, error) {
	k, err := ws.store.WorkspaceKey(ctx)
	if errors.Is(err, store.ErrNotFound) {
		nk, gerr := mail.GenerateKey("antidote workspace", from, ws.now())
		if gerr != nil {
			return nil, fmt.Errorf("create the workspace OpenPGP key: %w", gerr)
		}
		stored, perr := ws.store.PutWorkspaceKey(ctx, nk, ws.now())
		if perr != nil {
			return nil, perr
		}
		if stored {
			if err := ws.record(ctx, a, "mail.key", "openpgp", auditDetail(map[string]any{"fingerprint": nk.Fingerprint})); err != nil {
				return nil, err
			}
		}
		k, err = ws.store.WorkspaceKey(ctx)
	}
	if err != nil {
		return nil, err
	}
	return mail.ReadPrivateKey(k.Private)
}

// mailMAC is a keyed MAC under the workspace's "mail" key: how the outbox
// and the replies find messages again without storing their identifiers
// in clear.
func (ws *Workspace) mailMAC(parts ...string) []byte {
	s := ws.keys.MAC("mail").Sum([]byte(strings.Join(parts, "\x00")))
	return s[:]
}

// MailWarningKind says why a vendor got no mail, or got it unencrypted.
type MailWarningKind string

// Mail warnings.
const (
	// MailNoContact: the vendor has no security contact to mail.
	MailNoContact MailWarningKind = "no-contact"
	// MailNoKey: the vendor has no usable OpenPGP key and plain mail is
	// not allowed: nothing was mailed.
	MailNoKey MailWarningKind = "no-usable-key"
	// MailPlain: the vendor has no usable key; plain mail is allowed, so
	// its mail goes signed but not encrypted.
	MailPlain MailWarningKind = "plain"
	// MailNoSettings: no mail settings: a reminder is recorded in the
	// timeline only.
	MailNoSettings MailWarningKind = "no-mail-settings"
)

// MailWarning is something an analyst must know about mail that was (or
// was not) queued: which vendor, what kind of mail (notice or reminder),
// and why.
type MailWarning struct {
	Case   int64           `json:"case"`
	Vendor string          `json:"vendor,omitempty"`
	Mail   string          `json:"mail"` // notice, reminder
	Kind   MailWarningKind `json:"kind"`
}

func (w MailWarning) String() string {
	what := "no mail sent"
	if w.Mail == "reminder" {
		what = "no reminder mailed"
	}
	switch w.Kind {
	case MailNoContact:
		return fmt.Sprintf("%s has no security contact: %s", w.Vendor, what)
	case MailNoKey:
		return fmt.Sprintf("%s has no usable OpenPGP key: %s", w.Vendor, what)
	case MailPlain:
		return fmt.Sprintf("%s has no usable OpenPGP key: its %s goes signed but NOT encrypted (plain mail allowed)", w.Vendor, w.Mail)
	case MailNoSettings:
		return "no mail settings: the reminder is recorded in the timeline only"
	}
	return fmt.Sprintf("%s: %s", w.Vendor, w.Kind)
}
