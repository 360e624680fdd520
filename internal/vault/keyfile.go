package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"antidote/internal/secret"
	"antidote/internal/vault/shamir"
	"golang.org/x/crypto/chacha20poly1305"
)

// keyFileVersion is the only key file format this build reads and writes.
const keyFileVersion = 1

// wrapAD prefixes the associated data of the wrapped master key; the key id
// follows, binding the wrapped key to the identity the file claims.
const wrapAD = "antidote/vault/v1/keyfile\x00"

const wrappedLen = chacha20poly1305.NonceSizeX + masterKeyLen + chacha20poly1305.Overhead

// KeyFile is a workspace's key material as stored on disk: the master key
// wrapped under a passphrase-derived key, and metadata for recovery shares.
// It contains no plaintext key; it is still worth protecting, since it lets
// an attacker test passphrase guesses offline at the KDF's cost.
// Methods that change it (Rewrap) are not safe for concurrent use.
type KeyFile struct {
	keyID   []byte
	kdf     KDFParams
	wrapped []byte
	shares  *shareInfo
}

// shareInfo describes the split of the master key into recovery shares.
type shareInfo struct {
	count     int
	threshold int
	setID     [shareSetIDLen]byte
}

// keyFileJSON is the on-disk form. Byte fields are base64 (encoding/json's
// default) except ids, which are hex so a person can compare them.
type keyFileJSON struct {
	Version    int           `json:"version"`
	KeyID      string        `json:"key_id"`
	KDF        KDFParams     `json:"kdf"`
	WrappedKey []byte        `json:"wrapped_key"`
	Recovery   *recoveryJSON `json:"recovery,omitempty"`
}

type recoveryJSON struct {
	Shares    int    `json:"shares"`
	Threshold int    `json:"threshold"`
	SetID     string `json:"set_id"`
}

// NewKeyFile creates a workspace key: a random master key wrapped under
// pass with the KDF parameters p (whose Salt is replaced by a fresh one). If
// shares > 0 it also splits the master key into that many recovery shares, any
// threshold of which reconstruct it (2 ≤ threshold ≤ shares ≤ 255), and
// returns them for printing; they are not stored anywhere and cannot be shown
// again.
func NewKeyFile(pass secret.String, p KDFParams, shares, threshold int) (*KeyFile, *Keys, []secret.String, error) {
	if pass.IsZero() {
		return nil, nil, nil, errors.New("vault: create key file: the passphrase is empty")
	}
	if err := p.validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("vault: create key file: %w", err)
	}
	if shares != 0 && (threshold < 2 || threshold > shares || shares > shamir.MaxShares) {
		return nil, nil, nil, fmt.Errorf("vault: create key file: %d recovery shares with threshold %d: need 2 ≤ threshold ≤ shares ≤ %d", shares, threshold, shamir.MaxShares)
	}
	keys := newKeys(newMasterKey())
	kf := &KeyFile{keyID: keys.id()}
	kf.wrap(keys, pass, p)

	var printed []secret.String
	if shares > 0 {
		info := &shareInfo{count: shares, threshold: threshold}
		rand.Read(info.setID[:])
		points, err := shamir.Split(keys.master.Reveal(), shares, threshold)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("vault: create key file: split recovery shares: %w", err)
		}
		for _, pt := range points {
			printed = append(printed, formatShare(share{setID: info.setID, threshold: threshold, point: pt}))
			clear(pt)
		}
		kf.shares = info
	}
	return kf, keys, printed, nil
}

// wrap seals the master key under a key derived from pass with fresh salt.
func (kf *KeyFile) wrap(keys *Keys, pass secret.String, p KDFParams) {
	p = p.withFreshSalt()
	pw := []byte(pass.Reveal())
	kek := p.deriveKEK(pw)
	clear(pw)
	aead, err := chacha20poly1305.NewX(kek)
	clear(kek)
	if err != nil {
		panic("vault: wrap key: " + err.Error()) // fixed length
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX, wrappedLen)
	rand.Read(nonce)
	kf.wrapped = aead.Seal(nonce, nonce, keys.master.Reveal(), kf.wrapAD())
	kf.kdf = p
}

func (kf *KeyFile) wrapAD() []byte {
	return append([]byte(wrapAD), kf.keyID...)
}

