package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
)

var pageParams = []string{"page", "per_page"}

const (
	defaultPerPage = 50
	maxPerPage     = 500
	maxComment     = 10000
)

// pageReq is a list page: 1-based page number and size.
type pageReq struct{ Page, PerPage int }

func pageOf(r *http.Request) (pageReq, error) {
	p := pageReq{Page: 1, PerPage: defaultPerPage}
	for name, dst := range map[string]*int{"page": &p.Page, "per_page": &p.PerPage} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, errorf(http.StatusBadRequest, name+" must be a positive whole number")
			}
			*dst = n
		}
	}
	p.PerPage = min(p.PerPage, maxPerPage)
	return p, nil
}

// Page is one page of a list, as every list on the API returns it.
type Page[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func paginate[T any](items []T, p pageReq) Page[T] {
	start := min((p.Page-1)*p.PerPage, len(items))
	end := min(start+p.PerPage, len(items))
	out := items[start:end]
	if out == nil {
		out = []T{}
	}
	return Page[T]{Items: out, Total: len(items), Page: p.Page, PerPage: p.PerPage}
}

func pathID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotFound
	}
	return n, nil
}

// decode reads a JSON body strictly: one object, no unknown fields.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "send application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "the body is not the expected JSON object: "+jsonProblem(err))
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return errorf(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return "malformed"
}

// atParam reads the ?at= moment of a request (now without one).
func (s *Server) atParam(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("at")
	if v == "" {
		return s.now(), nil
	}
	t, err := cases.ParseWhen(v)
	if err != nil {
		return t, errorf(http.StatusBadRequest, "at: "+err.Error())
	}
	return t, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := io.WriteString(w, "ok\n")
	return err
}

