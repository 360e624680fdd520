package cases

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func newKey(t *testing.T, created time.Time, lifetime uint32) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Time: func() time.Time { return created }, KeyLifetimeSecs: lifetime}
	e, err := openpgp.NewEntity("Example PSIRT", "", "psirt@example.com", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func armored(t *testing.T, e *openpgp.Entity, private bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	typ := openpgp.PublicKeyType
	if private {
		typ = openpgp.PrivateKeyType
	}
	w, err := armor.Encode(&buf, typ, nil)
	if err != nil {
		t.Fatal(err)
	}
	if private {
		err = e.SerializePrivate(w, nil)
	} else {
		err = e.Serialize(w)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

func TestParseKey(t *testing.T) {
	now := time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
	good := newKey(t, now.Add(-day), 0)
	k, err := ParseKey(armored(t, good, false), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Fingerprint) != 40 || len(k.UserIDs) != 1 || !strings.Contains(k.UserIDs[0], "psirt@example.com") {
		t.Errorf("key = %+v", k)
	}
	expired := newKey(t, now.Add(-10*day), 3600)
	twoKeys := append(armored(t, good, false), armored(t, expired, false)...)
	tests := []struct {
		name   string
		in     []byte
		errHas string
	}{
		// Not OpenPGP at all.
		{"garbage", []byte("hello"), "not an ASCII-armored"},
		// A private key is refused and flagged as compromised.
		{"private", armored(t, good, true), "private key"},
		// A key whose lifetime has passed cannot encrypt.
		{"expired", armored(t, expired, false), "no valid encryption key"},
		// Two armored blocks are refused rather than silently reading one.
		{"two", twoKeys, "one at a time"},
	}
	for _, tt := range tests {
		_, err := ParseKey(tt.in, now)
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.errHas)
		}
	}
}

func TestVendorValidate(t *testing.T) {
	tests := []struct {
		name string
		v    Vendor
		ok   bool
	}{
		// Name, contact with display name, security.txt over https.
		{"full", Vendor{Name: " Apple ", Contacts: []Contact{{Email: "Product Security <product-security@apple.com>"}}, SecurityTxt: "https://www.apple.com/.well-known/security.txt"}, true},
		// Name only is enough to start.
		{"minimal", Vendor{Name: "Samsung"}, true},
		// No name.
		{"no name", Vendor{}, false},
		// A contact must be an e-mail address.
		{"bad email", Vendor{Name: "X", Contacts: []Contact{{Email: "not an address"}}}, false},
		// security.txt must be fetched over https.
		{"http security.txt", Vendor{Name: "X", SecurityTxt: "http://x.example/.well-known/security.txt"}, false},
		// Names are one line.
		{"newline", Vendor{Name: "a\nb"}, false},
	}
	for _, tt := range tests {
		v := tt.v
		err := v.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if tt.name == "full" && (v.Name != "Apple" || v.Contacts[0].Email != "product-security@apple.com" || v.Contacts[0].Name != "Product Security") {
			t.Errorf("not normalised: %+v", v)
		}
	}
}

func TestProductValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Product
		ok   bool
	}{
		{"known class", Product{Vendor: 1, Name: "Android", Class: PhoneOS, Downstream: []int64{2, 3}}, true},
		// Classes are extensible.
		{"new class", Product{Vendor: 1, Name: "Pump", Class: "medical-device"}, true},
		// Class names are restricted to a safe alphabet.
		{"bad class", Product{Vendor: 1, Name: "X", Class: "Smart TV!"}, false},
		// A vendor is not its own downstream maker.
		{"self downstream", Product{Vendor: 1, Name: "X", Class: PhoneOS, Downstream: []int64{1}}, false},
		// A product belongs to a vendor.
		{"no vendor", Product{Name: "X", Class: PhoneOS}, false},
	}
	for _, tt := range tests {
		p := tt.p
		if err := p.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