// Unlock derives the key-encryption key from pass (taking the KDF's time) and
// unwraps the master key. A wrong passphrase yields ErrBadPassphrase.
func (kf *KeyFile) Unlock(pass secret.String) (*Keys, error) {
	if err := kf.kdf.validateSalted(); err != nil || len(kf.wrapped) != wrappedLen {
		return nil, errors.New("vault: unlock key file: the key file is incomplete; load it with UnmarshalKeyFile")
	}
	pw := []byte(pass.Reveal())
	kek := kf.kdf.deriveKEK(pw)
	clear(pw)
	aead, err := chacha20poly1305.NewX(kek)
	clear(kek)
	if err != nil {
		panic("vault: unwrap key: " + err.Error())
	}
	nonce, ct := kf.wrapped[:chacha20poly1305.NonceSizeX], kf.wrapped[chacha20poly1305.NonceSizeX:]
	master, err := aead.Open(nil, nonce, ct, kf.wrapAD())
	if err != nil {
		return nil, fmt.Errorf("vault: unlock key file: %w", ErrBadPassphrase)
	}
	keys := newKeys(master)
	if err := kf.check(keys); err != nil {
		keys.Wipe()
		return nil, fmt.Errorf("vault: unlock key file: the unwrapped key does not match the file's key id: %w", ErrTampered)
	}
	return keys, nil
}

// Recover reconstructs the master key from recovery shares as printed by
// NewKeyFile, in any order, typed back in any case and spacing. Errors wrap
// ErrBadShares and say which share (by position in shares) is at fault, or
// that too few distinct shares were given; they never quote a share.
func (kf *KeyFile) Recover(shares []secret.String) (*Keys, error) {
	if kf.shares == nil {
		return nil, fmt.Errorf("vault: recover key: this key file was created without recovery shares: %w", ErrBadShares)
	}
	info := kf.shares
	var points [][]byte
	defer func() {
		for _, p := range points {
			clear(p)
		}
	}()
	type seen struct{ pos, idx int }
	byX := map[byte]seen{} // x -> first share given with it
	for i, text := range shares {
		pos := i + 1
		s, err := parseShare(text)
		if err != nil {
			return nil, fmt.Errorf("vault: recover key: share %d of %d given: %w: %w", pos, len(shares), ErrBadShares, err)
		}
		x := s.point[0]
		switch {
		case s.setID != info.setID:
			err = fmt.Errorf("vault: recover key: share %d of %d given (number %d) belongs to another workspace or an older set of shares: %w", pos, len(shares), x, ErrBadShares)
		case s.threshold != info.threshold:
			err = fmt.Errorf("vault: recover key: share %d of %d given says threshold %d, the key file says %d: %w", pos, len(shares), s.threshold, info.threshold, ErrBadShares)
		}
		if first, dup := byX[x]; err == nil && dup {
			if subtle.ConstantTimeCompare(points[first.idx], s.point) != 1 {
				err = fmt.Errorf("vault: recover key: shares %d and %d of %d given are both number %d but differ: %w", first.pos, pos, len(shares), x, ErrBadShares)
			}
			// The same share entered twice is harmless.
			clear(s.point)
			if err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			clear(s.point)
			return nil, err
		}
		byX[x] = seen{pos: pos, idx: len(points)}
		points = append(points, s.point)
	}
	if len(points) < info.threshold {
		return nil, fmt.Errorf("vault: recover key: %d distinct shares given, %d needed: %w", len(points), info.threshold, ErrBadShares)
	}
	master, err := shamir.Combine(points)
	if err != nil {
		return nil, fmt.Errorf("vault: recover key: %w: %w", ErrBadShares, err)
	}
	keys := newKeys(master)
	if err := kf.check(keys); err != nil {
		keys.Wipe()
		return nil, fmt.Errorf("vault: recover key: the shares are well-formed but do not reconstruct this workspace's key; one may have been altered: %w", ErrBadShares)
	}
	return keys, nil
}

// Rewrap changes the passphrase: it wraps the master key held by k under
// newPass with KDF parameters p (fresh salt). No data is re-encrypted and
// recovery shares stay valid. The old passphrase stops working once the
// caller replaces the stored key file with Marshal's output.
func (kf *KeyFile) Rewrap(k *Keys, newPass secret.String, p KDFParams) error {
	if newPass.IsZero() {
		return errors.New("vault: change passphrase: the new passphrase is empty")
	}
	if err := p.validate(); err != nil {
		return fmt.Errorf("vault: change passphrase: %w", err)
	}
	if err := kf.check(k); err != nil {
		return fmt.Errorf("vault: change passphrase: %w", err)
	}
	kf.wrap(k, newPass, p)
	return nil
}

