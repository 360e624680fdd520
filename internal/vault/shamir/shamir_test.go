package shamir

import (
	"bytes"
	"crypto/rand"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// refMul is a slow, obviously correct multiplication: carry-less product, then
// reduction modulo x^8+x^4+x^3+x+1.
func refMul(a, b byte) byte {
	var p uint16
	for i := range 8 {
		if b>>i&1 == 1 {
			p ^= uint16(a) << i
		}
	}
	for i := 15; i >= 8; i-- {
		if p>>i&1 == 1 {
			p ^= 0x11b << (i - 8)
		}
	}
	return byte(p)
}

func TestMulMatchesReference(t *testing.T) {
	for a := range 256 {
		for b := range 256 {
			if got, want := mul(byte(a), byte(b)), refMul(byte(a), byte(b)); got != want {
				t.Fatalf("mul(%#x, %#x) = %#x, want %#x", a, b, got, want)
			}
		}
	}
	// FIPS-197 §4.2 worked example.
	if got := mul(0x57, 0x83); got != 0xc1 {
		t.Fatalf("mul(0x57, 0x83) = %#x, want 0xc1", got)
	}
}

func TestInv(t *testing.T) {
	if inv(0) != 0 {
		t.Fatal("inv(0) != 0")
	}
	for a := 1; a < 256; a++ {
		if got := mul(byte(a), inv(byte(a))); got != 1 {
			t.Fatalf("a·inv(a) = %#x for a = %#x", got, a)
		}
	}
	// FIPS-197 §5.1.1: the inverse of 0x53 is 0xca.
	if inv(0x53) != 0xca {
		t.Fatalf("inv(0x53) = %#x, want 0xca", inv(0x53))
	}
}

func TestSplitArguments(t *testing.T) {
	secret := []byte("key")
	cases := []struct {
		name   string
		secret []byte
		n, k   int
		ok     bool
	}{
		{"smallest valid split", secret, 2, 2, true},
		{"largest valid split", secret, 255, 255, true},
		{"threshold of one would hand out the secret", secret, 3, 1, false},
		{"threshold zero", secret, 3, 0, false},
		{"fewer shares than threshold", secret, 2, 3, false},
		{"more shares than GF(2^8) has nonzero points", secret, 256, 2, false},
		{"empty secret", nil, 3, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shares, err := Split(c.secret, c.n, c.k)
			if c.ok != (err == nil) {
				t.Fatalf("Split(n=%d, k=%d) error = %v, want ok=%v", c.n, c.k, err, c.ok)
			}
			if c.ok && len(shares) != c.n {
				t.Fatalf("got %d shares, want %d", len(shares), c.n)
			}
		})
	}
}

// TestAnyKRecover checks, for many (n, k), that random k-subsets and larger
// subsets reconstruct the secret and that k-1 shares do not.
func TestAnyKRecover(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for _, nk := range [][2]int{{2, 2}, {3, 2}, {3, 3}, {5, 3}, {7, 4}, {10, 10}, {255, 2}, {255, 17}} {
		n, k := nk[0], nk[1]
		secret := make([]byte, 32)
		rand.Read(secret)
		shares, err := Split(secret, n, k)
		if err != nil {
			t.Fatal(err)
		}
		for trial := range 20 {
			perm := rng.Perm(n)
			size := k + rng.IntN(n-k+1)
			subset := make([][]byte, size)
			for i := range size {
				subset[i] = shares[perm[i]]
			}
			got, err := Combine(subset)
			if err != nil {
				t.Fatalf("n=%d k=%d trial %d: %v", n, k, trial, err)
			}
			if !bytes.Equal(got, secret) {
				t.Fatalf("n=%d k=%d trial %d: %d shares gave a wrong secret", n, k, trial, size)
			}
			if k > 2 {
				got, err := Combine(subset[:k-1])
				if err != nil {
					t.Fatalf("n=%d k=%d: combine k-1: %v", n, k, err)
				}
				if bytes.Equal(got, secret) {
					t.Fatalf("n=%d k=%d: %d shares reconstructed the secret", n, k, k-1)
				}
			}
		}
	}
}

// byteReader yields the same byte forever, to fix Split's coefficients.
type byteReader byte

func (b byteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestOneShareIsUniform checks that with k = 2, as the random coefficient runs
// over all of GF(2^8), any single share's y takes every value exactly once
// whatever the secret: one share alone carries no information.
func TestOneShareIsUniform(t *testing.T) {
	for _, s := range []byte{0x00, 0x01, 0x80, 0xff} {
		for x := range 5 {
			var seen [256]int
			for a := range 256 {
				shares, err := split([]byte{s}, 5, 2, byteReader(a))
				if err != nil {
					t.Fatal(err)
				}
				seen[shares[x][1]]++
			}
			for y, c := range seen {
				if c != 1 {
					t.Fatalf("secret %#x share %d: y = %#x occurs %d times over all coefficients", s, x+1, y, c)
				}
			}
		}
	}
}

// TestKMinusOneAreConsistentWithAnySecret checks the stronger property for
// k = 3: for two fixed shares, every candidate secret byte is explained by
// exactly one coefficient pair, so they rule out nothing.
func TestKMinusOneAreConsistentWithAnySecret(t *testing.T) {
	// Fix two shares from a real split, then for each candidate secret count the
	// coefficient pairs (a1, a2) that reproduce both shares.
	shares, err := Split([]byte{0x42}, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	x1, y1, x2, y2 := shares[0][0], shares[0][1], shares[1][0], shares[1][1]
	for s := range 256 {
		count := 0
		for a1 := range 256 {
			for a2 := range 256 {
				c := []byte{byte(a1), byte(a2)}
				if eval(byte(s), c, x1) == y1 && eval(byte(s), c, x2) == y2 {
					count++
				}
			}
		}
		if count != 1 {
			t.Fatalf("candidate secret %#x explained by %d coefficient pairs, want 1", s, count)
		}
	}
}

func TestCombineRejects(t *testing.T) {
	shares, err := Split([]byte("secret"), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		shares [][]byte
		want   string
	}{
		{"no shares", nil, "at least 2"},
		{"one share", shares[:1], "at least 2"},
		{"same share twice", [][]byte{shares[0], shares[0]}, "same x"},
		{"different lengths", [][]byte{shares[0], shares[1][:4]}, "different splits"},
		{"x of zero", [][]byte{shares[0], append([]byte{0}, shares[1][1:]...)}, "x = 0"},
		{"share with no data", [][]byte{{1}, {2}}, "too short"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Combine(c.shares)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Combine error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func FuzzCombine(f *testing.F) {
	shares, _ := Split([]byte("0123456789abcdef0123456789abcdef"), 3, 2)
	f.Add(bytes.Join(shares, nil), uint8(33))
	f.Add([]byte{1, 2, 3, 4}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		if size == 0 {
			return
		}
		var in [][]byte
		for len(data) >= int(size) {
			in = append(in, data[:size])
			data = data[size:]
		}
		got, err := Combine(in)
		if err == nil && len(got) != int(size)-1 {
			t.Fatalf("secret length %d from shares of length %d", len(got), size)
		}
		// Two-share round trip: splitting the result again and combining
		// returns it.
		if err == nil && len(got) > 0 {
			again, err := Split(got, 2, 2)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Combine(again)
			if err != nil || !bytes.Equal(back, got) {
				t.Fatalf("re-split round trip failed: %v", err)
			}
		}
	})
}
