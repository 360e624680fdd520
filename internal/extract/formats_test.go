package extract

import (
	"archive/zip"
	"errors"
	"strings"
	"testing"

	"antidote/internal/secret"
)

// want describes one document a walk must report.
type want struct {
	path      string   // display path
	mediaType string   // "" to skip the check
	contains  []string // substrings of the text
	absent    []string // substrings the text must not have
	err       error    // sentinel Err must wrap, nil for no error
	noText    bool     // Text must be empty
}

func checkDocs(t *testing.T, r *recorder, wants []want) {
	t.Helper()
	for _, w := range wants {
		d := r.find(t, w.path)
		if w.mediaType != "" && d.mediaType != w.mediaType {
			t.Errorf("%s: media type %q, want %q", w.path, d.mediaType, w.mediaType)
		}
		for _, s := range w.contains {
			if !strings.Contains(d.text, s) {
				t.Errorf("%s: text %q lacks %q", w.path, d.text, s)
			}
		}
		for _, s := range w.absent {
			if strings.Contains(d.text, s) {
				t.Errorf("%s: text %q has %q", w.path, d.text, s)
			}
		}
		if w.err == nil && d.err != nil {
			t.Errorf("%s: unexpected error %v", w.path, d.err)
		}
		if w.err != nil && !errors.Is(d.err, w.err) {
			t.Errorf("%s: error %v, want %v", w.path, d.err, w.err)
		}
		if w.noText && d.text != "" {
			t.Errorf("%s: text %q, want none", w.path, d.text)
		}
		if d.content != nil && !d.hasSum {
			t.Errorf("%s: content without digest", w.path)
		}
	}
}

