//go:build !unix

package redact

import "testing"

// reportRusage reports nothing where there is no getrusage.
func reportRusage(*testing.B) func() { return func() {} }