// Check reports whether k is this key file's master key, returning ErrWrongKey
// if not. Use it when keys arrive from an unlock agent.
func (kf *KeyFile) Check(k *Keys) error {
	if err := kf.check(k); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return nil
}

func (kf *KeyFile) check(k *Keys) error {
	if subtle.ConstantTimeCompare(k.id(), kf.keyID) != 1 {
		return ErrWrongKey
	}
	return nil
}

// KeyID returns the public identifier of the workspace's master key (hex),
// equal to Keys.ID for the matching keys.
func (kf *KeyFile) KeyID() string { return hex.EncodeToString(kf.keyID) }

// KDF returns the parameters the passphrase is currently wrapped with.
func (kf *KeyFile) KDF() KDFParams {
	p := kf.kdf
	p.Salt = bytes.Clone(p.Salt)
	return p
}

// Shares returns how many recovery shares were made and how many recover the
// key; both are 0 if the key file has none.
func (kf *KeyFile) Shares() (count, threshold int) {
	if kf.shares == nil {
		return 0, 0
	}
	return kf.shares.count, kf.shares.threshold
}

// Marshal returns the key file as indented JSON. Write it atomically (to a
// temporary file, then rename): a torn key file loses the workspace.
func (kf *KeyFile) Marshal() ([]byte, error) {
	j := keyFileJSON{
		Version:    keyFileVersion,
		KeyID:      kf.KeyID(),
		KDF:        kf.kdf,
		WrappedKey: kf.wrapped,
	}
	if s := kf.shares; s != nil {
		j.Recovery = &recoveryJSON{Shares: s.count, Threshold: s.threshold, SetID: hex.EncodeToString(s.setID[:])}
	}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("vault: encode key file: %w", err)
	}
	return append(out, '\n'), nil
}

// UnmarshalKeyFile parses and checks a key file written by Marshal. Errors say
// which field is wrong, never its value.
func UnmarshalKeyFile(data []byte) (*KeyFile, error) {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("vault: read key file: not valid JSON; is this an antidote key file? (%v)", jsonErrorKind(err))
	}
	switch {
	case probe.Version == nil:
		return nil, errors.New("vault: read key file: no version field; this is not an antidote key file")
	case *probe.Version != keyFileVersion:
		return nil, fmt.Errorf("vault: read key file: version %d (this antidote reads version %d): %w", *probe.Version, keyFileVersion, ErrUnsupportedVersion)
	}
	var j keyFileJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("vault: read key file: a field has the wrong type (%v)", jsonErrorKind(err))
	}
	kf := &KeyFile{kdf: j.KDF, wrapped: j.WrappedKey}
	if err := kf.kdf.validateSalted(); err != nil {
		return nil, fmt.Errorf("vault: read key file: kdf: %w", err)
	}
	id, err := hex.DecodeString(j.KeyID)
	if err != nil || len(id) != keyIDLen {
		return nil, fmt.Errorf("vault: read key file: key_id must be %d hex digits", 2*keyIDLen)
	}
	kf.keyID = id
	if len(kf.wrapped) != wrappedLen {
		return nil, fmt.Errorf("vault: read key file: wrapped_key has %d bytes, want %d", len(kf.wrapped), wrappedLen)
	}
	if r := j.Recovery; r != nil {
		if r.Threshold < 2 || r.Threshold > r.Shares || r.Shares > shamir.MaxShares {
			return nil, fmt.Errorf("vault: read key file: recovery has %d shares with threshold %d; need 2 ≤ threshold ≤ shares ≤ %d", r.Shares, r.Threshold, shamir.MaxShares)
		}
		set, err := hex.DecodeString(r.SetID)
		if err != nil || len(set) != shareSetIDLen {
			return nil, fmt.Errorf("vault: read key file: recovery set_id must be %d hex digits", 2*shareSetIDLen)
		}
		kf.shares = &shareInfo{count: r.Shares, threshold: r.Threshold}
		copy(kf.shares.setID[:], set)
	}
	return kf, nil
}

// jsonErrorKind describes a decoding error without quoting the input, which
// encoding/json's syntax errors can do.
func jsonErrorKind(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	default:
		return "malformed"
	}
}
