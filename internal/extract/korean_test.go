package extract

import (
	"encoding/base64"
	"strings"
	"testing"
)

// The Korean samples were encoded by Python's codecs (johab, iso2022_kr,
// cp949), an implementation independent of this one.
const koreanSample = "한국어 문서 ㄱ ㅏ 漢字 ①, test"

var (
	johabSample     = "\xd0e\x8a\x82\xb4\xe1 \xa2\x85\xac\xe1 \x88A \x84a \xf7\xd3\xf1\xae \xdc\xe7, test"
	iso2022krSample = "\x1b$)C\x0eGQ19>n\x0f \x0e9.<-\x0f \x0e$!\x0f \x0e$?\x0f \x0eySm.\x0f \x0e(g\x0f, test"
)

func TestKoreanDecoders(t *testing.T) {
	for _, tc := range []struct{ label, in, want string }{
		{"johab", johabSample, koreanSample},
		{"x-johab", johabSample, koreanSample},
		{"iso-2022-kr", iso2022krSample, koreanSample},
		{"cp949", "\x8c\x63\xb9\xe6\xb0\xa2\xc7\xcf", "똠방각하"},
		{"ks_c_5601-1987", "\xc7\xd1\xb1\xb9", "한국"},
		// Damage decodes to U+FFFD and never stalls.
		{"johab", "\xd0", "\uFFFD"},
		{"johab", "\xff\xff", "\uFFFD\uFFFD"},
		{"iso-2022-kr", "\x1b$)C\x0eGQ", "한"},
		{"iso-2022-kr", "\x0eG", "\uFFFD"},
	} {
		enc, _ := lookupCharset(tc.label)
		if enc == nil {
			t.Fatalf("%s: unknown", tc.label)
		}
		got, err := enc.NewDecoder().String(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s %q: %q, %v; want %q", tc.label, tc.in, got, err, tc.want)
		}
	}
}

func TestKoreanInDocuments(t *testing.T) {
	mail := "From: a@example.org\r\nSubject: =?johab?b?" + b64(johabSample) + "?=\r\nContent-Type: text/plain; charset=johab\r\n\r\n" + johabSample + "\r\n"
	r := walkBytes(t, "k.eml", []byte(mail), Options{})
	if got := r.docs[0].text; strings.Count(got, koreanSample) != 2 {
		t.Errorf("johab mail: %q", got)
	}
	// ISO-2022-KR announces itself: no declaration needed.
	r = walkBytes(t, "k.txt", []byte(iso2022krSample+"\n"), Options{})
	if d := r.docs[0]; d.charset != "iso-2022-kr" || !strings.Contains(d.text, koreanSample) {
		t.Errorf("iso-2022-kr text: %s %q", d.charset, d.text)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
