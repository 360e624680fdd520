package mail

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Envelope is one outgoing message before composition.
type Envelope struct {
	From       string   // sender address
	To         string   // one recipient address
	Subject    string   // travels in clear: no finding details
	Body       string   // plain text, encrypted
	InReplyTo  []string // Message-IDs this answers, with angle brackets
	MessageID  string   // empty: a new one is made
	Date       time.Time
	Recipients openpgp.EntityList // the recipient's keys; empty means plain (signed only)
	Signer     *openpgp.Entity    // the workspace key
}

// Composed is a message ready for the outbox: Raw is the whole RFC 5322
// message, already encrypted unless Encrypted is false.
type Composed struct {
	MessageID string
	From      string
	To        string
	Raw       []byte
	Encrypted bool
}

// ErrNoUsableKey says a vendor has no OpenPGP key that can encrypt now.
var ErrNoUsableKey = errors.New("no usable OpenPGP key")

// NewMessageID returns a random Message-ID in the sender's domain. It is
// made once, when the message is queued, and never changes: a receiver
// (and antidote's own reply matching) can tell a resent copy.
func NewMessageID(from string) string {
	var b [16]byte
	rand.Read(b[:])
	domain := "antidote.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

func sigConfig(now time.Time) *packet.Config {
	return &packet.Config{DefaultHash: crypto.SHA256, Time: func() time.Time { return now }}
}

// UsableKeys keeps the keys that can encrypt at now.
func UsableKeys(el openpgp.EntityList, now time.Time) openpgp.EntityList {
	var out openpgp.EntityList
	for _, e := range el {
		if e.Revoked(now) {
			continue
		}
		if _, ok := e.EncryptionKey(now); ok {
			out = append(out, e)
		}
	}
	return out
}

// Compose builds the message. With recipient keys it is PGP/MIME
// (RFC 3156 section 6.2: one OpenPGP message, signed then encrypted,
// holding the MIME body and the workspace's public key as an attachment);
// without, it is a multipart/signed clear-text message (section 5), which
// callers send only when the analysts allowed plain mail.
func Compose(env Envelope) (Composed, error) {
	if env.Signer == nil || env.Signer.PrivateKey == nil {
		return Composed{}, errors.New("compose: no workspace signing key")
	}
	from, err := mail.ParseAddress(env.From)
	if err != nil {
		return Composed{}, errors.New("compose: sender is not an e-mail address")
	}
	to, err := mail.ParseAddress(env.To)
	if err != nil {
		return Composed{}, errors.New("compose: recipient is not an e-mail address")
	}
	if env.Date.IsZero() {
		env.Date = time.Now()
	}
	if env.MessageID == "" {
		env.MessageID = NewMessageID(from.Address)
	}
	keys := UsableKeys(env.Recipients, env.Date)
	if len(env.Recipients) > 0 && len(keys) == 0 {
		return Composed{}, ErrNoUsableKey
	}
	inner, err := innerEntity(env)
	if err != nil {
		return Composed{}, err
	}
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{{Address: from.Address, Name: from.Name}})
	h.SetAddressList("To", []*gomail.Address{{Address: to.Address, Name: to.Name}})
	h.SetSubject(env.Subject)
	h.SetDate(env.Date)
	h.Set("Message-Id", env.MessageID)
	if len(env.InReplyTo) > 0 {
		h.Set("In-Reply-To", env.InReplyTo[len(env.InReplyTo)-1])
		h.Set("References", strings.Join(env.InReplyTo, " "))
	}
	h.Set("MIME-Version", "1.0")
	var out bytes.Buffer
	c := Composed{MessageID: env.MessageID, From: from.Address, To: to.Address, Encrypted: len(keys) > 0}
	if c.Encrypted {
		err = writeEncrypted(&out, h.Header, inner, keys, env.Signer, env.Date)
	} else {
		err = writeSigned(&out, h.Header, inner, env.Signer, env.Date)
	}
	if err != nil {
		return Composed{}, err
	}
	c.Raw = normalizeCRLF(out.Bytes())
	return c, nil
}

