package extract

import (
	"archive/zip"
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// Encrypted zip members: the traditional PKWARE cipher ("ZipCrypto") and
// WinZip's AES (AE-1 and AE-2), opened with Options.Passwords. Go's
// archive/zip reads neither and no maintained package that does is
// available, so the members' raw bytes are decrypted here and then
// decompressed like any other member. This decrypts input; nothing is
// encrypted.

const (
	zipFlagEncrypted  = 0x1
	zipFlagDescriptor = 0x8
	zipFlagStrong     = 0x40
	zipMethodAES      = 99
	zipExtraAES       = 0x9901
	zipCryptoHeader   = 12
	winzipVerifier    = 2
	winzipAuthCode    = 10
	winzipIterations  = 1000
)

// errZipPassword says no password opened a member.
var errZipPassword = errors.New("no password opened the member")

// zipDecrypted is an opened encrypted member: its decrypted raw stream, the
// compression method beneath, and whether its CRC is meaningful (AE-2
// blanks it).
type zipDecrypted struct {
	r      io.Reader
	method uint16
	crc    bool
	// verify checks the authentication code once r is read to its end.
	verify func() error
}

// openEncryptedZip decrypts member f, whose raw bytes are at off in d, with
// the first of the walker's passwords that passes the format's check. The
// walker remembers which password opened the last member and tries it
// first: members of one archive share a password.
func (w *walker) openEncryptedZip(d *Doc, f *zip.File, off int64) (*zipDecrypted, error) {
	if f.Flags&zipFlagStrong != 0 {
		return nil, docError(ErrUnsupported, "zip member with PKWARE strong encryption")
	}
	if len(w.opts.Passwords) == 0 {
		return nil, docError(ErrEncrypted, "encrypted zip member")
	}
	raw := io.NewSectionReader(d.Content, off, int64(f.CompressedSize64))
	aesInfo, isAES, err := winzipAESExtra(f)
	if err != nil {
		return nil, err
	}
	n := len(w.opts.Passwords)
	for i := range n {
		k := (w.zipPassword + i) % n
		pw := w.opts.Passwords[k].Reveal()
		var z *zipDecrypted
		if isAES {
			z, err = openWinZipAES(raw, aesInfo, pw)
		} else {
			z, err = openZipCrypto(raw, f, pw)
		}
		if errors.Is(err, errZipPassword) {
			continue
		}
		if err != nil {
			return nil, err
		}
		w.zipPassword = k
		return z, nil
	}
	return nil, wrongPassword("encrypted zip member")
}

// zipCrypto is the traditional PKWARE stream cipher's state.
type zipCrypto struct{ k0, k1, k2 uint32 }

func newZipCrypto(password string) *zipCrypto {
	z := &zipCrypto{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	return z
}

func (z *zipCrypto) update(c byte) {
	z.k0 = crc32.IEEETable[byte(z.k0)^c] ^ z.k0>>8
	z.k1 = (z.k1+z.k0&0xFF)*134775813 + 1
	z.k2 = crc32.IEEETable[byte(z.k2)^byte(z.k1>>24)] ^ z.k2>>8
}

func (z *zipCrypto) decrypt(p []byte) {
	for i, c := range p {
		t := z.k2 | 2
		p[i] = c ^ byte(t*(t^1)>>8)
		z.update(p[i])
	}
}

// zipCryptoReader decrypts a ZipCrypto stream.
type zipCryptoReader struct {
	r io.Reader
	z *zipCrypto
}

func (r *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.z.decrypt(p[:n])
	return n, err
}

// openZipCrypto checks password against the member's 12-byte encryption
// header, whose last byte repeats the CRC's high byte (or, for members
// with a data descriptor, the modification time's): one wrong password in
// 256 passes, and is caught by the CRC after decompression.
func openZipCrypto(raw *io.SectionReader, f *zip.File, password string) (*zipDecrypted, error) {
	var hdr [zipCryptoHeader]byte
	if _, err := raw.ReadAt(hdr[:], 0); err != nil {
		return nil, docError(ErrCorrupt, "encrypted zip member truncated")
	}
	z := newZipCrypto(password)
	z.decrypt(hdr[:])
	want := byte(f.CRC32 >> 24)
	if f.Flags&zipFlagDescriptor != 0 {
		want = byte(f.ModifiedTime >> 8)
	}
	if hdr[zipCryptoHeader-1] != want {
		return nil, errZipPassword
	}
	body := io.NewSectionReader(raw, zipCryptoHeader, raw.Size()-zipCryptoHeader)
	return &zipDecrypted{r: &zipCryptoReader{r: body, z: z}, method: f.Method, crc: true, verify: func() error { return nil }}, nil
}

// winzipAES is the AES extra field of a member.
type winzipAES struct {
	version  uint16 // 1: AE-1, CRC kept; 2: AE-2, CRC blank
	strength byte   // 1, 2, 3: AES-128, -192, -256
	method   uint16 // compression method beneath
}

// winzipAESExtra finds the AES extra field of a member with method 99.
func winzipAESExtra(f *zip.File) (winzipAES, bool, error) {
	if f.Method != zipMethodAES {
		return winzipAES{}, false, nil
	}
	extra := f.Extra
	for len(extra) >= 4 {
		id, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if size > len(extra)-4 {
			break
		}
		body := extra[4 : 4+size]
		extra = extra[4+size:]
		if id != zipExtraAES || size < 7 || !bytes.Equal(body[2:4], []byte("AE")) {
			continue
		}
		a := winzipAES{version: binary.LittleEndian.Uint16(body), strength: body[4], method: binary.LittleEndian.Uint16(body[5:])}
		if a.strength < 1 || a.strength > 3 {
			return a, true, docError(ErrUnsupported, "zip member AES strength")
		}
		return a, true, nil
	}
	return winzipAES{}, true, docError(ErrCorrupt, "zip member AES field missing")
}

// openWinZipAES derives the member's keys from password and its salt
// (PBKDF2-HMAC-SHA1, 1000 rounds) and checks the 2-byte verifier: one wrong
// password in 65536 passes, and fails the authentication code.
func openWinZipAES(raw *io.SectionReader, a winzipAES, password string) (*zipDecrypted, error) {
	keyLen := 8 + 8*int(a.strength) // 16, 24, 32
	saltLen := keyLen / 2
	body := raw.Size() - int64(saltLen) - winzipVerifier - winzipAuthCode
	if body < 0 {
		return nil, docError(ErrCorrupt, "encrypted zip member truncated")
	}
	head := make([]byte, saltLen+winzipVerifier)
	if _, err := raw.ReadAt(head, 0); err != nil {
		return nil, docError(ErrCorrupt, "encrypted zip member truncated")
	}
	keys, err := pbkdf2.Key(sha1.New, password, head[:saltLen], winzipIterations, 2*keyLen+winzipVerifier)
	if err != nil {
		return nil, errZipPassword
	}
	if subtle.ConstantTimeCompare(keys[2*keyLen:], head[saltLen:]) != 1 {
		return nil, errZipPassword
	}
	block, err := aes.NewCipher(keys[:keyLen])
	if err != nil {
		return nil, docError(ErrCorrupt, "zip member AES key")
	}
	mac := hmac.New(sha1.New, keys[keyLen:2*keyLen])
	data := io.NewSectionReader(raw, int64(saltLen+winzipVerifier), body)
	r := &winzipReader{r: io.TeeReader(data, mac), block: block}
	verify := func() error {
		var code [winzipAuthCode]byte
		if _, err := raw.ReadAt(code[:], raw.Size()-winzipAuthCode); err != nil {
			return errors.New("zip member authentication code unreadable")
		}
		if !hmac.Equal(mac.Sum(nil)[:winzipAuthCode], code[:]) {
			return errors.New("zip member authentication failed")
		}
		return nil
	}
	return &zipDecrypted{r: r, method: a.method, crc: a.version != 2, verify: verify}, nil
}

// winzipReader decrypts AES in WinZip's counter mode: the counter is a
// little-endian integer starting at 1.
type winzipReader struct {
	r       io.Reader
	block   interface{ Encrypt(dst, src []byte) }
	counter [aes.BlockSize]byte
	stream  [aes.BlockSize]byte
	used    int // keystream bytes of stream consumed
	started bool
}

func (w *winzipReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	for i := range p[:n] {
		if !w.started || w.used == aes.BlockSize {
			w.started = true
			for j := range w.counter {
				w.counter[j]++
				if w.counter[j] != 0 {
					break
				}
			}
			w.block.Encrypt(w.stream[:], w.counter[:])
			w.used = 0
		}
		p[i] ^= w.stream[w.used]
		w.used++
	}
	return n, err
}
