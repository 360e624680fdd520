package vault

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Streams seal files of any size (a leak can hold a 10 GB archive) in constant
// memory.
//
// Why hand-written: age implements the same construction, but its files are
// addressed to recipients (X25519 keys or an scrypt passphrase per file), and
// antidote seals thousands of files under one symmetric workspace key with no
// per-file KDF. The construction below follows age's payload format and the
// STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár (2015):
//
//	header: version (1 byte) || salt (32 random bytes)
//	key:    HKDF-SHA256(sealer key, salt, "antidote/vault/v1/stream" || version || ad)
//	body:   chunks of ChaCha20-Poly1305(key, nonce, 64 KiB of plaintext)
//	nonce:  chunk counter (11 bytes, big-endian) || last-chunk flag (1 byte)
//
// A fresh key per file makes counter nonces safe. Binding the counter detects
// reordering and dropped chunks; the last-chunk flag detects truncation at a
// chunk boundary and appended data; ad in the key binds the file to its place.
// Only the final chunk may be shorter than 64 KiB, and it is empty only when
// the whole plaintext is.

const (
	streamVersion   = 1
	streamSaltLen   = 32
	streamHeaderLen = 1 + streamSaltLen
	streamInfo      = "antidote/vault/v1/stream\x00"

	// StreamChunkSize is the plaintext size of every chunk but the last.
	StreamChunkSize = 64 << 10
)

// streamKey derives the per-file key.
func (s *Sealer) streamKey(salt, ad []byte) cipher.AEAD {
	info := make([]byte, 0, len(streamInfo)+1+len(ad))
	info = append(append(append(info, streamInfo...), streamVersion), ad...)
	key, err := hkdf.Key(sha256.New, s.key, salt, string(info), chacha20poly1305.KeySize)
	if err != nil {
		panic("vault: derive stream key: " + err.Error()) // fixed length
	}
	aead, err := chacha20poly1305.New(key)
	clear(key)
	if err != nil {
		panic("vault: stream cipher: " + err.Error())
	}
	return aead
}

// streamNonce fills nonce for chunk counter.
func streamNonce(nonce *[chacha20poly1305.NonceSize]byte, counter uint64, last bool) {
	clear(nonce[:3])
	binary.BigEndian.PutUint64(nonce[3:11], counter)
	nonce[11] = 0
	if last {
		nonce[11] = 1
	}
}

// NewWriter returns a writer that seals everything written to it into w,
// bound to ad (see Seal). It writes the header at once. Close must be called
// to write the final chunk; a stream without it fails to open as truncated.
// Close does not close w.
func (s *Sealer) NewWriter(w io.Writer, ad []byte) (io.WriteCloser, error) {
	return s.newWriter(w, ad, StreamChunkSize)
}

func (s *Sealer) newWriter(w io.Writer, ad []byte, chunkSize int) (*streamWriter, error) {
	var salt [streamSaltLen]byte
	rand.Read(salt[:])
	return s.newWriterSalt(w, ad, chunkSize, salt[:])
}

// newWriterSalt takes the salt so tests can build fixed streams.
func (s *Sealer) newWriterSalt(w io.Writer, ad []byte, chunkSize int, salt []byte) (*streamWriter, error) {
	var header [streamHeaderLen]byte
	header[0] = streamVersion
	copy(header[1:], salt)
	if _, err := w.Write(header[:]); err != nil {
		return nil, fmt.Errorf("vault: write sealed stream header: %w", err)
	}
	return &streamWriter{
		w:         w,
		aead:      s.streamKey(header[1:], ad),
		chunkSize: chunkSize,
		buf:       make([]byte, 0, chunkSize+chacha20poly1305.Overhead),
	}, nil
}

type streamWriter struct {
	w         io.Writer
	aead      cipher.AEAD
	chunkSize int
	buf       []byte // pending plaintext, at most chunkSize
	counter   uint64
	nonce     [chacha20poly1305.NonceSize]byte
	err       error // sticky
}

var errWriterClosed = errors.New("vault: write to a closed sealed stream")

func (sw *streamWriter) Write(p []byte) (int, error) {
	if sw.err != nil {
		return 0, sw.err
	}
	n := 0
	for len(p) > 0 {
		// A full buffer is flushed only once more data arrives, because only
		// then is it known not to be the last chunk.
		if len(sw.buf) == sw.chunkSize {
			if err := sw.flush(false); err != nil {
				sw.err = err
				return n, err
			}
		}
		c := copy(sw.buf[len(sw.buf):sw.chunkSize], p)
		sw.buf = sw.buf[:len(sw.buf)+c]
		p = p[c:]
		n += c
	}
	return n, nil
}

