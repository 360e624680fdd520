package synth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// attachment is a file attached to a message.
type attachment struct {
	Name, Type string
	Data       []byte
}

// message is one e-mail before encoding.
type message struct {
	From    string // formatted address
	To, Cc  []string
	Subject string
	Date    time.Time
	ID      string
	Body    string // UTF-8 text, "\n" line ends
	Attach  *attachment
	Sender  string // bare address, for the mbox "From " line
}

// newMessage writes a message from a staff member about a tool, planting the
// header and body identifiers in p. Names and addresses in headers are
// planted as well: mail extractors read From, To and Cc.
func (g *gen) newMessage(p *plants, subject string) *message {
	from := g.person(p)
	g.staffEmail(p, from)
	m := &message{
		From:    fmt.Sprintf("%q <%s>", from.Name, from.Email),
		Sender:  from.Email,
		Subject: subject,
		Date:    time.Date(2016, time.Month(g.between(1, 12)), g.between(1, 28), g.between(7, 19), g.r.IntN(60), g.r.IntN(60), 0, time.FixedZone("EST", -5*3600)),
		ID:      fmt.Sprintf("<%s.%s@%s>", g.chars(hexdig, 12), g.chars(digits, 6), "mail.ddi.example"),
	}
	for range g.between(1, 3) {
		to := g.person(p)
		m.To = append(m.To, fmt.Sprintf("%q <%s>", to.Name, g.staffEmail(p, to)))
	}
	if g.chance(0.5) {
		m.Cc = append(m.Cc, g.email(p))
	}
	pr := g.product()
	tool := g.codename()
	d := &doc{}
	p1, p2 := g.paragraph(d, pr, tool), g.paragraph(d, pr, tool)
	// Some mailers wrap at 72; others send a paragraph as one long line,
	// which quoted-printable then breaks with soft line breaks, often in the
	// middle of an identifier.
	para := func(s string) []string { return []string{s} }
	if g.chance(0.5) {
		keep := d.ids.names()
		para = func(s string) []string { return wrap(s, 72, keep) }
	}
	var body []string
	body = append(body, "Hi all,", "")
	body = append(body, para(p1)...)
	body = append(body, "", "Status \u2013 "+strings.ToLower(g.pick(statuses))+". Details below.", "")
	body = append(body, para(p2)...)
	body = append(body, "", "-- ", from.Name, from.Branch, from.Email, from.Phone)
	*p = append(*p, d.ids...)
	m.Body = strings.Join(body, "\n") + "\n"
	return m
}

// emlBytes encodes m as an RFC 5322 message with CRLF line ends: the body as
// quoted-printable UTF-8, inside multipart/mixed with a base64 part when there
// is an attachment.
func (g *gen) emlBytes(m *message) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("Date", m.Date.Format(time.RFC1123Z))
	h("From", m.From)
	h("To", strings.Join(m.To, ",\r\n "))
	if len(m.Cc) > 0 {
		h("Cc", strings.Join(m.Cc, ", "))
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Message-ID", m.ID)
	h("MIME-Version", "1.0")
	h("X-Mailer", "Microsoft Outlook 15.0")
	text := func() {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		qw := quotedprintable.NewWriter(&b)
		qw.Write([]byte(m.Body)) // writes to a bytes.Buffer do not fail
		qw.Close()
		b.WriteString("\r\n")
	}
	if m.Attach == nil {
		text()
		return b.Bytes()
	}
	boundary := "----=_NextPart_000_" + g.chars(hexdig, 4) + "_" + g.chars(hexdig, 8) + "." + g.chars(hexdig, 8)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed;\r\n\tboundary=%q\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\n", boundary)
	text()
	fmt.Fprintf(&b, "--%s\r\n", boundary)
	fmt.Fprintf(&b, "Content-Type: %s;\r\n\tname=%q\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n\tfilename=%q\r\n\r\n", m.Attach.Type, m.Attach.Name, m.Attach.Name)
	enc := base64.StdEncoding.EncodeToString(m.Attach.Data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n\r\n")
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// mboxBytes joins messages into an mboxrd mailbox: each message follows a
// "From " line, uses LF line ends, and body lines matching ">*From " gain
// one more '>'.
func (g *gen) mboxBytes(msgs []*message) []byte {
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "From %s %s\n", m.Sender, m.Date.UTC().Format(time.ANSIC))
		raw := strings.ReplaceAll(string(g.emlBytes(m)), "\r\n", "\n")
		for _, l := range strings.SplitAfter(raw, "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, ">"), "From ") {
				b.WriteByte('>')
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
