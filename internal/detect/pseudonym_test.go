package detect

import "testing"

// TestTokensAreNotSecrets: redacted output passes verify. A password
// replaced by its token (after -p, in quotes, after a keyword) is not
// found again as a password, whatever rule found the original; values
// that only resemble a token still are.
func TestTokensAreNotSecrets(t *testing.T) {
	sc, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text   string
		secret bool
	}{
		{"mysql -u root -pSummer2024!", true},
		{"mysql -u root -pSECRET-PTY34KW3YJ5F", false},
		{"mysql -u root -p'SECRET-PTY34KW3YJ5F'", false},
		{"password 'SECRET-PTY34KW3YJ5F'", false},
		{"ldap_bind_pw: SECRET-5F23BQTVTURA", false},
		{"password=IPv4-US-5F23BQTVTURA", false},
		{"password=IPv6-PRIVATE-5F23BQTVTURA", false},
		{"password=MAC-5F23BQTVTURA", false},           // the shortest token
		{"password=MAC-5F23BQTVTUR", true},             // body one short
		{"mysql -u root -pSECRET-PTY34KW3YJ5", true},   // body one short
		{"mysql -u root -pSECRET-PTY34KW3YJ5F1", true}, // body too long
		{"mysql -u root -pSECRET-pty34kw3yj5f", true},  // not the token alphabet
		{"mysql -u root -pTOKEN-PTY34KW3YJ5F", true},   // no such kind
		{"mysql -u root -pIPv4-PTY34KW3YJ5F", true},    // an IP token has a place
	}
	for _, tt := range tests {
		found := false
		for _, m := range sc.Scan(nil, []byte(tt.text)) {
			found = found || m.Kind == Secret
		}
		if found != tt.secret {
			t.Errorf("%q: secret found %v, want %v", tt.text, found, tt.secret)
		}
	}
}
