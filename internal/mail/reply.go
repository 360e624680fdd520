package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode legacy charsets of replies
	"github.com/emersion/go-message/textproto"
	"golang.org/x/net/html"

	"antidote/internal/cases"
)

// Reason says why a reply went to quarantine.
type Reason string

// Quarantine reasons. The empty Reason means the reply was accepted.
const (
	Malformed     Reason = "malformed"      // not a readable e-mail message
	Undecryptable Reason = "undecryptable"  // encrypted, but not to the workspace key
	UnknownSender Reason = "unknown-sender" // From is no vendor's contact (nor in its domain)
	BadSignature  Reason = "bad-signature"  // signed, but not by the vendor's key, or altered
	Unmatched     Reason = "unmatched"      // no case reference, or the case is not that vendor's
)

// Attachment is a file a reply carried. The caller stores it sealed.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"-"`
}

// Reply is a vendor's answer, read and judged. Quarantine is empty when it
// was matched to Case and Vendor; otherwise Detail says why not (without
// the message's content).
type Reply struct {
	MessageID   string       `json:"message_id,omitempty"`
	From        string       `json:"from"`
	Subject     string       `json:"subject"`
	Date        time.Time    `json:"date,omitzero"`
	References  []string     `json:"references,omitempty"`
	Case        int64        `json:"case,omitempty"`
	Vendor      int64        `json:"vendor,omitempty"`
	Encrypted   bool         `json:"encrypted"`
	Signed      bool         `json:"signed"` // a good signature by one of the vendor's keys
	Signer      string       `json:"signer,omitempty"`
	Text        string       `json:"-"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Quarantine  Reason       `json:"quarantine,omitempty"`
	Detail      string       `json:"detail,omitempty"`
}

// SentLookup finds the case and vendor of a message antidote sent, by its
// Message-ID (with angle brackets).
type SentLookup func(messageID string) (caseID, vendorID int64, ok bool)

// CaseLookup returns the vendors of a case, and false if there is no such case.
type CaseLookup func(caseID int64) (vendors []int64, ok bool)

// Importer reads vendor replies for one workspace.
type Importer struct {
	workspace *openpgp.Entity
	vendors   []vendorKeys
	sent      SentLookup
	caseOf    CaseLookup
}

type vendorKeys struct {
	id      int64
	addrs   map[string]bool
	domains map[string]bool
	keys    openpgp.EntityList
}

// NewImporter prepares reply import: workspace decrypts, vendors' contacts
// say who may write and their keys who may sign.
func NewImporter(workspace *openpgp.Entity, vendors []cases.Vendor, sent SentLookup, caseOf CaseLookup) (*Importer, error) {
	if workspace == nil || workspace.PrivateKey == nil {
		return nil, errors.New("reply import needs the workspace's secret OpenPGP key")
	}
	im := &Importer{workspace: workspace, sent: sent, caseOf: caseOf}
	for _, v := range vendors {
		vk := vendorKeys{id: v.ID, addrs: map[string]bool{}, domains: map[string]bool{}}
		for _, c := range v.Contacts {
			a := strings.ToLower(c.Email)
			vk.addrs[a] = true
			if _, d, ok := strings.Cut(a, "@"); ok {
				vk.domains[d] = true
			}
		}
		for _, k := range v.Keys {
			el, err := ReadPublicKeys(k.Armored)
			if err != nil {
				return nil, fmt.Errorf("vendor %d key %s: %w", v.ID, k.Fingerprint, err)
			}
			vk.keys = append(vk.keys, el...)
		}
		im.vendors = append(im.vendors, vk)
	}
	return im, nil
}

// limits on what one reply may hold.
const (
	maxDepth = 8
	maxParts = 200
)

// Parse reads one message and decides where it goes. It never fails: a
// message it cannot read is a Reply in quarantine as Malformed.
func (im *Importer) Parse(raw []byte, now time.Time) Reply {
	var r Reply
	if len(raw) > MaxMessageSize {
		return quarantine(r, Malformed, fmt.Sprintf("larger than %d MiB", MaxMessageSize>>20))
	}
	raw = normalizeCRLF(raw)
	hdr, _, err := splitEntity(raw)
	if err != nil {
		return quarantine(r, Malformed, "the header does not parse")
	}
	h := message.Header{Header: hdr}
	r.Subject = decodeWord(h.Get("Subject"))
	r.MessageID = strings.TrimSpace(h.Get("Message-Id"))
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		r.Date = d.UTC()
	}
	for _, k := range []string{"References", "In-Reply-To"} {
		r.References = append(r.References, msgIDs(h.Get(k))...)
	}
	from, err := mail.ParseAddress(decodeWord(h.Get("From")))
	if err == nil {
		r.From = strings.ToLower(from.Address)
	}
	cands := im.candidates(r.From)
	var ring openpgp.EntityList
	ring = append(ring, im.workspace)
	for _, v := range cands {
		ring = append(ring, v.keys...)
	}
	w := walker{ring: ring, workspace: im.workspace, now: now}
	w.walk(raw, 0)
	r.Text = strings.TrimSpace(w.text)
	if r.Text == "" {
		r.Text = strings.TrimSpace(w.html)
	}
	r.Attachments = w.attachments
	r.Encrypted = w.encrypted
	switch {
	case w.malformed != "":
		return quarantine(r, Malformed, w.malformed)
	case w.decryptErr != "":
		return quarantine(r, Undecryptable, w.decryptErr)
	case r.From == "":
		return quarantine(r, UnknownSender, "no readable From address")
	case len(cands) == 0:
		return quarantine(r, UnknownSender, "the sender is no vendor's security contact")
	case w.sigErr != "":
		return quarantine(r, BadSignature, w.sigErr)
	}
	if w.signer != nil {
		r.Signed, r.Signer = true, fingerprint(w.signer)
	}
	r.Case, r.Vendor = im.match(r, cands, w.signer)
	if r.Case == 0 {
		return quarantine(r, Unmatched, "no reference to a case of the sender's vendor in the subject or the In-Reply-To/References headers")
	}
	return r
}

func quarantine(r Reply, why Reason, detail string) Reply {
	r.Quarantine, r.Detail, r.Case, r.Vendor = why, detail, 0, 0
	return r
}

// candidates are the vendors the sender may speak for: those listing the
// address as a contact, else those with a contact in the same domain.
func (im *Importer) candidates(addr string) []vendorKeys {
	if addr == "" {
		return nil
	}
	var exact, domain []vendorKeys
	_, d, _ := strings.Cut(addr, "@")
	for _, v := range im.vendors {
		switch {
		case v.addrs[addr]:
			exact = append(exact, v)
		case d != "" && v.domains[d]:
			domain = append(domain, v)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return domain
}

// match finds the case: first by the messages the reply answers, then by
// the case reference in the subject. The vendor must be a party to that
// case; a signed reply speaks for the vendor whose key signed it.
func (im *Importer) match(r Reply, cands []vendorKeys, signer *openpgp.Entity) (int64, int64) {
	if signer != nil {
		var only []vendorKeys
		for _, v := range cands {
			for _, k := range v.keys {
				if bytes.Equal(k.PrimaryKey.Fingerprint, signer.PrimaryKey.Fingerprint) {
					only = append(only, v)
					break
				}
			}
		}
		cands = only
	}
	party := func(caseID int64) int64 {
		if im.caseOf == nil {
			return 0
		}
		vs, ok := im.caseOf(caseID)
		if !ok {
			return 0
		}
		for _, c := range cands {
			for _, v := range vs {
				if c.id == v {
					return v
				}
			}
		}
		return 0
	}
	if im.sent != nil {
		for i := len(r.References) - 1; i >= 0; i-- {
			if c, _, ok := im.sent(r.References[i]); ok {
				if v := party(c); v != 0 {
					return c, v
				}
			}
		}
	}
	if c, ok := subjectCase(r.Subject); ok {
		if v := party(c); v != 0 {
			return c, v
		}
	}
	return 0, 0
}

// subjectCase finds "[antidote case N]" in a subject.
func subjectCase(s string) (int64, bool) {
	const pre = "[antidote case "
	ls := strings.ToLower(s)
	for {
		i := strings.Index(ls, pre)
		if i < 0 {
			return 0, false
		}
		ls = ls[i+len(pre):]
		j := strings.IndexByte(ls, ']')
		if j > 0 && j <= 19 {
			if n, err := strconv.ParseInt(ls[:j], 10, 64); err == nil && n > 0 {
				return n, true
			}
		}
	}
}

func msgIDs(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return out
		}
		if id := s[i : i+j+1]; len(id) > 2 && len(id) < 1000 {
			out = append(out, id)
		}
		s = s[i+j+1:]
	}
}

var wordDecoder = mime.WordDecoder{CharsetReader: message.CharsetReader}

func decodeWord(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// splitEntity cuts a CRLF entity into its header and body.
func splitEntity(raw []byte) (textproto.Header, []byte, error) {
	var hdrEnd int
	switch {
	case bytes.HasPrefix(raw, []byte("\r\n")):
		hdrEnd = 2
	default:
		i := bytes.Index(raw, []byte("\r\n\r\n"))
		if i < 0 {
			hdrEnd = len(raw)
		} else {
			hdrEnd = i + 4
		}
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw[:hdrEnd])))
	if err != nil && hdrEnd != len(raw) {
		return h, nil, err
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return h, nil, err
	}
	return h, raw[hdrEnd:], nil
}

// walker reads a MIME tree, decrypting and verifying as it goes.
type walker struct {
	ring        openpgp.EntityList
	workspace   *openpgp.Entity
	now         time.Time
	parts       int
	text, html  string
	attachments []Attachment
	encrypted   bool
	signer      *openpgp.Entity
	sigErr      string
	decryptErr  string
	malformed   string
}

func (w *walker) fail(s string) {
	if w.malformed == "" {
		w.malformed = s
	}
}

func (w *walker) walk(raw []byte, depth int) {
	w.parts++
	if depth > maxDepth || w.parts > maxParts {
		w.fail("nested too deep or too many parts")
		return
	}
	hdr, body, err := splitEntity(raw)
	if err != nil {
		w.fail("a part's header does not parse")
		return
	}
	h := message.Header{Header: hdr}
	ct, params, err := h.ContentType()
	if err != nil || ct == "" {
		ct, params = "text/plain", map[string]string{}
	}
	disp, dparams, _ := h.ContentDisposition()
	switch {
	case ct == "multipart/encrypted":
		parts, ok := splitMultipart(body, params["boundary"])
		if !ok || len(parts) < 2 {
			w.fail("multipart/encrypted without its two parts")
			return
		}
		data, err := leafBody(parts[1])
		if err != nil {
			w.fail("the encrypted part does not decode")
			return
		}
		inner, ok := w.decrypt(data)
		if ok {
			w.walk(normalizeCRLF(inner), depth+1)
		}
	case ct == "multipart/signed":
		parts, ok := splitMultipart(body, params["boundary"])
		if !ok || len(parts) < 2 {
			w.fail("multipart/signed without its two parts")
			return
		}
		sig, err := leafBody(parts[1])
		if err != nil {
			w.fail("the signature part does not decode")
			return
		}
		w.verifyDetached(parts[0], sig)
		w.walk(parts[0], depth+1)
	case strings.HasPrefix(ct, "multipart/"):
		parts, ok := splitMultipart(body, params["boundary"])
		if !ok {
			w.fail("a multipart part has no boundary")
			return
		}
		for _, p := range parts {
			w.walk(p, depth+1)
		}
	case ct == "message/rfc822":
		w.attach("forwarded.eml", ct, body)
	case (ct == "text/plain" || ct == "text/html") && disp != "attachment":
		data, err := leafBody(raw)
		if err != nil {
			w.fail("a text part does not decode")
			return
		}
		s := string(data)
		if ct == "text/html" {
			if w.html == "" {
				w.html = htmlText(s)
			}
			return
		}
		s = w.inline(s)
		if w.text == "" {
			w.text = s
		} else {
			w.attach("text.txt", ct, []byte(s))
		}
	case ct == "application/pgp-encrypted" || ct == "application/pgp-signature":
		// the version part of multipart/encrypted; a stray signature
	default:
		data, err := leafBody(raw)
		if err != nil {
			w.fail("an attachment does not decode")
			return
		}
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		w.attach(name, ct, data)
	}
}

func (w *walker) attach(name, ct string, data []byte) {
	w.attachments = append(w.attachments, Attachment{Name: safeName(name), ContentType: ct, Data: data})
}

// safeName keeps a file name's last element, printable, at most 100 bytes.
func safeName(s string) string {
	s = decodeWord(s)
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, s)
	if s == "." || s == "/" || s == "" || s == ".." {
		s = "attachment"
	}
	for len(s) > 100 {
		_, n := lastRune(s)
		s = s[:len(s)-n]
	}
	return s
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}

// leafBody decodes a part's transfer encoding and, for text, its charset.
func leafBody(raw []byte) ([]byte, error) {
	hdr, body, err := splitEntity(raw)
	if err != nil {
		return nil, err
	}
	e, err := message.New(message.Header{Header: hdr}, bytes.NewReader(body))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(e.Body, MaxMessageSize))
}

// splitMultipart cuts a CRLF multipart body into its parts' raw bytes,
// exactly as they stand between the boundaries (what a signature covers).
func splitMultipart(body []byte, boundary string) ([][]byte, bool) {
	if boundary == "" || len(boundary) > 200 {
		return nil, false
	}
	delim := []byte("--" + boundary)
	body = append([]byte("\r\n"), body...)
	sep := append([]byte("\r\n"), delim...)
	var parts [][]byte
	i := bytes.Index(body, sep)
	if i < 0 {
		return nil, false
	}
	rest := body[i+len(sep):]
	for {
		if bytes.HasPrefix(rest, []byte("--")) {
			return parts, true
		}
		nl := bytes.Index(rest, []byte("\r\n"))
		if nl < 0 {
			return parts, len(parts) > 0
		}
		rest = rest[nl+2:]
		j := bytes.Index(rest, sep)
		if j < 0 {
			parts = append(parts, rest)
			return parts, true
		}
		parts = append(parts, rest[:j])
		rest = rest[j+len(sep):]
	}
}

// decrypt opens an armored or binary OpenPGP message with the workspace
// key, checking an inner signature against the ring.
func (w *walker) decrypt(data []byte) ([]byte, bool) {
	w.encrypted = true
	var rd io.Reader = bytes.NewReader(data)
	if bytes.Contains(data, []byte("-----BEGIN PGP MESSAGE-----")) {
		blk, err := armor.Decode(bytes.NewReader(data[bytes.Index(data, []byte("-----BEGIN PGP MESSAGE-----")):]))
		if err != nil {
			w.decryptErr = "the OpenPGP armor does not decode"
			return nil, false
		}
		rd = blk.Body
	}
	md, err := openpgp.ReadMessage(rd, w.ring, nil, sigConfig(w.now))
	if err != nil {
		w.decryptErr = "not encrypted to the workspace key, or damaged"
		return nil, false
	}
	if !md.IsEncrypted {
		w.decryptErr = "an OpenPGP message that is not encrypted"
		return nil, false
	}
	pt, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxMessageSize))
	if err != nil {
		// An integrity failure (MDC or AEAD) shows up here.
		w.decryptErr = "the encrypted message fails its integrity check"
		return nil, false
	}
	if md.IsSigned {
		w.judge(md.SignedBy, md.SignatureError)
	}
	return pt, true
}

func (w *walker) verifyDetached(signed, sig []byte) {
	var sr io.Reader = bytes.NewReader(sig)
	if bytes.Contains(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		blk, err := armor.Decode(bytes.NewReader(sig))
		if err != nil {
			w.setSigErr("the signature's armor does not decode")
			return
		}
		sr = blk.Body
	}
	signer, err := openpgp.CheckDetachedSignature(w.ring, bytes.NewReader(signed), sr, sigConfig(w.now))
	var k *openpgp.Key
	if signer != nil {
		k = &openpgp.Key{Entity: signer}
	}
	w.judge(k, err)
}

func (w *walker) judge(k *openpgp.Key, err error) {
	switch {
	case k == nil || errors.Is(err, pgperrors.ErrUnknownIssuer):
		w.setSigErr("signed with a key that is not one of the vendor's")
	case err != nil:
		w.setSigErr("the signature does not verify: the message was altered or the key is expired or revoked")
	case bytes.Equal(k.Entity.PrimaryKey.Fingerprint, w.workspace.PrimaryKey.Fingerprint):
		w.setSigErr("signed with the workspace's own key")
	default:
		if w.signer == nil {
			w.signer = k.Entity
		}
	}
}

func (w *walker) setSigErr(s string) {
	if w.sigErr == "" {
		w.sigErr = s
	}
}

// inline handles inline PGP in a text part: an armored encrypted message
// or a clear-signed one. Other text passes through.
func (w *walker) inline(s string) string {
	switch {
	case strings.Contains(s, "-----BEGIN PGP MESSAGE-----"):
		pt, ok := w.decrypt([]byte(s))
		if !ok {
			return ""
		}
		return string(pt)
	case strings.Contains(s, "-----BEGIN PGP SIGNED MESSAGE-----"):
		b, _ := clearsign.Decode([]byte(s[strings.Index(s, "-----BEGIN PGP SIGNED MESSAGE-----"):]))
		if b == nil {
			w.setSigErr("a clear-signed block that does not parse")
			return s
		}
		signer, err := b.VerifySignature(w.ring, sigConfig(w.now))
		var k *openpgp.Key
		if signer != nil {
			k = &openpgp.Key{Entity: signer}
		}
		w.judge(k, err)
		return string(b.Plaintext)
	}
	return s
}

// htmlText is the readable text of an HTML-only reply: text nodes, a line
// break per block element, no script or style.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(collapseBlank(b.String()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "tr", "blockquote", "pre":
				b.WriteByte('\n')
			}
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		}
	}
}

// collapseBlank folds runs of blank lines and trailing spaces.
func collapseBlank(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