func TestFormats(t *testing.T) {
	html := `<!DOCTYPE html><html><head><title>Leak &amp; Co</title><style>p{color:red}</style>
<script>var secret = "do not index";</script></head><body><noscript>enable js</noscript>
<template><p>hidden template</p></template><h1>Heading</h1><p>First&nbsp;paragraph &eacute;t&eacute;</p><div>Second<br>line</div></body></html>`
	tests := []struct {
		name  string // test case: what is walked
		input func(t *testing.T) []byte
		wants []want
	}{
		{
			// Plain UTF-8 text passes through.
			name:  "notes.txt",
			input: func(*testing.T) []byte { return []byte("plain text\nwith lines ünïcode\n") },
			wants: []want{{path: "notes.txt", mediaType: mtText, contains: []string{"plain text\nwith lines ünïcode"}}},
		},
		{
			// HTML: title kept, script/style/noscript/template dropped, entities
			// decoded, blocks on their own lines.
			name:  "page.html",
			input: func(*testing.T) []byte { return []byte(html) },
			wants: []want{{path: "page.html", mediaType: mtHTML,
				contains: []string{"Leak & Co", "Heading\nFirst\u00a0paragraph été\nSecond\nline"},
				absent:   []string{"do not index", "color", "enable js", "hidden template", "<p>"}}},
		},
		{
			// HTML declaring windows-1252 in <meta> is decoded from it.
			name: "meta.htm",
			input: func(*testing.T) []byte {
				return []byte("<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>")
			},
			wants: []want{{path: "meta.htm", mediaType: mtHTML, contains: []string{"café"}}},
		},
		{
			// EML: headers decoded, QP body in ISO-8859-1, alternative HTML
			// skipped, attachments and the attached message as children.
			name:  "message.eml",
			input: func(*testing.T) []byte { return []byte(sampleEML) },
			wants: []want{
				{path: "message.eml", mediaType: mtMail,
					contains: []string{"From: Renée <renee@example.org>", "To: desk@example.net", "Cc: legal@example.net",
						"Subject: Café leak", "Date: Mon, 2 Jun 2025", "Le naïf café est fermé. Fin."},
					absent: []string{"HTML rendering", "preamble", "secret notes"}},
				{path: "message.eml!/notes.txt", mediaType: mtText, contains: []string{"secret notes"}},
				{path: "message.eml!/part-4", mediaType: mtBinary, err: ErrUnsupported},
				{path: "message.eml!/part-5", mediaType: mtMail, contains: []string{"Subject: forwarded", "inner body"}},
			},
		},
		{
			// MBOX: split on From_ lines only after a blank line, >From unescaped.
			name: "archive.mbox",
			input: func(*testing.T) []byte {
				return []byte("From alice@example.org Mon Jun  2 10:00:00 2025\nFrom: alice@example.org\nSubject: one\n\nfirst body\n>From the archive\nFrom inside a paragraph\n\n" +
					"From bob@example.org Mon Jun  2 11:00:00 2025\nFrom: bob@example.org\nSubject: two\n\nsecond body\n")
			},
			wants: []want{
				{path: "archive.mbox", mediaType: mtMbox, noText: true},
				{path: "archive.mbox!/1", mediaType: mtMail, contains: []string{"Subject: one", "first body\nFrom the archive\nFrom inside a paragraph"}},
				{path: "archive.mbox!/2", mediaType: mtMail, contains: []string{"Subject: two", "second body"}},
			},
		},
		{
			// PDF: text of every page in order.
			name:  "doc.pdf",
			input: func(*testing.T) []byte { return makePDF([]string{"Hello PDF world", "Page two text"}, "") },
			wants: []want{{path: "doc.pdf", mediaType: mtPDF, contains: []string{"Hello PDF world", "Page two text"}}},
		},
		{
			// Encrypted PDF without a working password.
			name: "locked.pdf",
			input: func(*testing.T) []byte {
				return makePDF([]string{"secret"}, "/Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /O <00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff> /U <00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff> /P -4 >> /ID [<01020304050607080910111213141516> <01020304050607080910111213141516>] ")
			},
			wants: []want{{path: "locked.pdf", mediaType: mtPDF, err: ErrEncrypted, noText: true}},
		},
		{
			// DOCX: runs joined, paragraphs on lines, comments included,
			// embedded files visited.
			name: "report.docx",
			input: func(t *testing.T) []byte {
				return makeDocx(t, f("word/embeddings/inner.txt", "embedded text"), f("word/media/image1.png", "\x89PNG\r\n"))
			},
			wants: []want{
				{path: "report.docx", mediaType: mtDocx, contains: []string{"Quarterly report & plan\nSecond\tpara\n", "reviewer note"}},
				{path: "report.docx!/word/embeddings/inner.txt", contains: []string{"embedded text"}},
			},
		},
		{
			// XLSX: shared and inline strings, numbers, sheets in numeric order.
			name:  "hosts.xlsx",
			input: func(t *testing.T) []byte { return makeXlsx(t) },
			wants: []want{{path: "hosts.xlsx", mediaType: mtXlsx, contains: []string{"host\t10.0.0.1\nport\t8443\n\nsecond sheet"}}},
		},
		{
			// PPTX: slides in numeric order.
			name:  "deck.pptx",
			input: func(t *testing.T) []byte { return makePptx(t) },
			wants: []want{{path: "deck.pptx", mediaType: mtPptx, contains: []string{"First slide\nSecond slide\nEleventh slide"}}},
		},
		{
			// ZIP: members are children; stored and deflated; directories skipped.
			name: "leak.zip",
			input: func(t *testing.T) []byte {
				return makeZip(t, f("dir/", ""), f("dir/a.txt", "alpha"), file{name: "b.html", data: []byte("<p>beta</p>"), method: zip.Store})
			},
			wants: []want{
				{path: "leak.zip", mediaType: mtZip, noText: true},
				{path: "leak.zip!/dir/a.txt", mediaType: mtText, contains: []string{"alpha"}},
				{path: "leak.zip!/b.html", mediaType: mtHTML, contains: []string{"beta"}},
			},
		},
		{
			// TAR, plain.
			name:  "leak.tar",
			input: func(t *testing.T) []byte { return makeTar(t, f("d/", ""), f("d/one.txt", "one")) },
			wants: []want{{path: "leak.tar", mediaType: mtTar}, {path: "leak.tar!/d/one.txt", contains: []string{"one"}}},
		},
		{
			// TAR in gzip: members are children of the .tar.gz directly.
			name:  "leak.tar.gz",
			input: func(t *testing.T) []byte { return gz(t, "", makeTar(t, f("two.txt", "two"))) },
			wants: []want{{path: "leak.tar.gz", mediaType: mtGzip}, {path: "leak.tar.gz!/two.txt", contains: []string{"two"}}},
		},
		{
			// TAR in xz.
			name:  "leak.txz",
			input: func(t *testing.T) []byte { return xzBytes(t, makeTar(t, f("three.txt", "three"))) },
			wants: []want{{path: "leak.txz", mediaType: mtXz}, {path: "leak.txz!/three.txt", contains: []string{"three"}}},
		},
		{
			// TAR in bzip2 (fixture).
			name:  "bundle.tar.bz2",
			input: func(t *testing.T) []byte { return readFixture(t, "bundle.tar.bz2") },
			wants: []want{{path: "bundle.tar.bz2", mediaType: mtBzip2},
				{path: "bundle.tar.bz2!/hello.txt", contains: []string{"hello from a seven zip archive"}},
				{path: "bundle.tar.bz2!/page.html", mediaType: mtHTML, contains: []string{"Seven\nzipped page"}}},
		},
		{
			// Single-file gzip: one child named from the gzip header.
			name:  "x.gz",
			input: func(t *testing.T) []byte { return gz(t, "original.txt", []byte("gzipped")) },
			wants: []want{{path: "x.gz", mediaType: mtGzip}, {path: "x.gz!/original.txt", contains: []string{"gzipped"}}},
		},
		{
			// A gzip without a name, given with its folders: the child is
			// the stream's base name, not the folders again.
			name:  "corpus/gz/a.gz",
			input: func(t *testing.T) []byte { return gz(t, "", []byte("gzipped")) },
			wants: []want{{path: "corpus/gz/a.gz!/a", contains: []string{"gzipped"}}},
		},
		{
			// A header name with folders (or backslashes) names the member
			// by its base name.
			name:  "y.gz",
			input: func(t *testing.T) []byte { return gz(t, `..\dir/../notes.txt`, []byte("gzipped")) },
			wants: []want{{path: "y.gz!/notes.txt", contains: []string{"gzipped"}}},
		},
		{
			// Single-file bzip2 and xz: the child is named after the stream.
			name:  "hello.txt.bz2",
			input: func(t *testing.T) []byte { return readFixture(t, "hello.txt.bz2") },
			wants: []want{{path: "hello.txt.bz2!/hello.txt", contains: []string{"seven zip"}}},
		},
		{
			name:  "log.txt.xz",
			input: func(t *testing.T) []byte { return xzBytes(t, []byte("xz text")) },
			wants: []want{{path: "log.txt.xz", mediaType: mtXz}, {path: "log.txt.xz!/log.txt", contains: []string{"xz text"}}},
		},
		{
			// 7z without encryption.
			name:  "plain.7z",
			input: func(t *testing.T) []byte { return readFixture(t, "plain.7z") },
			wants: []want{{path: "plain.7z", mediaType: mt7z},
				{path: "plain.7z!/hello.txt", contains: []string{"hello from a seven zip archive"}},
				{path: "plain.7z!/page.html", contains: []string{"zipped page"}}},
		},
		{
			// Unknown binary.
			name:  "blob.bin",
			input: func(*testing.T) []byte { return []byte{0x00, 0x01, 0x02, 0xFF, 0x10, 0x00, 0x7F, 0x03} },
			wants: []want{{path: "blob.bin", mediaType: mtBinary, err: ErrUnsupported, noText: true}},
		},
		{
			// An empty file is empty text, not an error.
			name:  "empty",
			input: func(*testing.T) []byte { return nil },
			wants: []want{{path: "empty", mediaType: mtText, noText: true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := walkBytes(t, tc.name, tc.input(t), Options{})
			checkDocs(t, r, tc.wants)
			for _, d := range r.docs {
				if !d.ended {
					t.Errorf("%s: End not called", d.display)
				}
			}
		})
	}
}

func TestSevenZipPasswords(t *testing.T) {
	right := secret.NewString("open sesame")
	wrong := secret.NewString("letmein")
	for _, fixture := range []string{"header-encrypted.7z", "content-encrypted.7z"} {
		tests := []struct {
			name      string // test case
			passwords []secret.String
			err       error // on the archive, or its member for content encryption
			opened    bool  // hello.txt extracted
		}{
			// No password: encrypted.
			{"none", nil, ErrEncrypted, false},
			// Only a wrong password: wrong password, which is also encrypted.
			{"wrong", []secret.String{wrong}, ErrWrongPassword, false},
			// A wrong one, then the right one.
			{"wrong then right", []secret.String{wrong, right}, nil, true},
		}
		for _, tc := range tests {
			t.Run(fixture+"/"+tc.name, func(t *testing.T) {
				r := walkBytes(t, fixture, readFixture(t, fixture), Options{Passwords: tc.passwords})
				root := r.find(t, fixture)
				if tc.opened {
					checkDocs(t, r, []want{{path: fixture, err: nil}, {path: fixture + "!/hello.txt", contains: []string{"hello from a seven zip archive"}}})
					return
				}
				if !errors.Is(root.err, tc.err) || !errors.Is(root.err, ErrEncrypted) {
					t.Errorf("archive error %v, want %v and %v", root.err, tc.err, ErrEncrypted)
				}
				if len(r.docs) != 1 {
					t.Errorf("members visited without the password: %d docs", len(r.docs))
				}
				if strings.Contains(root.err.Error(), "sesame") || strings.Contains(root.err.Error(), "letmein") {
					t.Errorf("error %q carries a password", root.err)
				}
			})
		}
	}
}
