package vault

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"antidote/internal/secret"
)

// FuzzStreamReader feeds arbitrary bytes to the stream reader. It must never
// panic, and it may only succeed on a stream the writer produced: forging one
// would mean breaking the AEAD.
func FuzzStreamReader(f *testing.F) {
	// Seeds are built with fixed salts: fuzzing workers run in other
	// processes and must rebuild the same set.
	s := testKeys(f).Sealer("blob")
	seeds := map[string]bool{}
	for i, n := range []int{0, 1, smallChunk, 2*smallChunk + 3} {
		var buf bytes.Buffer
		w, err := s.newWriterSalt(&buf, nil, smallChunk, bytes.Repeat([]byte{byte(i)}, streamSaltLen))
		if err != nil {
			f.Fatal(err)
		}
		w.Write(pattern(n))
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		seeds[buf.String()] = true
		f.Add(buf.Bytes())
	}
	f.Add([]byte{})
	f.Add([]byte{streamVersion})
	f.Fuzz(func(t *testing.T, ct []byte) {
		got, err := openStream(s, ct, nil, smallChunk)
		if err == nil {
			if !seeds[string(ct)] {
				t.Fatalf("a stream the writer never produced opened (%d bytes)", len(ct))
			}
			return
		}
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("error %v is neither ErrTampered nor ErrUnsupportedVersion", err)
		}
		if !bytes.Equal(got, pattern(len(got))) {
			// Anything released came from an authenticated chunk of some seed,
			// and every seed's plaintext is a prefix of pattern.
			t.Fatalf("released %d bytes that no seed contains", len(got))
		}
	})
}

// FuzzStreamRoundTrip writes arbitrary data in arbitrary pieces and reads it
// back in arbitrary pieces.
func FuzzStreamRoundTrip(f *testing.F) {
	s := testKeys(f).Sealer("blob")
	f.Add([]byte("hello"), uint8(3), uint8(5))
	f.Add(pattern(3*smallChunk), uint8(smallChunk), uint8(1))
	f.Add([]byte{}, uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, pt []byte, wstep, rstep uint8) {
		if wstep == 0 || rstep == 0 {
			return
		}
		var buf bytes.Buffer
		w, err := s.newWriter(&buf, []byte("ad"), smallChunk)
		if err != nil {
			t.Fatal(err)
		}
		for rest := pt; len(rest) > 0; {
			n := min(int(wstep), len(rest))
			if _, err := w.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != encLen(len(pt), smallChunk) {
			t.Fatalf("sealed length %d, want %d", buf.Len(), encLen(len(pt), smallChunk))
		}
		r, err := s.newReader(&buf, []byte("ad"), smallChunk)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		p := make([]byte, rstep)
		for {
			n, err := r.Read(p)
			got = append(got, p[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, pt) {
			t.Fatal("round trip changed the data")
		}
	})
}

// FuzzOpen checks that Open never panics and never accepts a forgery.
func FuzzOpen(f *testing.F) {
	s := testKeys(f).Sealer("meta")
	valid := s.seal(make([]byte, 24), []byte("value"), []byte("ad")) // fixed: workers rebuild it
	f.Add(valid, []byte("ad"))
	f.Add([]byte{sealVersion}, []byte{})
	f.Fuzz(func(t *testing.T, ct, ad []byte) {
		pt, err := s.Open(ct, ad)
		if err == nil && !(bytes.Equal(ct, valid) && string(ad) == "ad" && string(pt) == "value") {
			t.Fatal("Open accepted a value Seal never produced")
		}
	})
}

// FuzzUnmarshalKeyFile parses arbitrary key files. It must never panic; what
// parses must survive Marshal unchanged; and unlocking a parsed file with cheap
// KDF settings must fail cleanly rather than panic.
func FuzzUnmarshalKeyFile(f *testing.F) {
	kf, _, _, err := NewKeyFile(pass1, InsecureKDF(), 3, 2)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kf.Marshal()
	f.Add(good)
	plain, _, _, _ := NewKeyFile(pass1, InsecureKDF(), 0, 0)
	data, _ := plain.Marshal()
	f.Add(data)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := UnmarshalKeyFile(data)
		if err != nil {
			return
		}
		out, err := kf.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := UnmarshalKeyFile(out)
		if err != nil {
			t.Fatalf("re-parse of marshalled key file: %v", err)
		}
		out2, _ := again.Marshal()
		if !bytes.Equal(out, out2) {
			t.Fatal("Marshal is not stable")
		}
		if p := kf.KDF(); p.MemoryKiB <= 1024 && p.Time <= 2 {
			if _, err := kf.Unlock(secret.NewString("guess")); err == nil {
				t.Fatal("a wrong passphrase unlocked a fuzzed key file")
			}
			kf.Recover([]secret.String{secret.NewString("antidote-share-1-aaaa")})
		}
	})
}

// FuzzParseShare never panics, and what parses formats back to a share that
// parses to the same value.
func FuzzParseShare(f *testing.F) {
	f.Add(formatShare(testShare()).Reveal())
	f.Add("antidote-share-1-")
	f.Add("antidote-share-255-aaaaa")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := parseShare(secret.NewString(text))
		if err != nil {
			return
		}
		back, err := parseShare(formatShare(s))
		if err != nil {
			t.Fatalf("formatted share does not parse: %v", err)
		}
		if back.setID != s.setID || back.threshold != s.threshold || !bytes.Equal(back.point, s.point) {
			t.Fatal("share changed across format and parse")
		}
	})
}
