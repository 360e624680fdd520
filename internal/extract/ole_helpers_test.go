package extract

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf16"
)

// cfbEntry is a stream of a compound file to build, named by its path
// ("storage/stream").
type cfbEntry struct {
	path string
	data []byte
}

const (
	cfbFree   = 0xFFFFFFFF
	cfbEnd    = 0xFFFFFFFE
	cfbFATSec = 0xFFFFFFFD
	cfbNone   = 0xFFFFFFFF
)

// cfbBuild writes a version 3 compound file ([MS-CFB]) holding the given
// streams, storages made from their paths. Streams under 4096 bytes go to
// the mini stream, as the format requires. mutate, if set, may damage the
// FAT before it is written (its argument maps each stream path to its
// first regular sector, and the FAT).
func cfbBuild(entries []cfbEntry, mutate func(first map[string]uint32, fat []uint32)) []byte {
	type node struct {
		name     string
		kind     byte // 1 storage, 2 stream, 5 root
		data     []byte
		children []int
		start    uint32
		size     uint64
	}
	nodes := []*node{{name: "Root Entry", kind: 5}}
	find := func(parent int, name string, kind byte) int {
		for _, c := range nodes[parent].children {
			if nodes[c].name == name {
				return c
			}
		}
		nodes = append(nodes, &node{name: name, kind: kind})
		nodes[parent].children = append(nodes[parent].children, len(nodes)-1)
		return len(nodes) - 1
	}
	for _, e := range entries {
		parts := strings.Split(e.path, "/")
		at := 0
		for _, p := range parts[:len(parts)-1] {
			at = find(at, p, 1)
		}
		i := find(at, parts[len(parts)-1], 2)
		nodes[i].data = e.data
		nodes[i].size = uint64(len(e.data))
	}
	var sectors [][]byte // regular sectors, 512 bytes each
	var fat []uint32
	chain := func(data []byte) uint32 {
		if len(data) == 0 {
			return cfbEnd
		}
		first := uint32(len(sectors))
		for off := 0; off < len(data); off += 512 {
			s := make([]byte, 512)
			copy(s, data[off:])
			sectors = append(sectors, s)
			fat = append(fat, uint32(len(sectors)))
		}
		fat[len(fat)-1] = cfbEnd
		return first
	}
	// Mini stream and mini FAT.
	var mini []byte
	var miniFAT []uint32
	firstRegular := map[string]uint32{}
	for i, n := range nodes {
		if n.kind != 2 {
			continue
		}
		if len(n.data) >= 4096 {
			n.start = chain(n.data)
			firstRegular[nodes[i].name] = n.start
			continue
		}
		if len(n.data) == 0 {
			n.start = cfbEnd
			continue
		}
		n.start = uint32(len(mini) / 64)
		for off := 0; off < len(n.data); off += 64 {
			s := make([]byte, 64)
			copy(s, n.data[off:])
			mini = append(mini, s...)
			miniFAT = append(miniFAT, uint32(len(mini)/64))
		}
		miniFAT[len(miniFAT)-1] = cfbEnd
	}
	nodes[0].start = chain(mini)
	nodes[0].size = uint64(len(mini))
	if nodes[0].start == cfbEnd {
		nodes[0].start = cfbEnd
	}
	var mfBytes []byte
	for _, v := range miniFAT {
		mfBytes = binary.LittleEndian.AppendUint32(mfBytes, v)
	}
	firstMiniFAT := uint32(cfbEnd)
	if len(mfBytes) > 0 {
		firstMiniFAT = chain(mfBytes)
	}
	// Directory: siblings linked through their right pointers.
	dir := make([]byte, 128*len(nodes))
	for i, n := range nodes {
		e := dir[128*i:]
		u := utf16.Encode([]rune(n.name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(e[2*j:], c)
		}
		binary.LittleEndian.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = n.kind, 1
		binary.LittleEndian.PutUint32(e[68:], cfbNone)
		binary.LittleEndian.PutUint32(e[72:], cfbNone)
		binary.LittleEndian.PutUint32(e[76:], cfbNone)
		binary.LittleEndian.PutUint32(e[116:], n.start)
		binary.LittleEndian.PutUint64(e[120:], n.size)
	}
	for i, n := range nodes {
		if len(n.children) == 0 {
			continue
		}
		c := slices.Clone(n.children)
		binary.LittleEndian.PutUint32(dir[128*i+76:], uint32(c[0]))
		for k := 0; k+1 < len(c); k++ {
			binary.LittleEndian.PutUint32(dir[128*c[k]+72:], uint32(c[k+1]))
		}
	}
	firstDir := chain(dir)
	// FAT sectors: enough to cover themselves.
	nFAT := 1
	for (len(sectors)+nFAT)*4 > nFAT*512 {
		nFAT++
	}
	fatStart := uint32(len(sectors))
	for range nFAT {
		sectors = append(sectors, make([]byte, 512))
		fat = append(fat, cfbFATSec)
	}
	if mutate != nil {
		mutate(firstRegular, fat)
	}
	for len(fat) < nFAT*128 {
		fat = append(fat, cfbFree)
	}
	for i, v := range fat {
		binary.LittleEndian.PutUint32(sectors[int(fatStart)+i/128][4*(i%128):], v)
	}
	h := make([]byte, 512)
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], 3)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 9)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], uint32(nFAT))
	binary.LittleEndian.PutUint32(h[48:], firstDir)
	binary.LittleEndian.PutUint32(h[56:], 4096)
	binary.LittleEndian.PutUint32(h[60:], firstMiniFAT)
	binary.LittleEndian.PutUint32(h[64:], uint32((len(mfBytes)+511)/512))
	binary.LittleEndian.PutUint32(h[68:], cfbEnd)
	for i := range 109 {
		v := uint32(cfbFree)
		if i < nFAT {
			v = fatStart + uint32(i)
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	out := h
	for _, s := range sectors {
		out = append(out, s...)
	}
	return out
}

// utf16z encodes s as a MAPI Unicode string property.
func utf16z(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}