// innerEntity is the protected MIME entity: the text and the workspace's
// public key, so that the vendor can answer encrypted.
func innerEntity(env Envelope) ([]byte, error) {
	var buf bytes.Buffer
	var h message.Header
	h.SetContentType("multipart/mixed", nil)
	mw, err := message.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	var th message.Header
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	th.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := mw.CreatePart(th)
	if err != nil {
		return nil, err
	}
	io.WriteString(pw, env.Body)
	pw.Close()
	var pub bytes.Buffer
	aw, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err := env.Signer.Serialize(aw); err != nil {
		return nil, fmt.Errorf("compose: workspace public key: %w", err)
	}
	aw.Close()
	var kh message.Header
	kh.SetContentType("application/pgp-keys", map[string]string{"name": "OpenPGP_" + fingerprint(env.Signer)[24:] + ".asc"})
	kh.Set("Content-Disposition", `attachment; filename="OpenPGP_`+fingerprint(env.Signer)[24:]+`.asc"`)
	kh.Set("Content-Transfer-Encoding", "7bit")
	pw, err = mw.CreatePart(kh)
	if err != nil {
		return nil, err
	}
	pw.Write(pub.Bytes())
	pw.Close()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	// Canonical CRLF everywhere (the armored key has bare LFs): what is
	// signed is what a verifier canonicalises (RFC 3156 section 5).
	return normalizeCRLF(buf.Bytes()), nil
}

func writeEncrypted(out io.Writer, h message.Header, inner []byte, keys openpgp.EntityList, signer *openpgp.Entity, now time.Time) error {
	h.SetContentType("multipart/encrypted", map[string]string{"protocol": "application/pgp-encrypted"})
	mw, err := message.CreateWriter(out, h)
	if err != nil {
		return err
	}
	var vh message.Header
	vh.SetContentType("application/pgp-encrypted", nil)
	vh.Set("Content-Description", "PGP/MIME version identification")
	pw, err := mw.CreatePart(vh)
	if err != nil {
		return err
	}
	io.WriteString(pw, "Version: 1\r\n")
	pw.Close()
	var eh message.Header
	eh.SetContentType("application/octet-stream", map[string]string{"name": "encrypted.asc"})
	eh.Set("Content-Description", "OpenPGP encrypted message")
	eh.Set("Content-Disposition", `inline; filename="encrypted.asc"`)
	pw, err = mw.CreatePart(eh)
	if err != nil {
		return err
	}
	aw, err := armor.Encode(pw, "PGP MESSAGE", nil)
	if err != nil {
		return err
	}
	ew, err := openpgp.Encrypt(aw, keys, signer, &openpgp.FileHints{IsBinary: true}, sigConfig(now))
	if err != nil {
		return fmt.Errorf("encrypt notice: %w", err)
	}
	if _, err := ew.Write(inner); err != nil {
		return fmt.Errorf("encrypt notice: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("encrypt notice: %w", err)
	}
	aw.Close()
	io.WriteString(pw, "\r\n")
	pw.Close()
	return mw.Close()
}

func writeSigned(out io.Writer, h message.Header, inner []byte, signer *openpgp.Entity, now time.Time) error {
	var sig bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&sig, signer, bytes.NewReader(inner), sigConfig(now)); err != nil {
		return fmt.Errorf("sign notice: %w", err)
	}
	var rb [12]byte
	rand.Read(rb[:])
	boundary := "antidote-signed-" + hex.EncodeToString(rb[:])
	h.SetContentType("multipart/signed", map[string]string{"micalg": "pgp-sha256", "protocol": "application/pgp-signature", "boundary": boundary})
	if err := textprotoWriteHeader(out, h); err != nil {
		return err
	}
	fmt.Fprintf(out, "--%s\r\n", boundary)
	out.Write(inner)
	fmt.Fprintf(out, "\r\n--%s\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\nContent-Description: OpenPGP digital signature\r\n\r\n", boundary)
	out.Write(bytes.ReplaceAll(sig.Bytes(), []byte("\n"), []byte("\r\n")))
	fmt.Fprintf(out, "\r\n--%s--\r\n", boundary)
	return nil
}

func textprotoWriteHeader(w io.Writer, h message.Header) error {
	return textproto.WriteHeader(w, h.Header)
}
