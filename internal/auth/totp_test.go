package auth

import (
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestTOTPVectors checks the TOTP implementation against RFC 6238,
// Appendix B (SHA-1, eight digits, the ASCII key "12345678901234567890").
func TestTOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		got, err := totp.GenerateCodeCustom(b32.EncodeToString(key), time.Unix(v.unix, 0).UTC(),
			totp.ValidateOpts{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1})
		if err != nil || got != v.code {
			t.Errorf("T=%d: got %s %v, want %s", v.unix, got, err, v.code)
		}
	}
}

func TestValidateTOTP(t *testing.T) {
	key := []byte("12345678901234567890")
	at := time.Unix(1111111111, 0)
	// RFC 6238's 8-digit 14050471 is 050471 in six digits.
	if !ValidateTOTP(key, "050471", at) {
		t.Fatal("the RFC's code refused")
	}
	if !ValidateTOTP(key, "050471", at.Add(30*time.Second)) {
		t.Error("one step of skew refused")
	}
	if ValidateTOTP(key, "050471", at.Add(90*time.Second)) {
		t.Error("a code three steps old accepted")
	}
	if step, ok := MatchTOTP(key, "050471", at.Add(30*time.Second)); !ok || step != 1111111111/30 {
		t.Errorf("matched step %d %v, want %d", step, ok, 1111111111/30)
	}
	for _, bad := range []string{"", "050472", "50471", "0504710", "abcdef"} {
		if ValidateTOTP(key, bad, at) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTOTPURI(t *testing.T) {
	u, err := url.Parse(TOTPURI("antidote", "ana", []byte("12345678901234567890")))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/antidote:ana" || u.Query().Get("secret") != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("URI %s", u)
	}
	k, err := otp.NewKeyFromURL(u.String())
	if err != nil || k.Issuer() != "antidote" || k.AccountName() != "ana" {
		t.Fatalf("pquerna/otp reads %v %v", k, err)
	}
}
