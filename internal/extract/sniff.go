package extract

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"slices"
	"strings"

	"golang.org/x/text/encoding"
)

// Media types reported in Doc.MediaType.
const (
	mtText   = "text/plain"
	mtHTML   = "text/html"
	mtMail   = "message/rfc822"
	mtMbox   = "application/mbox"
	mtPDF    = "application/pdf"
	mtDocx   = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mtXlsx   = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mtPptx   = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	mtZip    = "application/zip"
	mtTar    = "application/x-tar"
	mtGzip   = "application/gzip"
	mtBzip2  = "application/x-bzip2"
	mtXz     = "application/x-xz"
	mt7z     = "application/x-7z-compressed"
	mtZstd   = "application/zstd"
	mtBinary = "application/octet-stream"
)

// sniffLen is how much of a document is read to recognise its format.
const sniffLen = 8 << 10

// sniffed is what sniffing learnt, handed to the extractor.
type sniffed struct {
	mediaType string
	head      []byte // the first sniffLen bytes or fewer
	zip       *zip.Reader
	zipErr    error
	text      textEncoding // for text documents
	declared  string       // charset declared by the container
	ole       *oleFile     // the directory of a compound file
	oleErr    error
}

// textEncoding is a detected charset.
type textEncoding struct {
	enc  encoding.Encoding
	name string
}

var (
	magic7z   = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}
	magicXz   = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}
	magicGzip = []byte{0x1F, 0x8B}
	magicZstd = []byte{0x28, 0xB5, 0x2F, 0xFD}
	magicOLE  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// sniff recognises d's format by content first, and by the name's extension
// or the container's declared type only where content is ambiguous.
func (w *walker) sniff(d *Doc, hint, declaredCharset string) sniffed {
	head := make([]byte, min(d.Size, sniffLen))
	n, _ := d.Content.ReadAt(head, 0)
	head = head[:n]
	sn := sniffed{head: head, declared: declaredCharset}
	ext := strings.ToLower(path.Ext(d.Path[len(d.Path)-1]))

	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		sn.mediaType = mtPDF
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		sn.mediaType = mtRTF
	case bytes.HasPrefix(head, magicOLE):
		sn.mediaType = w.sniffOLE(d, &sn)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")),
		bytes.HasPrefix(head, []byte("PK\x07\x08")):
		sn.mediaType = mtZip
		sn.zip, sn.zipErr = zip.NewReader(d.Content, d.Size)
		if sn.zip != nil {
			sn.mediaType = ooxmlType(sn.zip)
			if t := packageType(sn.zip); sn.mediaType == mtZip && t != "" {
				sn.mediaType = t
			}
		} else if t := ooxmlByExt(ext); t != "" {
			sn.mediaType = t
		} else if t := odfByExt(ext); t != "" {
			sn.mediaType = t
		}
	case bytes.HasPrefix(head, magic7z):
		sn.mediaType = mt7z
	case bytes.HasPrefix(head, magicGzip):
		sn.mediaType = mtGzip
	case len(head) >= 4 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9':
		sn.mediaType = mtBzip2
	case bytes.HasPrefix(head, magicXz):
		sn.mediaType = mtXz
	case bytes.HasPrefix(head, magicZstd):
		sn.mediaType = mtZstd
	case isTarHeader(head):
		sn.mediaType = mtTar
	default:
		cut := int64(len(head)) < d.Size
		te, ok := detectText(head, cut)
		if ok && te.name == "utf-8" && cut && !hasBOM(head) && !hasHighBytes(head) {
			te = detectFurther(d)
		}
		if !ok {
			sn.mediaType = mtBinary
			if hint == mtMail || hint == mtHTML || hint == mtText {
				// A declared text part that does not look like text is
				// still decoded as text, with replacement characters.
				sn.mediaType, te = hint, te1252
			} else {
				break
			}
		}
		te = withDeclared(te, head, cut, declaredCharset)
		sn.text = te
		sample := decodeSample(head, te)
		switch {
		case sn.mediaType == mtMail:
		case looksMbox(sample):
			sn.mediaType = mtMbox
		case hint == mtMail || looksMail(sample, ext == ".eml"):
			sn.mediaType = mtMail
		case hint == mtHTML || looksHTML(sample, ext):
			sn.mediaType = mtHTML
		default:
			sn.mediaType = mtText
		}
		if sn.mediaType == mtText || sn.mediaType == mtHTML {
			d.Charset = te.name
		}
	}
	return sn
}

// maxCharsetScan bounds how far an ASCII document is read for the first
// non-ASCII byte that tells its charset.
const maxCharsetScan = 16 << 20

