package vault

// Known-answer tests, in the manner of age's testkit: files written once by
// this package and committed under testdata/kat. Every later antidote must
// open them to the same plaintext and derive the same keys, so a change of
// format, of key derivation or of the key file is always deliberate (new
// vectors, a new version number, a migration), never an accident that
// makes every workspace unreadable. Regenerate only on purpose:
//
//	ANTIDOTE_WRITE_KAT=1 go test ./internal/vault -run KAT

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"antidote/internal/secret"
)

const katDir = "testdata/kat"

// katMaster is the master key of the vectors: bytes 0..31.
func katMaster() []byte {
	m := make([]byte, 32)
	for i := range m {
		m[i] = byte(i)
	}
	return m
}

// katStreamPlain is the STREAM vector's plaintext: two full chunks and a
// partial one, a pattern nobody mistakes for a real document.
func katStreamPlain() []byte {
	b := make([]byte, 2*StreamChunkSize+1000)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

type katVectors struct {
	Master string      `json:"master"`
	KeyID  string      `json:"key_id"`
	MACs   []katMAC    `json:"macs"`
	Sealed []katSealed `json:"sealed"`
	Stream katStream   `json:"stream"`
	File   katKeyFile  `json:"key_file"`
	Notes  []string    `json:"notes"`
}

type katMAC struct{ Purpose, Data, Sum string }

type katSealed struct{ Purpose, AD, Plain, Nonce, Sealed string }

type katStream struct {
	Purpose, AD, Salt, File string
	PlainLen                int
}

type katKeyFile struct {
	File, Passphrase string
	Shares           []string
	KeyID            string
}

var katMACs = []katMAC{
	{Purpose: "audit", Data: "antidote audit event"},
	{Purpose: "audit-head", Data: "antidote audit head v1"},
	{Purpose: "rows", Data: "antidote row v1"},
	{Purpose: "dedup", Data: "content digest"},
	{Purpose: "redact", Data: "antidote redaction key v1"},
}

var katSeals = []katSealed{
	{Purpose: "store", AD: "docs.text:1", Plain: "extracted text of document 1"},
	{Purpose: "store", AD: "audit.detail:7", Plain: `{"outcome":"revealed"}`},
	{Purpose: "store", AD: "", Plain: ""},
	{Purpose: "blob", AD: "blob:x", Plain: "\x00 binary é"},
}

func TestKAT(t *testing.T) {
	path := filepath.Join(katDir, "vectors.json")
	if os.Getenv("ANTIDOTE_WRITE_KAT") == "1" {
		writeKAT(t)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate once with ANTIDOTE_WRITE_KAT=1)", err)
	}
	var v katVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	master, _ := hex.DecodeString(v.Master)
	keys := newKeys(master)
	if keys.ID() != v.KeyID {
		t.Errorf("key id %s, want %s: the key derivation changed", keys.ID(), v.KeyID)
	}
	for _, m := range v.MACs {
		sum := keys.MAC(m.Purpose).Sum([]byte(m.Data))
		if hex.EncodeToString(sum[:]) != m.Sum {
			t.Errorf("MAC %q: the derivation of purpose keys changed", m.Purpose)
		}
	}
	for _, s := range v.Sealed {
		ct, _ := hex.DecodeString(s.Sealed)
		nonce, _ := hex.DecodeString(s.Nonce)
		sl := keys.Sealer(s.Purpose)
		pt, err := sl.Open(ct, []byte(s.AD))
		if err != nil || string(pt) != s.Plain {
			t.Errorf("sealed %s %q no longer opens: %v", s.Purpose, s.AD, err)
		}
		if again := sl.seal(nonce, []byte(s.Plain), []byte(s.AD)); !bytes.Equal(again, ct) {
			t.Errorf("sealing %s %q with the vector's nonce gives other bytes: the format changed", s.Purpose, s.AD)
		}
		if len(ct) > SealOverhead {
			bad := bytes.Clone(ct)
			bad[len(bad)-1] ^= 1
			if _, err := sl.Open(bad, []byte(s.AD)); !errors.Is(err, ErrTampered) {
				t.Errorf("a flipped bit in the vector opened: %v", err)
			}
		}
	}
	// STREAM: the committed file opens to the pattern, and writing the
	// pattern again with the vector's salt gives the same bytes.
	sf, err := os.ReadFile(filepath.Join(katDir, v.Stream.File))
	if err != nil {
		t.Fatal(err)
	}
	sl := keys.Sealer(v.Stream.Purpose)
	r, err := sl.NewReader(bytes.NewReader(sf), []byte(v.Stream.AD))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, katStreamPlain()) || len(got) != v.Stream.PlainLen {
		t.Errorf("the STREAM vector no longer opens to its plaintext: %v (%d bytes)", err, len(got))
	}
	salt, _ := hex.DecodeString(v.Stream.Salt)
	var buf bytes.Buffer
	w, err := sl.newWriterSalt(&buf, []byte(v.Stream.AD), StreamChunkSize, salt)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(katStreamPlain())
	w.Close()
	if !bytes.Equal(buf.Bytes(), sf) {
		t.Error("writing the STREAM vector again gives other bytes: the format changed")
	}
	// The key file: the passphrase and the recovery shares open it.
	kb, err := os.ReadFile(filepath.Join(katDir, v.File.File))
	if err != nil {
		t.Fatal(err)
	}
	kf, err := UnmarshalKeyFile(kb)
	if err != nil {
		t.Fatalf("the key file vector no longer parses: %v", err)
	}
	k, err := kf.Unlock(secret.NewString(v.File.Passphrase))
	if err != nil || k.ID() != v.File.KeyID {
		t.Fatalf("the key file vector no longer unlocks: %v", err)
	}
	var shares []secret.String
	for _, s := range v.File.Shares[:2] {
		shares = append(shares, secret.NewString(s))
	}
	if k, err := kf.Recover(shares); err != nil || k.ID() != v.File.KeyID {
		t.Errorf("the key file vector's shares no longer recover it: %v", err)
	}
	if _, err := kf.Unlock(secret.NewString(v.File.Passphrase + "x")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("a wrong passphrase on the vector: %v", err)
	}
}

