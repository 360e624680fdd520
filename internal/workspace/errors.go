package workspace

import (
	"errors"
	"fmt"
)

// InvalidError is a request the caller got wrong (bad options, a malformed
// token): the CLI maps it to a usage error, the web to 400. Its message is
// the underlying error's.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

func invalid(err error) error { return &InvalidError{err} }

// NotFoundError names the record that does not exist; it matches
// ErrNotFound.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string        { return e.What + ": not found" }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// notFound turns the store's miss into a NotFoundError naming what.
func notFound(err error, format string, a ...any) error {
	if errors.Is(err, ErrNotFound) {
		return &NotFoundError{fmt.Sprintf(format, a...)}
	}
	return err
}
