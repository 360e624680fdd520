package vault

import (
	"bytes"
	"testing"
)

// testKeys returns Keys over a fixed master key, so failures reproduce.
func testKeys(t testing.TB) *Keys {
	t.Helper()
	return newKeys(bytes.Repeat([]byte{0x42}, masterKeyLen))
}