func writeKAT(t *testing.T) {
	t.Helper()
	os.MkdirAll(katDir, 0o755)
	keys := newKeys(katMaster())
	v := katVectors{Master: hex.EncodeToString(katMaster()), KeyID: keys.ID(), Notes: []string{
		"Known-answer vectors for antidote's vault, written once; see kat_test.go.",
		"Sealed: version (1) || nonce (24) || XChaCha20-Poly1305 ciphertext+tag, key HKDF-SHA256(master, purpose).",
		"The key file uses the insecure test KDF profile; its passphrase protects nothing.",
	}}
	for _, m := range katMACs {
		sum := keys.MAC(m.Purpose).Sum([]byte(m.Data))
		m.Sum = hex.EncodeToString(sum[:])
		v.MACs = append(v.MACs, m)
	}
	for i, s := range katSeals {
		nonce := bytes.Repeat([]byte{byte(0xa0 + i)}, chacha20poly1305.NonceSizeX)
		s.Nonce = hex.EncodeToString(nonce)
		s.Sealed = hex.EncodeToString(keys.Sealer(s.Purpose).seal(nonce, []byte(s.Plain), []byte(s.AD)))
		v.Sealed = append(v.Sealed, s)
	}
	salt := bytes.Repeat([]byte{0x5a}, streamSaltLen)
	var buf bytes.Buffer
	w, err := keys.Sealer("blob").newWriterSalt(&buf, []byte("blob:kat"), StreamChunkSize, salt)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(katStreamPlain())
	w.Close()
	v.Stream = katStream{Purpose: "blob", AD: "blob:kat", Salt: hex.EncodeToString(salt), File: "stream.bin", PlainLen: len(katStreamPlain())}
	os.WriteFile(filepath.Join(katDir, "stream.bin"), buf.Bytes(), 0o644)
	kf, fk, shares, err := NewKeyFile(secret.NewString("kat passphrase"), InsecureKDF(), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := kf.Marshal()
	os.WriteFile(filepath.Join(katDir, "keys.json"), kb, 0o644)
	v.File = katKeyFile{File: "keys.json", Passphrase: "kat passphrase", KeyID: fk.ID()}
	for _, s := range shares {
		v.File.Shares = append(v.File.Shares, s.Reveal())
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(filepath.Join(katDir, "vectors.json"), append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
