//go:build !unix

package redact

import "os"

// mapping is a mapped file where the system offers mapping; here it
// never does, and Stream reads every file.
type mapping struct{ text []byte }

func mapFile(*os.File, int) *mapping        { return nil }
func (m *mapping) release(int)              {}
func (m *mapping) close(int) error          { return nil }
func (m *mapping) inside(addr uintptr) bool { return false }
