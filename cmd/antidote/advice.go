package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"antidote/internal/cases"
	"antidote/internal/workspace"
)

// advise adds to an error from the core what to run about it. The core and
// the layers below speak the domain ("no vendor "Nokia""); the commands to
// type are the CLI's to name, as the web console names its forms.
func advise(err error) error {
	if err == nil {
		return nil
	}
	var (
		uv *workspace.UnknownVendorError
		up *workspace.UnknownProductError
		na *workspace.NotAcceptedError
		ne *cases.NeedsError
	)
	switch {
	case errors.Is(err, workspace.ErrSchemaOld):
		return wrapAdvice(err, "back up the workspace, then run 'antidote migrate'")
	case errors.Is(err, workspace.ErrNotInitiated):
		return wrapAdvice(err, "run 'antidote init' to create a workspace")
	case errors.As(err, &uv):
		return wrapAdvice(err, "add it with 'antidote vendor add NAME' (see 'antidote vendor list')")
	case errors.As(err, &up):
		return wrapAdvice(err, fmt.Sprintf("add it with 'antidote product add %s NAME --class CLASS'", quoteName(up.Vendor)))
	case errors.As(err, &na):
		return wrapAdvice(err, fmt.Sprintf("'antidote finding accept %d'", na.Finding))
	case errors.As(err, &ne):
		flag := map[string]string{cases.FieldActor: "--as or $ANTIDOTE_USER", cases.FieldFixedVersion: "--fixed-version",
			cases.FieldPatchLevel: "--patch-level", cases.FieldJustification: "--justification"}[ne.Field]
		if flag != "" {
			return wrapAdvice(err, "give it with "+flag)
		}
	}
	return err
}

// adviceError is an error with the CLI's advice appended; it keeps the
// error's identity (errors.Is/As) and its exit code.
type adviceError struct {
	err    error
	advice string
}

func (e *adviceError) Error() string { return e.err.Error() + ": " + e.advice }
func (e *adviceError) Unwrap() error { return e.err }

func wrapAdvice(err error, advice string) error { return &adviceError{err, advice} }

// quoteName quotes a name with spaces or quotes for a command shown inside
// single quotes in a message ('antidote vendor show "Acme Corp"').
func quoteName(s string) string {
	if strings.ContainsAny(s, " \t'\"") {
		return strconv.Quote(s)
	}
	return s
}
