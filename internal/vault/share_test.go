package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"antidote/internal/secret"
)

func flipBase32(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func testShare() share {
	s := share{setID: [4]byte{1, 2, 3, 4}, threshold: 3, point: make([]byte, 1+masterKeyLen)}
	s.point[0] = 7
	for i := 1; i < len(s.point); i++ {
		s.point[i] = byte(i * 13)
	}
	return s
}

func TestShareRoundTrip(t *testing.T) {
	s := testShare()
	text := formatShare(s).Reveal()
	if !strings.HasPrefix(text, "antidote-share-7-") {
		t.Fatalf("share starts %q", text[:20])
	}
	variants := map[string]string{
		"as printed":          text,
		"upper case":          strings.ToUpper(text),
		"no grouping dashes":  "antidote-share-7-" + strings.ReplaceAll(text[len("antidote-share-7-"):], "-", ""),
		"spaces for dashes":   "antidote-share-7-" + strings.ReplaceAll(text[len("antidote-share-7-"):], "-", " "),
		"surrounding spaces":  "  " + text + "\n",
		"line-wrapped copy":   text[:30] + "\n" + text[30:],
		"tab after the group": strings.Replace(text, "-", "\t", 4),
	}
	for name, v := range variants {
		got, err := parseShare(secret.NewString(v))
		if name == "tab after the group" {
			// Tabs may replace grouping dashes only in the body, not in the
			// prefix; this variant breaks the prefix and must be refused.
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.setID != s.setID || got.threshold != s.threshold || !bytes.Equal(got.point, s.point) {
			t.Errorf("%s: parsed share differs", name)
		}
	}
}

// TestShareTypos changes each character of the body in turn and expects the
// checksum, or the decoder, to refuse it.
func TestShareTypos(t *testing.T) {
	text := formatShare(testShare()).Reveal()
	body := len("antidote-share-7-")
	for i := body; i < len(text); i++ {
		if text[i] == '-' {
			continue
		}
		b := []byte(text)
		b[i] = flipBase32(b[i])
		if _, err := parseShare(secret.NewString(string(b))); err == nil {
			t.Fatalf("typo at character %d accepted", i)
		}
		// A dropped character is caught too.
		dropped := text[:i] + text[i+1:]
		if _, err := parseShare(secret.NewString(dropped)); err == nil {
			t.Fatalf("dropped character %d accepted", i)
		}
	}
}

func TestShareRejects(t *testing.T) {
	text := formatShare(testShare()).Reveal()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "not an antidote recovery share"},
		{"other prefix", strings.Replace(text, "antidote", "antidose", 1), "not an antidote recovery share"},
		{"prefix only", "antidote-share-", "not an antidote recovery share"},
		{"number zero", strings.Replace(text, "-7-", "-0-", 1), "between 1 and 255"},
		{"number not a number", strings.Replace(text, "-7-", "-x-", 1), "between 1 and 255"},
		{"number differs from contents", strings.Replace(text, "-7-", "-8-", 1), "does not match"},
		{"character outside base32", text[:len(text)-1] + "1", "checksum"},
		{"extra character", text + "a", "checksum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseShare(secret.NewString(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	// A future share format is reported as such, not as a typo.
	s := testShare()
	raw := []byte{2}
	raw = append(raw, s.setID[:]...)
	raw = append(raw, byte(s.threshold))
	raw = append(raw, s.point...)
	raw = append(raw, shareChecksum(raw)...)
	future := "antidote-share-7-" + shareEncoding.EncodeToString(raw)
	if _, err := parseShare(secret.NewString(future)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("future share format: %v", err)
	}
}
