package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"antidote/internal/auth"
)

// Error is an error with the HTTP status it should get and a message safe
// to show to the caller.
type Error struct {
	Status int
	Msg    string
	Err    error // for the log only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(status int, msg string) *Error { return &Error{Status: status, Msg: msg} }

var (
	errNotFound     = errorf(http.StatusNotFound, "not found")
	errForbidden    = errorf(http.StatusForbidden, "your role may not do this")
	errUnauthorized = errorf(http.StatusUnauthorized, "log in or send a bearer token")
	errCSRF         = errorf(http.StatusForbidden, "missing or wrong anti-forgery token (reload the page)")
)

// status maps an error to its HTTP status and the message the caller may
// see. Errors of the core below 500 speak the domain ("case 3: not
// found") and are shown; anything else is logged and shown generically.
func (s *Server) status(err error) (int, string) {
	var we *Error
	switch {
	case errors.As(err, &we):
		return we.Status, we.Msg
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, err.Error()
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, auth.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "the request was cancelled or took too long"
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "request body too large"
	}
	if s.classify != nil {
		if st := s.classify(err); st >= 400 && st < 500 {
			return st, err.Error()
		} else if st >= 500 {
			return st, http.StatusText(st)
		}
	}
	return http.StatusInternalServerError, "internal error"
}

// problem is an RFC 9457 problem details object.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="antidote"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.Path})
}