// Close seals and writes the final chunk.
func (sw *streamWriter) Close() error {
	if sw.err != nil {
		if sw.err == errWriterClosed {
			return nil
		}
		return sw.err
	}
	err := sw.flush(true)
	clear(sw.buf[:cap(sw.buf)])
	if err != nil {
		sw.err = err
		return err
	}
	sw.err = errWriterClosed
	return nil
}

func (sw *streamWriter) flush(last bool) error {
	streamNonce(&sw.nonce, sw.counter, last)
	out := sw.aead.Seal(sw.buf[:0], sw.nonce[:], sw.buf, nil)
	if _, err := sw.w.Write(out); err != nil {
		return fmt.Errorf("vault: write sealed stream chunk %d: %w", sw.counter, err)
	}
	sw.buf = sw.buf[:0]
	if sw.counter == ^uint64(0) {
		return errors.New("vault: sealed stream exceeds 2^64 chunks")
	}
	sw.counter++
	return nil
}

// NewReader returns a reader of the plaintext of a stream made by NewWriter
// with the same ad. It reads the header at once. Plaintext is released one
// chunk at a time, each only after it authenticated; a stream that was
// altered, truncated, reordered or extended yields an error wrapping
// ErrTampered, at the latest where the damage is, so consumers must treat
// everything read before an error as untrusted and discard it.
func (s *Sealer) NewReader(r io.Reader, ad []byte) (io.Reader, error) {
	return s.newReader(r, ad, StreamChunkSize)
}

func (s *Sealer) newReader(r io.Reader, ad []byte, chunkSize int) (*streamReader, error) {
	var header [streamHeaderLen]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("vault: open sealed stream: header truncated: %w", ErrTampered)
		}
		return nil, fmt.Errorf("vault: open sealed stream: read header: %w", err)
	}
	if header[0] != streamVersion {
		return nil, fmt.Errorf("vault: open sealed stream: format %d: %w", header[0], ErrUnsupportedVersion)
	}
	return &streamReader{
		r:         r,
		aead:      s.streamKey(header[1:], ad),
		chunkSize: chunkSize,
		in:        make([]byte, chunkSize+chacha20poly1305.Overhead+1),
	}, nil
}

type streamReader struct {
	r         io.Reader
	aead      cipher.AEAD
	chunkSize int
	// in holds one sealed chunk plus one byte read ahead, which tells a full
	// final chunk from a full middle one.
	in       []byte
	ahead    byte
	hasAhead bool
	out      []byte // authenticated plaintext not yet returned
	counter  uint64
	nonce    [chacha20poly1305.NonceSize]byte
	done     bool
	err      error // sticky
}

func (sr *streamReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(sr.out) == 0 {
		if sr.err != nil {
			return 0, sr.err
		}
		if sr.done {
			return 0, io.EOF
		}
		if err := sr.next(); err != nil {
			sr.err = err
			sr.out = nil
		}
	}
	n := copy(p, sr.out)
	sr.out = sr.out[n:]
	return n, nil
}

// next reads, authenticates and decrypts one chunk into sr.out.
func (sr *streamReader) next() error {
	encSize := sr.chunkSize + chacha20poly1305.Overhead
	buf := sr.in[:encSize+1]
	start := 0
	if sr.hasAhead {
		buf[0] = sr.ahead
		start = 1
	}
	n, err := io.ReadFull(sr.r, buf[start:])
	n += start
	last := false
	switch err {
	case nil:
		sr.ahead, sr.hasAhead = buf[encSize], true
		buf = buf[:encSize]
	case io.EOF, io.ErrUnexpectedEOF:
		last = true
		buf = buf[:n]
	default:
		return fmt.Errorf("vault: read sealed stream chunk %d: %w", sr.counter, err)
	}
	if len(buf) < chacha20poly1305.Overhead {
		return fmt.Errorf("vault: open sealed stream: truncated at chunk %d: %w", sr.counter, ErrTampered)
	}
	streamNonce(&sr.nonce, sr.counter, last)
	pt, err := sr.aead.Open(buf[:0], sr.nonce[:], buf, nil)
	if err != nil {
		return fmt.Errorf("vault: open sealed stream: chunk %d: %w", sr.counter, ErrTampered)
	}
	if last && len(pt) == 0 && sr.counter > 0 {
		// The writer never makes an empty final chunk after a full one.
		return fmt.Errorf("vault: open sealed stream: empty final chunk %d: %w", sr.counter, ErrTampered)
	}
	if last {
		sr.done = true
	} else {
		if sr.counter == ^uint64(0) {
			return errors.New("vault: sealed stream exceeds 2^64 chunks")
		}
		sr.counter++
	}
	sr.out = pt
	return nil
}
