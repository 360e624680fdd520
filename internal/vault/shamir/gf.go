package shamir

// Arithmetic in GF(2^8) with the AES reduction polynomial x^8+x^4+x^3+x+1.
//
// The usual log/exp tables index memory by secret bytes, which leaks them
// through the cache to anything sharing the CPU. The secrets split here are
// short (a 32-byte key), so speed does not matter and both operations are
// written without tables or secret-dependent branches: mul runs a fixed eight
// rounds with masks, inv raises to the 254th power with a fixed sequence of
// multiplications. The Go compiler gives no formal constant-time guarantee,
// hence "constant-time-ish", but nothing here branches on or indexes by a
// secret.

// mul returns a·b in GF(2^8).
func mul(a, b byte) byte {
	var p byte
	for range 8 {
		// mask is 0xff when the low bit of b is set, else 0.
		mask := -(b & 1)
		p ^= a & mask
		// Multiply a by x, reducing by 0x1b when the high bit falls off.
		hi := -(a >> 7)
		a = a<<1 ^ 0x1b&hi
		b >>= 1
	}
	return p
}

// inv returns the multiplicative inverse of a, and 0 for 0. In GF(2^8),
// a^255 = 1 for a ≠ 0, so a^254 = a^-1; 0^254 = 0.
func inv(a byte) byte {
	// 254 = 0b11111110: square-and-multiply with a fixed schedule.
	a2 := mul(a, a)     // a^2
	a3 := mul(a2, a)    // a^3
	a6 := mul(a3, a3)   // a^6
	a12 := mul(a6, a6)  // a^12
	a15 := mul(a12, a3) // a^15
	a30 := mul(a15, a15)
	a60 := mul(a30, a30)
	a120 := mul(a60, a60)
	a126 := mul(a120, a6)
	a252 := mul(a126, a126)
	return mul(a252, a2) // a^254
}
