package synth

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path"
	"regexp"
	"strings"
	"testing"
)

// The decoders below are the tests' independent reading of synth's output:
// they turn each file into text per member ("" for the file itself) using
// the standard library's readers, so a writer bug shows up as a parse error
// or a missing identifier.

// decode returns the decoded text of data (named name) by member path.
func decode(t *testing.T, name string, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	decodeInto(t, name, data, "", out)
	return out
}

func join(prefix, m string) string {
	if prefix == "" {
		return m
	}
	return prefix + "!" + m
}

func decodeInto(t *testing.T, name string, data []byte, member string, out map[string]string) {
	t.Helper()
	switch ext := strings.ToLower(path.Ext(name)); {
	case strings.HasSuffix(name, ".tar.gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: gzip: %v", name, err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: tar: %v", name, err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("%s: tar member %s: %v", name, h.Name, err)
			}
			decodeInto(t, h.Name, b, join(member, h.Name), out)
		}
	case ext == ".zip":
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: zip: %v", name, err)
		}
		for _, f := range zr.File {
			decodeInto(t, f.Name, readZip(t, f), join(member, f.Name), out)
		}
	case ext == ".html":
		out[member] += htmlText(data)
	case ext == ".pdf":
		out[member] += pdfText(t, data)
	case ext == ".docx":
		out[member] += xmlText(t, zipPart(t, data, "word/document.xml"), "p")
	case ext == ".xlsx":
		out[member] += xmlText(t, zipPart(t, data, "xl/sharedStrings.xml"), "si")
		out[member] += xmlText(t, zipPart(t, data, "xl/worksheets/sheet1.xml"), "c")
	case ext == ".eml":
		decodeMail(t, data, member, out)
	case ext == ".mbox":
		for _, m := range splitMbox(data) {
			decodeMail(t, m, member, out)
		}
	default:
		out[member] += string(data)
	}
}

func readZip(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("zip member %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("zip member %s: %v", f.Name, err)
	}
	return b
}

func zipPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("package zip: %v", err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			return readZip(t, f)
		}
	}
	t.Fatalf("package has no %s", name)
	return nil
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func htmlText(data []byte) string {
	return html.UnescapeString(tagRE.ReplaceAllString(string(data), " "))
}

// xmlText returns the character data of an XML document, one line per
// element named brk; it fails on malformed XML.
func xmlText(t *testing.T, data []byte, brk string) string {
	t.Helper()
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.CharData:
			b.Write(tk)
		case xml.EndElement:
			if tk.Name.Local == brk {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

var streamRE = regexp.MustCompile(`(?s)stream\n(.*?)\nendstream`)

// pdfText inflates every content stream and reads the (...) Tj strings.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	var b strings.Builder
	for _, m := range streamRE.FindAllSubmatch(data, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			t.Fatalf("pdf stream: %v", err)
		}
		cs, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("pdf stream: %v", err)
		}
		for _, line := range strings.Split(string(cs), "\n") {
			if s, ok := strings.CutSuffix(line, ") Tj T*"); ok && strings.HasPrefix(s, "(") {
				b.WriteString(pdfUnescape(s[1:]))
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

func pdfUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitMbox splits an mboxrd mailbox and undoes its ">From " quoting.
func splitMbox(data []byte) [][]byte {
	var msgs [][]byte
	var cur *bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "From ") {
			cur = &bytes.Buffer{}
			msgs = append(msgs, nil)
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(strings.TrimLeft(l, ">"), "From ") {
			l = l[1:]
		}
		cur.WriteString(l + "\n")
		msgs[len(msgs)-1] = cur.Bytes()
	}
	return msgs
}

// decodeMail reads headers and all text parts; attachments become members.
func decodeMail(t *testing.T, data []byte, member string, out map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("mail: %v", err)
	}
	var wd mime.WordDecoder
	for _, h := range []string{"From", "To", "Cc", "Subject"} {
		v, err := wd.DecodeHeader(msg.Header.Get(h))
		if err != nil {
			t.Fatalf("mail header %s: %v", h, err)
		}
		out[member] += v + "\n"
	}
	if _, err := msg.Header.AddressList("From"); err != nil {
		t.Fatalf("mail From: %v", err)
	}
	if _, err := msg.Header.AddressList("To"); err != nil {
		t.Fatalf("mail To: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("mail content type: %v", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		out[member] += readPart(t, msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		return
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("mail part: %v", err)
		}
		// multipart decodes quoted-printable itself and drops the header
		body := readPart(t, p, p.Header.Get("Content-Transfer-Encoding"))
		if fn := p.FileName(); fn != "" {
			decodeInto(t, fn, []byte(body), join(member, fn), out)
			continue
		}
		out[member] += body
	}
}

func readPart(t *testing.T, r io.Reader, cte string) string {
	t.Helper()
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("mail body: %v", err)
	}
	return string(b)
}
