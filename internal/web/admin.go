package web

import (
	"net/http"
	"time"

	"antidote/internal/auth"
)

// The admin pages: accounts and tokens, disable and enable, revoke.
// Creating accounts and tokens stays on the command line (antidote user
// add, antidote token create), where a password or token is shown once.

var errNoAdmin = errorf(http.StatusNotFound, "account administration is not served here")

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	if s.admin == nil {
		return errNoAdmin
	}
	id := identity(r)
	us, err := s.admin.Users(r.Context(), id)
	if err != nil {
		return err
	}
	ts, err := s.admin.Tokens(r.Context(), id)
	if err != nil {
		return err
	}
	type tokenRow struct {
		auth.Token
		State string
	}
	now := s.now()
	var rows []tokenRow
	for _, t := range ts {
		st := "active"
		switch {
		case !t.Revoked.IsZero():
			st = "revoked"
		case !t.Expires.IsZero() && !now.Before(t.Expires):
			st = "expired"
		}
		rows = append(rows, tokenRow{t, st})
	}
	return s.render(w, r, http.StatusOK, "users", "Users and tokens", struct {
		Users  []auth.User
		Tokens []tokenRow
		Now    time.Time
	}{us, rows, now})
}

func (s *Server) setDisabledForm(disabled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.admin == nil {
			return errNoAdmin
		}
		name := r.PathValue("name")
		if _, err := auth.NormalizeName(name); err != nil {
			return errNotFound
		}
		if err := s.admin.SetDisabled(r.Context(), identity(r), name, disabled); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return nil
	}
}

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) error {
	if s.admin == nil {
		return errNoAdmin
	}
	tid, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.admin.RevokeToken(r.Context(), identity(r), tid); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	return nil
}
