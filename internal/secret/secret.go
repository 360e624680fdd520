// Package secret holds values that must never reach a log, an error message or
// a terminal by accident: keys, passphrases, identifiers and document text.
// Every way of printing one yields "[redacted]"; the raw value needs an
// explicit Reveal. It imports nothing of antidote's.
package secret

import (
	"fmt"
	"log/slog"
)

const redacted = "[redacted]"

// String is a secret text value.
type String struct{ v string }

// NewString wraps s.
func NewString(s string) String { return String{v: s} }

// Reveal returns the raw value. Call it only where the value is used.
func (s String) Reveal() string { return s.v }

// IsZero reports whether the value is empty.
func (s String) IsZero() bool { return s.v == "" }

func (String) String() string               { return redacted }
func (String) GoString() string             { return redacted }
func (String) Format(f fmt.State, _ rune)   { f.Write([]byte(redacted)) }
func (String) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (String) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (String) LogValue() slog.Value         { return slog.StringValue(redacted) }

// Bytes is a secret byte slice, such as a key.
type Bytes struct{ v []byte }

// NewBytes wraps b without copying it.
func NewBytes(b []byte) Bytes { return Bytes{v: b} }

// Reveal returns the raw bytes. Call it only where the value is used.
func (b Bytes) Reveal() []byte { return b.v }

// Len returns the length of the value, which is not secret.
func (b Bytes) Len() int { return len(b.v) }

// Wipe overwrites the value with zeros. Go may have copied it elsewhere; this
// narrows, not closes, the window in which it sits in memory.
func (b Bytes) Wipe() { clear(b.v) }

func (Bytes) String() string               { return redacted }
func (Bytes) GoString() string             { return redacted }
func (Bytes) Format(f fmt.State, _ rune)   { f.Write([]byte(redacted)) }
func (Bytes) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (Bytes) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (Bytes) LogValue() slog.Value         { return slog.StringValue(redacted) }
