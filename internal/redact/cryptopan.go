package redact

import (
	"crypto/aes"
	"encoding/binary"
	"net/netip"
)

// prefixPreserver maps IP addresses one-to-one so that two addresses
// sharing a k-bit prefix map to addresses sharing a k-bit prefix, after
// Crypto-PAn (Xu, Fan, Ammar, Moon: "Prefix-Preserving IP Address
// Anonymization", ICNP 2002). Bit i of the output is bit i of the input
// XOR the first bit of AES_K(the input's first i bits, padded with the
// secret pad's remaining bits). The key's first 16 bytes are the AES key;
// the pad is the AES encryption of its last 16 bytes. For IPv4 the layout
// matches the reference implementation, so its sample trace is a test
// vector; IPv6 extends the same construction to 128 bits.
//
// An analyst who knows some real addresses and their images can recover
// the mapping of their prefixes: this is for analysis, not publication.
type prefixPreserver struct {
	enc interface{ Encrypt(dst, src []byte) }
	pad [16]byte
}

func newPrefixPreserver(key [32]byte) *prefixPreserver {
	b, err := aes.NewCipher(key[:16])
	if err != nil {
		panic("redact: AES-128 key of 16 bytes rejected: " + err.Error())
	}
	p := &prefixPreserver{enc: b}
	b.Encrypt(p.pad[:], key[16:])
	return p
}

// bit returns the first bit of AES_K(in).
func (p *prefixPreserver) bit(in *[16]byte) uint64 {
	var out [16]byte
	p.enc.Encrypt(out[:], in[:])
	return uint64(out[0] >> 7)
}

func (p *prefixPreserver) anon4(a uint32) uint32 {
	in := p.pad
	padHi := binary.BigEndian.Uint32(p.pad[:4])
	var otp uint32
	for pos := 0; pos < 32; pos++ {
		mask := ^uint32(0) << (32 - pos) // the first pos bits (a shift by 32 gives 0)
		binary.BigEndian.PutUint32(in[:4], a&mask|padHi&^mask)
		otp |= uint32(p.bit(&in)) << (31 - pos)
	}
	return a ^ otp
}

func (p *prefixPreserver) anon6(hi, lo uint64) (uint64, uint64) {
	padHi := binary.BigEndian.Uint64(p.pad[:8])
	padLo := binary.BigEndian.Uint64(p.pad[8:])
	var in [16]byte
	var oh, ol uint64
	for pos := 0; pos < 128; pos++ {
		var xh, xl uint64
		if pos < 64 {
			mask := ^uint64(0) << (64 - pos)
			xh, xl = hi&mask|padHi&^mask, padLo
		} else {
			mask := ^uint64(0) << (128 - pos)
			xh, xl = hi, lo&mask|padLo&^mask
		}
		binary.BigEndian.PutUint64(in[:8], xh)
		binary.BigEndian.PutUint64(in[8:], xl)
		b := p.bit(&in)
		if pos < 64 {
			oh |= b << (63 - pos)
		} else {
			ol |= b << (127 - pos)
		}
	}
	return hi ^ oh, lo ^ ol
}

// anon maps an address; IPv4 stays IPv4 and IPv6 (including IPv4-mapped
// forms) stays IPv6. The zone is dropped.
func (p *prefixPreserver) anon(a netip.Addr) netip.Addr {
	if a.Is4() {
		b := a.As4()
		v := p.anon4(binary.BigEndian.Uint32(b[:]))
		binary.BigEndian.PutUint32(b[:], v)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	h, l := p.anon6(binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
	binary.BigEndian.PutUint64(b[:8], h)
	binary.BigEndian.PutUint64(b[8:], l)
	return netip.AddrFrom16(b)
}