// Me is the caller as GET /api/v1/me shows it.
type Me struct {
	Name   string    `json:"name"`
	Role   auth.Role `json:"role"`
	Vendor int64     `json:"vendor,omitempty"`
	// CSRFToken is what a cookie session sends in X-CSRF-Token on unsafe
	// methods; empty for a bearer token.
	CSRFToken string `json:"csrf_token,omitempty"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	id := identity(r)
	me := Me{Name: id.Name, Role: id.Role, Vendor: id.Vendor}
	if sid := sessionID(r); sid != "" {
		me.CSRFToken = s.accounts.CSRFToken(sid)
	}
	return writeJSON(w, http.StatusOK, me)
}

func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	docs, err := s.app.Docs(r.Context(), identity(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, paginate(docs, p))
}

func (s *Server) apiDoc(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.app.Doc(r.Context(), identity(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// Text is a document's text, redacted or original.
type Text struct {
	Doc      int64  `json:"doc"`
	Redacted bool   `json:"redacted"`
	Text     string `json:"text"`
}

func (s *Server) apiRedacted(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.app.RedactedText(r.Context(), identity(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, Text{Doc: id, Redacted: true, Text: t})
}

func (s *Server) apiOriginal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.app.OriginalText(r.Context(), identity(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, Text{Doc: id, Text: t})
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return errorf(http.StatusBadRequest, "give a query in q")
	}
	if len(q) > 1000 {
		return errorf(http.StatusBadRequest, "the query is longer than 1000 bytes")
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	res, err := s.app.Search(r.Context(), identity(r), q, p.Page*p.PerPage)
	if err != nil {
		return err
	}
	pg := paginate(res.Hits, p)
	pg.Total = res.Total
	return writeJSON(w, http.StatusOK, pg)
}

func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	fs, err := s.app.Findings(r.Context(), identity(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, paginate(fs, p))
}

func (s *Server) apiFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := s.app.Finding(r.Context(), identity(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

func (s *Server) apiVendors(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.app.Vendors(r.Context(), identity(r))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []cases.Vendor{}
	}
	return writeJSON(w, http.StatusOK, vs)
}

// visibleCases returns a page of the cases the caller may see, as it may
// see them, and how many match in all. The core pages and filters; the web
// checks each case again, so a core that returned another vendor's case
// would not leak it.
func (s *Server) visibleCases(r *http.Request, status string, p pageReq) ([]CaseView, int, error) {
	id := identity(r)
	st := cases.Status(status)
	if status != "" && !slices.Contains(cases.Statuses(), st) {
		return nil, 0, errorf(http.StatusBadRequest, fmt.Sprintf("unknown status %q", clip(status)))
	}
	page, total, err := s.app.Cases(r.Context(), id, CaseQuery{At: s.now(), Status: st, Offset: (p.Page - 1) * p.PerPage, Limit: p.PerPage})
	if err != nil {
		return nil, 0, err
	}
	out := []CaseView{}
	for _, c := range page {
		if !auth.CanReadCase(id, c.Vendors()) {
			continue
		}
		c = caseFor(id, c)
		if st != "" && !hasStatus(c, st) {
			continue
		}
		out = append(out, c)
	}
	return out, total, nil
}

func hasStatus(c CaseView, st cases.Status) bool {
	for _, t := range c.Targets {
		if t.Status == st {
			return true
		}
	}
	return false
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	body, err := s.keptCasePage(r, "json", func(r *http.Request) ([]byte, error) {
		cs, total, err := s.visibleCases(r, r.URL.Query().Get("status"), p)
		if err != nil {
			return nil, err
		}
		return encodeJSON(Page[CaseView]{Items: cs, Total: total, Page: p.Page, PerPage: p.PerPage})
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, err = w.Write(body)
	return err
}

// visibleCase returns case id as the caller may see it; a case the caller
// may not see is not found, so that its existence does not leak.
func (s *Server) visibleCase(r *http.Request) (CaseView, error) {
	cid, err := pathID(r)
	if err != nil {
		return CaseView{}, err
	}
	id := identity(r)
	c, err := s.app.Case(r.Context(), id, cid, s.now())
	if err != nil {
		if st, _ := s.status(err); st == http.StatusForbidden && id.Role == auth.Vendor {
			return CaseView{}, errNotFound
		}
		return CaseView{}, err
	}
	if !auth.CanReadCase(id, c.Vendors()) {
		return CaseView{}, errNotFound
	}
	return caseFor(id, c), nil
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// StatusRequest is the body of POST /api/v1/cases/{id}/status. Vendor is a
// vendor's name or id (a vendor account may leave it out); dates are
// 2006-01-02 or RFC 3339.
type StatusRequest struct {
	Vendor        string `json:"vendor"`
	Product       string `json:"product"`
	Status        string `json:"status"`
	FixedVersion  string `json:"fixed_version"`
	ReleaseDate   string `json:"release_date"`
	PatchLevel    string `json:"patch_level"`
	Justification string `json:"justification"`
	Note          string `json:"note"`
}

// vendorStatuses are the statuses a vendor may report about itself; the
// others (notified, unresponsive, ...) are the coordinators'.
var vendorStatuses = map[cases.Status]bool{
	cases.Acknowledged: true, cases.Investigating: true, cases.FixInProgress: true, cases.Fixed: true,
	cases.FixDeployed: true, cases.NotAffected: true, cases.Disputed: true,
}

// statusChange checks a status request against the case and the caller.
func (s *Server) statusChange(id auth.Identity, c CaseView, req StatusRequest) (StatusChange, error) {
	ch := StatusChange{Product: strings.TrimSpace(req.Product), Status: cases.Status(strings.TrimSpace(req.Status)),
		FixedVersion: req.FixedVersion, PatchLevel: req.PatchLevel, Justification: cases.Justification(req.Justification), Note: req.Note}
	ref := strings.TrimSpace(req.Vendor)
	switch {
	case ref == "" && id.Role == auth.Vendor:
		ch.Vendor = id.Vendor
	case ref == "":
		return ch, errorf(http.StatusBadRequest, "name the vendor whose status this is")
	case !auth.Allowed(id, auth.CasesWrite):
		// A vendor names itself or nobody; which others the case names
		// is not its business, so any other name is simply refused.
		own := false
		for _, t := range c.Targets {
			own = own || t.VendorID == id.Vendor && (strings.EqualFold(t.Vendor, ref) || strconv.FormatInt(t.VendorID, 10) == ref)
		}
		if !own {
			return ch, errorf(http.StatusForbidden, "a vendor sets only its own statuses")
		}
		ch.Vendor = id.Vendor
	default:
		for _, t := range c.Targets {
			if strings.EqualFold(t.Vendor, ref) || strconv.FormatInt(t.VendorID, 10) == ref {
				ch.Vendor = t.VendorID
				break
			}
		}
		if ch.Vendor == 0 {
			return ch, errorf(http.StatusBadRequest, fmt.Sprintf("vendor %q is not a party of case %d", clip(ref), c.ID))
		}
	}
	if !auth.CanSetStatus(id, ch.Vendor) {
		return ch, errorf(http.StatusForbidden, "a vendor sets only its own statuses")
	}
	valid := false
	for _, st := range cases.Statuses() {
		valid = valid || st == ch.Status
	}
	if !valid {
		return ch, errorf(http.StatusBadRequest, fmt.Sprintf("unknown status %q", clip(string(ch.Status))))
	}
	if id.Role == auth.Vendor && !vendorStatuses[ch.Status] {
		return ch, errorf(http.StatusForbidden, fmt.Sprintf("a vendor does not set %s; the coordinators do", ch.Status))
	}
	if req.ReleaseDate != "" {
		t, err := cases.ParseWhen(req.ReleaseDate)
		if err != nil {
			return ch, errorf(http.StatusBadRequest, "release_date: "+err.Error())
		}
		ch.ReleaseDate = t
	}
	if len(ch.Note) > maxComment {
		return ch, errorf(http.StatusBadRequest, fmt.Sprintf("the note is longer than %d bytes", maxComment))
	}
	return ch, nil
}

func (s *Server) apiSetStatus(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	var req StatusRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	id := identity(r)
	ch, err := s.statusChange(id, c, req)
	if err != nil {
		return err
	}
	ev, err := s.app.SetStatus(r.Context(), id, c.ID, ch)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ev)
}

// SharedRequest is the body of POST /api/v1/cases/{id}/shared.
type SharedRequest struct {
	Shared *bool `json:"shared"`
}

func (s *Server) apiShared(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	var req SharedRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Shared == nil {
		return errorf(http.StatusBadRequest, "say shared: true or false")
	}
	if err := s.app.SetShared(r.Context(), identity(r), c.ID, *req.Shared); err != nil {
		return err
	}
	c.Shared = *req.Shared
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) visibleComments(r *http.Request, c CaseView) ([]Comment, error) {
	id := identity(r)
	all, err := s.app.Comments(r.Context(), id, c.ID)
	if err != nil {
		return nil, err
	}
	out := []Comment{}
	for _, m := range all {
		if commentVisible(id, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *Server) apiComments(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	cs, err := s.visibleComments(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cs)
}

// CommentRequest is the body of POST /api/v1/cases/{id}/comments. Vendor
// (analysts only) names the vendor's thread; a vendor always writes in
// its own, and 0 is the analysts' internal thread.
type CommentRequest struct {
	Text   string `json:"text"`
	Vendor int64  `json:"vendor"`
}

func (s *Server) comment(r *http.Request, c CaseView, req CommentRequest) (Comment, error) {
	id := identity(r)
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return Comment{}, errorf(http.StatusBadRequest, "a comment needs text")
	}
	if len(text) > maxComment {
		return Comment{}, errorf(http.StatusBadRequest, fmt.Sprintf("a comment has at most %d bytes", maxComment))
	}
	thread := req.Vendor
	if id.Role == auth.Vendor {
		thread = id.Vendor
	} else if thread != 0 && !contains(c.Vendors(), thread) {
		return Comment{}, errorf(http.StatusBadRequest, fmt.Sprintf("vendor %d is not a party of case %d", thread, c.ID))
	}
	if !auth.CanComment(id, c.Vendors()) {
		return Comment{}, errForbidden
	}
	return s.app.AddComment(r.Context(), id, c.ID, Comment{Case: c.ID, Vendor: thread, Author: id.Name, At: s.now().UTC(), Text: text})
}

func (s *Server) apiAddComment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	var req CommentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	m, err := s.comment(r, c, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	id := identity(r)
	evs, err := s.app.Timeline(r.Context(), id, c.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, timelineFor(id, c, evs))
}

func (s *Server) apiReleasePlan(w http.ResponseWriter, r *http.Request) error {
	at, err := s.atParam(r)
	if err != nil {
		return err
	}
	plan, err := s.app.ReleasePlan(r.Context(), identity(r), at)
	if err != nil {
		return err
	}
	if plan == nil {
		plan = []cases.Decision{}
	}
	return writeJSON(w, http.StatusOK, plan)
}

// ApprovalRequest is the body of POST /api/v1/release/approvals.
type ApprovalRequest struct {
	Doc int64 `json:"doc"`
}

// Approval answers an approval: New is false when the caller had already
// approved the document.
type Approval struct {
	Doc int64 `json:"doc"`
	New bool  `json:"new"`
}

func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) error {
	var req ApprovalRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Doc <= 0 {
		return errorf(http.StatusBadRequest, "doc must be a document id")
	}
	added, err := s.app.Approve(r.Context(), identity(r), req.Doc, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, Approval{Doc: req.Doc, New: added})
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.Report(r.Context(), identity(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	evs, err := s.app.Audit(r.Context(), identity(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, paginate(evs, p))
}

func contains(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