// detectFurther detects the charset of a document whose head is ASCII from
// a sample around its first non-ASCII byte, if any comes soon enough.
func detectFurther(d *Doc) textEncoding {
	buf := make([]byte, chunkSize)
	for off := int64(sniffLen); off < min(d.Size, maxCharsetScan); off += int64(len(buf)) {
		n, _ := d.Content.ReadAt(buf, off)
		if n <= 0 {
			break
		}
		i := slices.IndexFunc(buf[:n], func(c byte) bool { return c >= 0x80 })
		if i < 0 {
			continue
		}
		start := off + int64(i)
		sample := make([]byte, min(d.Size-start, sniffLen))
		n, _ = d.Content.ReadAt(sample, start)
		te, ok := detectText(sample[:n], start+int64(n) < d.Size)
		if !ok {
			break // binary further on: decoded as UTF-8 with replacements
		}
		return te
	}
	return teUTF8
}

func ooxmlType(z *zip.Reader) string {
	var types, word, xl, ppt bool
	for _, f := range z.File {
		switch f.Name {
		case "[Content_Types].xml":
			types = true
		case "word/document.xml":
			word = true
		case "xl/workbook.xml":
			xl = true
		case "ppt/presentation.xml":
			ppt = true
		}
	}
	switch {
	case !types:
		return mtZip
	case word:
		return mtDocx
	case xl:
		return mtXlsx
	case ppt:
		return mtPptx
	}
	return ooxmlTypeByRels(z)
}

func ooxmlByExt(ext string) string {
	switch ext {
	case ".docx", ".docm":
		return mtDocx
	case ".xlsx", ".xlsm":
		return mtXlsx
	case ".pptx", ".pptm":
		return mtPptx
	}
	return ""
}

// isTarHeader reports whether block starts with a tar header whose checksum
// matches.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	b = b[:512]
	if b[0] == 0 {
		return false
	}
	field := bytes.TrimRight(bytes.TrimLeft(b[148:156], " "), " \x00")
	if len(field) == 0 {
		return false
	}
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var unsigned, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// looksMbox recognises a mailbox: a From_ line followed by a header line.
func looksMbox(s []byte) bool {
	if !bytes.HasPrefix(s, []byte("From ")) {
		return false
	}
	first, rest, ok := bytes.Cut(s, []byte("\n"))
	if !ok || len(bytes.Fields(first)) < 3 {
		return false
	}
	next, _, _ := bytes.Cut(rest, []byte("\n"))
	return headerKey(next) != ""
}

// knownHeaders are mail header fields that make a text block a message.
var knownHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true,
	"message-id": true, "received": true, "return-path": true, "mime-version": true,
	"content-type": true, "reply-to": true, "sender": true, "delivered-to": true,
	"in-reply-to": true, "references": true, "x-mailer": true, "dkim-signature": true,
	"authentication-results": true, "content-transfer-encoding": true, "thread-topic": true,
}

// looksMail recognises an RFC 5322 message: a block of header lines with at
// least two well-known fields (one if the name says .eml).
func looksMail(s []byte, emlName bool) bool {
	known, lines := 0, 0
	for len(s) > 0 {
		var line []byte
		line, s, _ = bytes.Cut(s, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if lines == 0 {
				return false
			}
			continue
		}
		k := headerKey(line)
		if k == "" {
			if len(s) == 0 {
				break // a line cut at the end of the sample
			}
			return false
		}
		lines++
		if knownHeaders[strings.ToLower(k)] {
			known++
		}
	}
	return known >= 2 || (emlName && known >= 1)
}

// headerKey returns the field name of a "Name: value" line, or "".
func headerKey(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return ""
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return ""
		}
	}
	return string(line[:i])
}

// htmlStarts are the tags the WHATWG sniffing algorithm accepts as the start
// of an HTML document.
var htmlStarts = []string{"<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div",
	"<font", "<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--"}

func looksHTML(s []byte, ext string) bool {
	s = bytes.TrimLeft(s, " \t\r\n\f")
	lower := bytes.ToLower(s[:min(len(s), 512)])
	for _, p := range htmlStarts {
		if !bytes.HasPrefix(lower, []byte(p)) {
			continue
		}
		if p == "<!--" || len(lower) == len(p) {
			return true
		}
		if c := lower[len(p)]; c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '/' {
			return true
		}
	}
	if bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(bytes.ToLower(s), []byte("<html")) {
		return true
	}
	switch ext {
	case ".html", ".htm", ".xhtml":
		return bytes.IndexByte(s, '<') >= 0
	}
	return false
}

// readAllAt returns an io.Reader over the whole of a ReaderAt.
func readAllAt(r io.ReaderAt, size int64) io.Reader { return io.NewSectionReader(r, 0, size) }
