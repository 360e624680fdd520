package auth

import (
	"encoding/base32"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpOpts is RFC 6238 as authenticator apps implement it: HMAC-SHA1, six
// digits, 30-second steps, one step of clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ValidateTOTP reports whether code is key's one-time code at now, give or
// take one step.
func ValidateTOTP(key []byte, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, b32.EncodeToString(key), now, totpOpts)
	return err == nil && ok
}

// TOTPURI is the otpauth:// URI (Google Authenticator's key URI format)
// that enrols key in an authenticator app.
func TOTPURI(issuer, account string, key []byte) string {
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: q.Encode()}
	return u.String()
}
