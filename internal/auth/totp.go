package auth

import (
	"crypto/subtle"
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
	_, ok := MatchTOTP(key, code, now)
	return ok
}

// MatchTOTP returns the time step (Unix time / 30 s) whose code code is,
// trying now and one step either way. A login accepts a step only once
// and only after the last accepted one, so a code seen over a shoulder or
// on the wire cannot be replayed within its validity.
func MatchTOTP(key []byte, code string, now time.Time) (int64, bool) {
	if len(code) != int(totpOpts.Digits) {
		return 0, false
	}
	secret := b32.EncodeToString(key)
	step := now.Unix() / int64(totpOpts.Period)
	match, found := int64(0), false
	// Every candidate is computed and compared, matched or not.
	for _, d := range []int64{-1, 0, 1} {
		at := time.Unix((step+d)*int64(totpOpts.Period), 0)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !found {
			match, found = step+d, true
		}
	}
	return match, found
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
