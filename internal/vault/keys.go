package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"antidote/internal/secret"
	"golang.org/x/crypto/chacha20poly1305"
)

const (
	masterKeyLen = 32
	keyIDLen     = 16

	// HKDF info prefixes. Each ends in a NUL and the purpose label follows, so
	// distinct (kind, purpose) pairs give distinct info strings.
	infoSealer = "antidote/vault/v1/sealer\x00"
	infoMAC    = "antidote/vault/v1/mac\x00"
	infoKeyID  = "antidote/vault/v1/key-id"

	exportVersion = 1
	exportSumLen  = 4
	exportLen     = 1 + masterKeyLen + exportSumLen
)

// Keys holds an unlocked workspace's master key and derives purpose keys from
// it. Obtain it from KeyFile.Unlock, KeyFile.Recover or KeysFromExport. Printing
// or logging it shows "[redacted]".
type Keys struct {
	master secret.Bytes
	wiped  bool
}

func newKeys(master []byte) *Keys {
	return &Keys{master: secret.NewBytes(master)}
}

// derive returns HKDF-SHA256(master, info) of n bytes.
func (k *Keys) derive(info string, n int) []byte {
	if k.wiped {
		panic("vault: Keys used after Wipe")
	}
	out, err := hkdf.Key(sha256.New, k.master.Reveal(), nil, info, n)
	if err != nil {
		// Only an impossible length makes HKDF fail.
		panic("vault: derive key: " + err.Error())
	}
	return out
}

// Sealer returns the sealer for purpose, for example "blob" or "meta". Each
// purpose gets an independent key, so a value sealed for one purpose does not
// open under another. Derivation costs a few microseconds; keep the Sealer.
func (k *Keys) Sealer(purpose string) *Sealer {
	key := k.derive(infoSealer+purpose, chacha20poly1305.KeySize)
	return newSealer(key)
}

// MAC returns the keyed hash for purpose, for example "dedup" or "index". Each
// purpose gets an independent key, also independent of every Sealer's.
func (k *Keys) MAC(purpose string) *MAC {
	return &MAC{key: k.derive(infoMAC+purpose, sha256.Size), pool: new(sync.Pool)}
}

// ID returns a short public identifier of the master key (hex). The key file
// records it, so keys from another workspace are detected; it reveals nothing
// about the key.
func (k *Keys) ID() string {
	return hex.EncodeToString(k.id())
}

func (k *Keys) id() []byte { return k.derive(infoKeyID, keyIDLen) }

// Export returns the master key in a compact form for an unlock agent to hold
// in memory and hand to CLI processes. The result is the key itself: keep it
// off disk and out of logs, and Wipe it when done.
func (k *Keys) Export() secret.Bytes {
	if k.wiped {
		panic("vault: Keys used after Wipe")
	}
	out := make([]byte, 0, exportLen)
	out = append(out, exportVersion)
	out = append(out, k.master.Reveal()...)
	sum := sha256.Sum256(out)
	out = append(out, sum[:exportSumLen]...)
	return secret.NewBytes(out)
}

// KeysFromExport rebuilds Keys from Export's output. It copies b, so the
// caller may Wipe it afterwards. A checksum catches corruption in transit.
func KeysFromExport(b secret.Bytes) (*Keys, error) {
	raw := b.Reveal()
	if len(raw) != exportLen {
		return nil, fmt.Errorf("vault: exported keys have length %d, want %d; the agent and this antidote may differ in version", len(raw), exportLen)
	}
	if raw[0] != exportVersion {
		return nil, fmt.Errorf("vault: exported keys format %d: %w", raw[0], ErrUnsupportedVersion)
	}
	sum := sha256.Sum256(raw[:1+masterKeyLen])
	if !bytes.Equal(sum[:exportSumLen], raw[1+masterKeyLen:]) {
		return nil, errors.New("vault: exported keys are corrupted (checksum mismatch); unlock again")
	}
	return newKeys(bytes.Clone(raw[1 : 1+masterKeyLen])), nil
}

// Wipe overwrites the master key. Sealers and MACs already derived keep
// working; deriving new ones or exporting afterwards panics.
func (k *Keys) Wipe() {
	k.master.Wipe()
	k.wiped = true
}

// newMasterKey draws a random master key.
func newMasterKey() []byte {
	b := make([]byte, masterKeyLen)
	rand.Read(b)
	return b
}

// Keys, Sealer and MAC print as "[redacted]" however they are formatted:
// fmt reaches unexported fields by reflection, bypassing their own methods.
const redacted = "[redacted]"

func (Keys) String() string             { return redacted }
func (Keys) GoString() string           { return redacted }
func (Keys) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }
func (Keys) LogValue() slog.Value       { return slog.StringValue(redacted) }
