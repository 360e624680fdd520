package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	s, app, _ := newTestServer(t)
	// Google's file in case 3 is in Google's thread: Apple neither lists
	// nor downloads it, though both are parties of the case.
	if fs := decodeBody[[]File](t, do(s, idVendorA, "GET", "/api/v1/cases/3/files", "")); len(fs) != 0 {
		t.Errorf("Apple lists %+v", fs)
	}
	if w := do(s, idVendorA, "GET", "/api/v1/cases/3/files/2", ""); w.Code != http.StatusNotFound {
		t.Errorf("Apple downloads Google's file: %d", w.Code)
	}
	if fs := decodeBody[[]File](t, do(s, idVendorB, "GET", "/api/v1/cases/3/files", "")); len(fs) != 1 || fs[0].Name != "google.txt" {
		t.Errorf("Google lists %+v", fs)
	}
	// A file asked for through another case is not found.
	if w := do(s, idAnalyst, "GET", "/api/v1/cases/3/files/1", ""); w.Code != http.StatusNotFound {
		t.Errorf("file 1 through case 3: %d", w.Code)
	}
	// Downloads are attachments the browser does not render.
	w := do(s, idVendorB, "GET", "/api/v1/cases/3/files/2", "")
	h := w.Header()
	if w.Body.String() != "google" || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download: %q %v", w.Body.String(), h)
	}
	// An upload: the type is sniffed from the content, never the client's;
	// the name loses its directories; a vendor writes in its own thread.
	body := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"vendor\"\r\n\r\n2\r\n" +
		strings.TrimPrefix(multipartFile("../../etc/x.html", "<script>alert(1)</script>"), "")
	w = do(s, idVendorA, "POST", "/api/v1/cases/3/files", body)
	f := decodeBody[File](t, w)
	if w.Code != http.StatusCreated || f.Vendor != 1 || f.Name != "x.html" || f.Author != "apple" {
		t.Errorf("upload: %d %+v", w.Code, f)
	}
	if !app.called("AddFile") {
		t.Error("upload did not reach the core")
	}
	for _, c := range []struct {
		name, body string
		want       int
	}{
		{"not multipart", "", http.StatusBadRequest},
		{"empty file", multipartFile("a.txt", ""), http.StatusBadRequest},
		{"too large", multipartFile("big.bin", strings.Repeat("x", maxUpload+10)), http.StatusRequestEntityTooLarge},
	} {
		r := do(s, idAnalyst, "POST", "/api/v1/cases/1/files", c.body)
		if r.Code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, r.Code, c.want, r.Body.String())
		}
	}
	if got := cleanName("C:\\Users\\x\\report\x00.pdf"); got != "report.pdf" {
		t.Errorf("cleanName: %q", got)
	}
	// The case page offers the upload form to a vendor, not to a reviewer.
	if p := do(s, idVendorA, "GET", "/cases/1", "").Body.String(); !strings.Contains(p, `enctype="multipart/form-data"`) || !strings.Contains(p, "notes.txt") {
		t.Error("vendor case page lacks files or the upload form")
	}
	if p := do(s, idReviewer, "GET", "/cases/1", "").Body.String(); strings.Contains(p, `enctype="multipart/form-data"`) {
		t.Error("a reviewer is offered to upload")
	}
}

// TestUploadFormCSRF: the browser's upload form carries the CSRF token as
// a multipart field, not a header.
func TestUploadFormCSRF(t *testing.T) {
	s, app, _ := newTestServer(t)
	for _, c := range []struct {
		csrf string
		want int
	}{{"", http.StatusForbidden}, {"csrf-sess-apple", http.StatusSeeOther}} {
		body := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n" + multipartFile("fix.txt", "patched")
		r := httptest.NewRequest("POST", "/cases/1/files", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-apple"})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("csrf %q: %d, want %d: %s", c.csrf, w.Code, c.want, w.Body.String())
		}
	}
	if !app.called("AddFile") {
		t.Error("the upload with its token did not reach the core")
	}
}
