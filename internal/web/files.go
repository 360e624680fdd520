package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"antidote/internal/auth"
)

// Files attached to cases: a vendor uploads to its own thread of its own
// cases and reads only its thread's files; coordinators read all and may
// upload to any thread. Content is served as an attachment that the
// browser never renders (octet-stream, nosniff, CSP sandbox).

const maxUpload = 25 << 20 // 25 MiB

func fileVisible(id auth.Identity, f File) bool {
	return commentVisible(id, Comment{Vendor: f.Vendor})
}

func (s *Server) visibleFiles(r *http.Request, c CaseView) ([]File, error) {
	id := identity(r)
	all, err := s.app.Files(r.Context(), id, c.ID)
	if err != nil {
		return nil, err
	}
	out := []File{}
	for _, f := range all {
		if fileVisible(id, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Server) apiFiles(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	fs, err := s.visibleFiles(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fs)
}

// cleanName keeps a file name printable and short, without directories.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) || name == "." || name == ".." || name == "/" || name == "" {
		name = "file"
	}
	if len(name) > 200 {
		name = name[:200]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name
}

// upload reads the multipart field "file" (and, for coordinators, the
// thread in "vendor") and stores it through the core.
func (s *Server) upload(r *http.Request, c CaseView) (File, error) {
	id := identity(r)
	if !auth.CanUpload(id, c.Vendors()) {
		return File{}, errForbidden
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || strings.Contains(err.Error(), "request body too large") {
			return File{}, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("a file has at most %d MiB", maxUpload>>20))
		}
		return File{}, errorf(http.StatusBadRequest, "send multipart/form-data with the file in the field \"file\"")
	}
	defer r.MultipartForm.RemoveAll()
	fh := r.MultipartForm.File["file"]
	if len(fh) != 1 {
		return File{}, errorf(http.StatusBadRequest, "send exactly one file in the field \"file\"")
	}
	src, err := fh[0].Open()
	if err != nil {
		return File{}, err
	}
	defer src.Close()
	content, err := io.ReadAll(io.LimitReader(src, maxUpload+1))
	if err != nil {
		return File{}, err
	}
	if len(content) > maxUpload {
		return File{}, errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("a file has at most %d MiB", maxUpload>>20))
	}
	if len(content) == 0 {
		return File{}, errorf(http.StatusBadRequest, "the file is empty")
	}
	var thread int64
	if id.Role == auth.Vendor {
		thread = id.Vendor
	} else if v := r.FormValue("vendor"); v != "" && v != "0" {
		if thread, err = strconv.ParseInt(v, 10, 64); err != nil || !contains(c.Vendors(), thread) {
			return File{}, errorf(http.StatusBadRequest, fmt.Sprintf("vendor %q is not a party of case %d", clip(v), c.ID))
		}
	}
	// The type is what the content looks like, never what the client says.
	f := File{Case: c.ID, Vendor: thread, Author: id.Name, At: s.now().UTC(), Name: cleanName(fh[0].Filename),
		MediaType: http.DetectContentType(content), Size: int64(len(content))}
	return s.app.AddFile(r.Context(), id, c.ID, f, content)
}

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	f, err := s.upload(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, f)
}

func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	if _, err := s.upload(r, c); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d#files", c.ID), http.StatusSeeOther)
	return nil
}

// download sends a file as an attachment the browser does not render.
func (s *Server) download(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || fid <= 0 {
		return errNotFound
	}
	id := identity(r)
	f, content, err := s.app.File(r.Context(), id, c.ID, fid)
	if err != nil {
		return err
	}
	if f.Case != c.ID || !fileVisible(id, f) {
		return errNotFound
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	if h.Get("Content-Disposition") == "" {
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	}
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", strconv.Itoa(len(content)))
	_, err = w.Write(content)
	return err
}
