// Package shamir splits a secret into n shares of which any k reconstruct it
// and fewer reveal nothing about it (Shamir's scheme over GF(2^8), byte by
// byte). It is antidote's own implementation because no maintained standalone
// module exists; the well-known one lives inside a very large server module.
//
// A share is one byte x (1..255, never 0, which would be the secret itself)
// followed by one byte per secret byte. Combine cannot tell whether it was given
// enough shares: fewer than k shares, or shares from different splits, yield a
// wrong secret without an error. Callers must verify the result (antidote's
// vault compares a key identifier). The package does no I/O and never logs.
package shamir

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// MaxShares is the largest number of shares Split can produce: x runs over the
// nonzero elements of GF(2^8).
const MaxShares = 255

// Split divides secret into n shares, any k of which reconstruct it.
// It requires 2 ≤ k ≤ n ≤ 255 and a non-empty secret.
func Split(secret []byte, n, k int) ([][]byte, error) {
	return split(secret, n, k, rand.Reader)
}

// split draws the random coefficients from r so tests can fix them.
func split(secret []byte, n, k int, r io.Reader) ([][]byte, error) {
	switch {
	case len(secret) == 0:
		return nil, errors.New("shamir: split: the secret is empty")
	case k < 2:
		return nil, fmt.Errorf("shamir: split: threshold %d is below 2; a single share would be the secret itself", k)
	case n < k:
		return nil, fmt.Errorf("shamir: split: %d shares cannot meet a threshold of %d", n, k)
	case n > MaxShares:
		return nil, fmt.Errorf("shamir: split: %d shares requested, at most %d possible", n, MaxShares)
	}
	shares := make([][]byte, n)
	for i := range shares {
		shares[i] = make([]byte, 1+len(secret))
		shares[i][0] = byte(i + 1)
	}
	// coeffs holds the k-1 random coefficients of one byte's polynomial; the
	// constant term is the secret byte.
	coeffs := make([]byte, k-1)
	defer clear(coeffs)
	for j, s := range secret {
		if _, err := io.ReadFull(r, coeffs); err != nil {
			for _, sh := range shares {
				clear(sh)
			}
			return nil, fmt.Errorf("shamir: split: read randomness: %w", err)
		}
		for _, sh := range shares {
			sh[1+j] = eval(s, coeffs, sh[0])
		}
	}
	return shares, nil
}

// eval returns c0 + c[0]·x + c[1]·x² + … by Horner's rule.
func eval(c0 byte, c []byte, x byte) byte {
	var y byte
	for i := len(c) - 1; i >= 0; i-- {
		y = mul(y, x) ^ c[i]
	}
	return mul(y, x) ^ c0
}

// Combine reconstructs a secret from shares made by Split. It reports an error
// for fewer than two shares, shares of different lengths, an x of 0 or the same
// x twice. Given fewer shares than the split's threshold it returns a wrong
// secret: verify the result.
func Combine(shares [][]byte) ([]byte, error) {
	if len(shares) < 2 {
		return nil, fmt.Errorf("shamir: combine: %d shares given, at least 2 needed", len(shares))
	}
	size := len(shares[0])
	if size < 2 {
		return nil, errors.New("shamir: combine: share 1 is too short to hold any secret")
	}
	var seen [256]bool
	for i, sh := range shares {
		if len(sh) != size {
			return nil, fmt.Errorf("shamir: combine: share %d has length %d, share 1 has %d; they come from different splits", i+1, len(sh), size)
		}
		// x is public (it is the share's number), so branching on it is fine.
		x := sh[0]
		if x == 0 {
			return nil, fmt.Errorf("shamir: combine: share %d has x = 0, which Split never produces", i+1)
		}
		if seen[x] {
			return nil, fmt.Errorf("shamir: combine: two shares have the same x = %d", x)
		}
		seen[x] = true
	}
	// Lagrange interpolation at 0: secret = Σ yᵢ·Lᵢ(0) with
	// Lᵢ(0) = Π_{j≠i} xⱼ/(xⱼ - xᵢ); subtraction is XOR in GF(2^8).
	// The basis values depend only on the public xs.
	basis := make([]byte, len(shares))
	for i, si := range shares {
		num, den := byte(1), byte(1)
		for j, sj := range shares {
			if i == j {
				continue
			}
			num = mul(num, sj[0])
			den = mul(den, sj[0]^si[0])
		}
		basis[i] = mul(num, inv(den))
	}
	secret := make([]byte, size-1)
	for b := range secret {
		var v byte
		for i, sh := range shares {
			v ^= mul(sh[1+b], basis[i])
		}
		secret[b] = v
	}
	return secret, nil
}
