package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"

	"github.com/bodgit/sevenzip"
)

// The 7z reader allocates from counts in the archive header (files,
// folders, streams, sizes) before it has read the entries they count, and
// its decoders allocate the dictionary or model size their properties
// claim. A few hundred hostile bytes can so ask for tens of gigabytes.
// check7z reads the header first and lets an archive through only if every
// count it would allocate from is backed by bytes actually present, and
// reports how much memory each folder's decoders will take.

// 7z header limits.
const (
	max7zHeader = 64 << 20 // largest header, encoded or decoded, held in memory
	// max7zCoders bounds coders and coder streams per folder, as 7-Zip does.
	max7zCoders = 64
	// max7zNameless bounds file entries without names: a name takes at
	// least two bytes of the header, which is what bounds the file count
	// otherwise.
	max7zNameless = 4096
	// decoderFloor is the decoder memory any folder may use regardless of
	// its size: common writers use fixed dictionaries up to this size.
	decoderFloor = 64 << 20
)

// 7z property ids.
const (
	szEnd = iota
	szHeader
	szArchiveProperties
	szAdditionalStreams
	szMainStreams
	szFilesInfo
	szPackInfo
	szUnpackInfo
	szSubStreams
	szSize
	szCRC
	szFolderID
	szCodersUnpackSize
	szNumUnpackStream
	szEmptyStream
	szEmptyFile
	szAnti
	szName
	szCTime
	szATime
	szMTime
	szWinAttributes
	szComment
	szEncodedHeader
	szStartPos
	szDummy
)

// szFolder is what the check learnt of one folder (a chain of coders
// producing one unpacked stream that holds one or more files).
type szFolder struct {
	unpack        uint64 // size of the folder's final output
	mem           uint64 // memory its decoders allocate when opened
	aes           bool   // it is encrypted
	packedStreams uint64
}

// szInfo is what check7z learnt of an archive.
type szInfo struct {
	empty           bool // no header at all: an empty archive
	headerEncrypted bool // the header is encrypted, so the check depends on the password
	folders         []szFolder
	files           uint64
}

// szScan reads a 7z header, failing at the first problem. After a failure
// every read fails too, so that loops over hostile counts end at once.
type szScan struct {
	b   []byte
	n   int // bytes consumed
	err error
	// maxFiles is the member limit: a header listing more files is
	// refused as soon as the count is read, before any entry is.
	maxFiles uint64
}

func (s *szScan) fail(why string) {
	if s.err == nil {
		s.err = errors.New(why)
	}
	s.b = nil
}

func (s *szScan) ok() bool { return s.err == nil }

func (s *szScan) left() uint64 { return uint64(len(s.b)) }

func (s *szScan) byte() byte {
	if len(s.b) == 0 {
		s.fail("header truncated")
		return 0xFF
	}
	c := s.b[0]
	s.b = s.b[1:]
	s.n++
	return c
}

func (s *szScan) take(n uint64) []byte {
	if n > s.left() {
		s.fail("header truncated")
		return nil
	}
	p := s.b[:n]
	s.b = s.b[n:]
	s.n += int(n)
	return p
}

// num reads 7z's variable-length number.
func (s *szScan) num() uint64 {
	first := s.byte()
	extra := bits.LeadingZeros8(^first)
	var v uint64
	if extra < 7 {
		v = uint64(first&(1<<(7-extra)-1)) << (8 * extra)
	}
	for i, c := range s.take(uint64(extra)) {
		v |= uint64(c) << (8 * i)
	}
	return v
}

// count reads a number the reader allocates from, which it requires to be
// at most MaxUint32 and (nonZero) positive.
func (s *szScan) count(nonZero bool) uint64 {
	v := s.num()
	if v > math.MaxUint32 || (nonZero && v == 0) {
		s.fail("count out of range")
		return 0
	}
	return v
}

// need fails unless n more bytes are present: the reader allocates for n
// items before reading them.
func (s *szScan) need(n uint64, what string) bool {
	if n > s.left() {
		s.fail(what + " count exceeds the header")
		return false
	}
	return true
}

func (s *szScan) expect(id byte) {
	if s.byte() != id {
		s.fail("unexpected property")
	}
}

// bools reads a bit vector of n entries and returns how many are set.
func (s *szScan) bools(n uint64) (set uint64) {
	if n == 0 {
		s.fail("empty bit vector")
		return 0
	}
	raw := s.take((n + 7) / 8)
	for i := uint64(0); i < n && s.ok(); i++ {
		if raw[i/8]&(0x80>>(i%8)) != 0 {
			set++
		}
	}
	return set
}

// defined reads an "all defined" byte and, if it is zero, a bit vector,
// and returns how many of the n entries are defined.
func (s *szScan) defined(n uint64) uint64 {
	if n == 0 {
		s.fail("empty bit vector")
		return 0
	}
	if s.byte() != 0 {
		return n
	}
	return s.bools(n)
}

// digests reads the CRCs of n items; the reader allocates n of them.
func (s *szScan) digests(n uint64) {
	if n > s.left() {
		s.fail("digest count exceeds the header")
		return
	}
	def := s.defined(n)
	s.take(4 * def)
}

// endWithDigests reads the optional digests of n items that may follow
// id, then the end of the section.
func (s *szScan) endWithDigests(id byte, n uint64, section string) {
	if id == szCRC {
		s.digests(n)
		id = s.byte()
	}
	if id != szEnd {
		s.fail("unexpected property in " + section)
	}
}

// packInfo reads the packed streams' position and sizes.
func (s *szScan) packInfo() (pos, streams, total uint64, posAt [2]int) {
	posAt[0] = s.n
	pos = s.num()
	posAt[1] = s.n
	streams = s.count(true)
	if !s.need(streams, "pack stream") {
		return
	}
	id := s.byte()
	if id == szSize {
		for i := uint64(0); i < streams && s.ok(); i++ {
			n := s.num()
			if total+n < total {
				s.fail("pack sizes overflow")
			}
			total += n
		}
		id = s.byte()
	}
	s.endWithDigests(id, streams, "pack info")
	return
}

// szCoder is one coder of a folder.
type szCoder struct {
	id      []byte
	in, out uint64
	props   []byte
}

func (s *szScan) folder() (f szFolder, coders []szCoder, outs uint64, bound map[uint64]bool) {
	n := s.count(true)
	if n > max7zCoders {
		s.fail("too many coders")
		return
	}
	var ins uint64
	for i := uint64(0); i < n && s.ok(); i++ {
		flags := s.byte()
		c := szCoder{id: s.take(uint64(flags & 0xF)), in: 1, out: 1}
		if flags&0x10 != 0 {
			c.in, c.out = s.count(true), s.count(true)
		}
		if flags&0x20 != 0 {
			c.props = s.take(s.count(true))
		}
		if c.in > max7zCoders || c.out > max7zCoders {
			s.fail("too many coder streams")
			return
		}
		ins += c.in
		outs += c.out
		coders = append(coders, c)
	}
	if !s.ok() {
		return
	}
	if ins > max7zCoders || outs > max7zCoders || ins < outs {
		s.fail("bad coder streams")
		return
	}
	bindPairs := outs - 1
	bound = make(map[uint64]bool, bindPairs)
	for range bindPairs {
		in, out := s.num(), s.num()
		if in >= ins || out >= outs {
			s.fail("bad bind pair")
			return
		}
		bound[out] = true
	}
	f.packedStreams = ins - bindPairs
	if f.packedStreams != 1 {
		for range f.packedStreams {
			if s.num() >= ins {
				s.fail("bad packed stream")
				return
			}
		}
	}
	return f, coders, outs, bound
}

// unpackInfo reads the folders and their unpacked sizes.
func (s *szScan) unpackInfo() []szFolder {
	s.expect(szFolderID)
	n := s.count(true)
	// A folder takes at least three bytes: a coder count, flags, an id.
	if !s.need(n*3, "folder") {
		return nil
	}
	if s.byte() != 0 {
		s.fail("external folders")
		return nil
	}
	folders := make([]szFolder, 0, n)
	chains := make([][]szCoder, 0, n)
	outs := make([]uint64, 0, n)
	bounds := make([]map[uint64]bool, 0, n)
	for i := uint64(0); i < n && s.ok(); i++ {
		f, coders, out, bound := s.folder()
		folders, chains, outs, bounds = append(folders, f), append(chains, coders), append(outs, out), append(bounds, bound)
	}
	s.expect(szCodersUnpackSize)
	for i := range folders {
		sizes := make([]uint64, 0, outs[i])
		for j := uint64(0); j < outs[i] && s.ok(); j++ {
			sizes = append(sizes, s.num())
		}
		if !s.ok() {
			return nil
		}
		// The folder's size is that of its last unbound output, as the
		// reader has it; each coder gets the size at its own index.
		folders[i].unpack = sizes[len(sizes)-1]
		for j := len(sizes) - 1; j >= 0; j-- {
			if !bounds[i][uint64(j)] {
				folders[i].unpack = sizes[j]
				break
			}
		}
		for k, c := range chains[i] {
			size := uint64(0)
			if k < len(sizes) {
				size = sizes[k]
			}
			mem, aes := decoderMemory(c, size)
			folders[i].mem += mem
			folders[i].aes = folders[i].aes || aes
		}
	}
	s.endWithDigests(s.byte(), n, "unpack info")
	return folders
}

// Coder method ids whose memory depends on their properties.
var (
	methodLZMA  = []byte{0x03, 0x01, 0x01}
	methodLZMA2 = []byte{0x21}
	methodPPMd  = []byte{0x03, 0x04, 0x01}
	methodAES   = []byte{0x06, 0xF1, 0x07, 0x01}
)

// decoderMemory is what the reader's decoder for c allocates when it is
// opened to produce size bytes, following each decoder's own rules.
func decoderMemory(c szCoder, size uint64) (mem uint64, aes bool) {
	switch {
	case bytes.Equal(c.id, methodLZMA) && len(c.props) == 5:
		// The dictionary is cut to the output size, except for sizes the
		// decoder reads as negative; it refuses more than 2 GiB.
		dict := uint64(max(binary.LittleEndian.Uint32(c.props[1:]), 4096))
		if dict > math.MaxInt32 {
			return 0, false
		}
		if size < 1<<63 {
			dict = min(dict, max(size, 4096))
		}
		return dict, false
	case bytes.Equal(c.id, methodLZMA2) && len(c.props) == 1 && c.props[0] <= 40:
		// Not cut to the output size.
		p := uint64(c.props[0])
		dict := (2 | p&1) << (p/2 + 11)
		if dict > math.MaxUint32 {
			return 0, false
		}
		return dict, false
	case bytes.Equal(c.id, methodPPMd) && len(c.props) == 5:
		return uint64(binary.LittleEndian.Uint32(c.props[1:])), false
	case bytes.Equal(c.id, methodAES):
		return 0, true
	}
	return 0, false
}

// subStreams reads how many files each folder holds and their sizes, and
// returns the total.
func (s *szScan) subStreams(folders []szFolder) (total uint64) {
	streams := make([]uint64, len(folders))
	for i := range streams {
		streams[i] = 1
	}
	id := s.byte()
	if id == szNumUnpackStream {
		total = 0
		for i := range streams {
			streams[i] = s.num()
			total += streams[i]
			if streams[i] > math.MaxUint32 || total > math.MaxUint32 {
				s.fail("stream count out of range")
				return 0
			}
		}
		id = s.byte()
	} else {
		total = uint64(len(folders))
	}
	if id == szSize {
		// All sizes but each folder's last are listed.
		var listed uint64
		for _, n := range streams {
			listed += max(n, 1) - 1
		}
		if !s.need(listed, "stream size") {
			return 0
		}
		for i, n := range streams {
			var sum uint64
			for j := uint64(1); j < n && s.ok(); j++ {
				sum += s.num()
				if sum > folders[i].unpack {
					s.fail("stream sizes exceed their folder")
					return 0
				}
			}
		}
		id = s.byte()
	} else {
		for _, n := range streams {
			if n > 1 {
				s.fail("stream sizes missing")
				return 0
			}
		}
	}
	s.endWithDigests(id, total, "substreams")
	return total
}

// szStreams is a parsed streams info.
type szStreams struct {
	packPos, packStreams, packTotal uint64
	packPosAt                       [2]int // where the position number is, relative to the scan start
	folders                         []szFolder
	subStreams                      uint64
}

func (s *szScan) streamsInfo() (si szStreams) {
	id := s.byte()
	if id == szPackInfo {
		si.packPos, si.packStreams, si.packTotal, si.packPosAt = s.packInfo()
		id = s.byte()
	}
	if id == szUnpackInfo {
		si.folders = s.unpackInfo()
		si.subStreams = uint64(len(si.folders))
		id = s.byte()
	}
	if id == szSubStreams {
		if si.folders == nil {
			s.fail("substreams without folders")
			return
		}
		si.subStreams = s.subStreams(si.folders)
		id = s.byte()
	}
	if id != szEnd {
		s.fail("unexpected property in streams info")
		return
	}
	var packed uint64
	for _, f := range si.folders {
		packed += f.packedStreams
	}
	if packed > si.packStreams {
		s.fail("folders use more packed streams than listed")
	}
	return si
}

// filesInfo reads the file entries and returns how many there are and how
// many have no data stream.
func (s *szScan) filesInfo() (files, empty uint64) {
	files = s.count(true)
	if s.ok() && s.maxFiles > 0 && files > s.maxFiles {
		s.err = fmt.Errorf("lists %d files, over the limit of %d members: %w", files, s.maxFiles, errMembers)
		return files, 0
	}
	names := false
	for s.ok() {
		prop := s.byte()
		if prop == szEnd {
			break
		}
		length := s.num()
		switch prop {
		case szEmptyStream:
			empty += s.bools(files)
		case szEmptyFile:
			s.bools(empty)
		case szCTime, szATime, szMTime:
			def := s.defined(files)
			if s.byte() != 0 {
				s.fail("external times")
			}
			s.take(8 * def)
		case szWinAttributes:
			def := s.defined(files)
			if s.byte() != 0 {
				s.fail("external attributes")
			}
			s.take(4 * def)
		case szName:
			if s.byte() != 0 || length == 0 {
				s.fail("external names")
				break
			}
			if n := countNames(s.take(length - 1)); s.ok() && n != files {
				s.fail("name count differs from file count")
			}
			names = true
		case szDummy:
			s.take(length)
		default:
			s.fail("unsupported file property")
		}
	}
	if s.ok() && !names && files > max7zNameless {
		s.fail("too many files without names")
	}
	return files, empty
}

// countNames counts the NUL-terminated UTF-16 names in b, as the reader
// splits them: an unterminated last name counts too.
func countNames(b []byte) uint64 {
	var n uint64
	last := 0
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			n++
			last = i + 2
		}
	}
	if last < len(b) {
		n++
	}
	return n
}

// header checks a plain header (after its id byte).
func scan7zHeader(b []byte, exact bool, maxFiles uint64) (szInfo, error) {
	s := &szScan{b: b, maxFiles: maxFiles}
	var (
		info szInfo
		si   szStreams
	)
	id := s.byte()
	if id == szArchiveProperties || id == szAdditionalStreams {
		return info, errors.New("7z header: unsupported archive properties")
	}
	if id == szMainStreams {
		si = s.streamsInfo()
		id = s.byte()
	}
	var empty uint64
	if id == szFilesInfo {
		info.files, empty = s.filesInfo()
		id = s.byte()
	}
	if id != szEnd {
		s.fail("unexpected property in header")
	}
	if exact && s.ok() && s.left() != 0 {
		s.fail("trailing bytes")
	}
	if s.ok() && info.files > empty && (len(si.folders) == 0 || si.subStreams < info.files-empty) {
		s.fail("more files than data streams")
	}
	if s.err != nil {
		return info, fmt.Errorf("7z header: %w", s.err)
	}
	info.folders = si.folders
	return info, nil
}

// check7z validates the archive's headers before the reader sees them. An
// encoded (compressed or encrypted) header is decoded with password, using
// the reader on a small archive made of only that header's stream. The
// error wraps a sentinel: ErrEncrypted when the password does not open the
// header.
func (w *walker) check7z(d *Doc, password string) (*szInfo, error) {
	var start [32]byte
	if d.Size < int64(len(start)) {
		return nil, docError(ErrCorrupt, "7z archive truncated")
	}
	if _, err := d.Content.ReadAt(start[:], 0); err != nil {
		return nil, docError(ErrCorrupt, "read 7z start header")
	}
	if crc32.ChecksumIEEE(start[12:]) != binary.LittleEndian.Uint32(start[8:]) {
		return nil, docError(ErrCorrupt, "7z start header checksum")
	}
	off := binary.LittleEndian.Uint64(start[12:])
	size := binary.LittleEndian.Uint64(start[20:])
	sum := binary.LittleEndian.Uint32(start[28:])
	room := uint64(d.Size) - 32
	switch {
	case off > room || size > room-off:
		return nil, docError(ErrCorrupt, "7z header lies past the end of the archive (truncated?)")
	case size == 0:
		return &szInfo{empty: true}, nil
	case size > max7zHeader:
		return nil, docError(ErrTooLarge, fmt.Sprintf("7z header over %d MiB", max7zHeader>>20))
	}
	hdr := make([]byte, size)
	if _, err := d.Content.ReadAt(hdr, int64(32+off)); err != nil && !errors.Is(err, io.EOF) {
		return nil, docError(ErrCorrupt, "read 7z header")
	}
	if crc32.ChecksumIEEE(hdr) != sum {
		return nil, docError(ErrCorrupt, "7z header checksum")
	}
	switch hdr[0] {
	case szHeader:
		info, err := scan7zHeader(hdr[1:], true, uint64(w.opts.MaxMembers))
		if err != nil {
			return nil, headerErr(err)
		}
		return &info, nil
	case szEncodedHeader:
		return w.checkEncoded7z(d, off, hdr, password)
	}
	return nil, docError(ErrCorrupt, "7z header kind")
}

// checkEncoded7z checks an encoded header: its streams info, then the
// header it decodes to.
func (w *walker) checkEncoded7z(d *Doc, off uint64, hdr []byte, password string) (*szInfo, error) {
	s := &szScan{b: hdr[1:]}
	si := s.streamsInfo()
	if s.ok() && s.left() != 0 {
		s.fail("trailing bytes")
	}
	if s.ok() && (len(si.folders) != 1 || si.packStreams == 0) {
		s.fail("encoded header needs one folder and its packed stream")
	}
	if s.err != nil {
		return nil, docError(ErrCorrupt, "7z encoded header: "+s.err.Error())
	}
	f := si.folders[0]
	switch {
	case si.packPos > off || si.packTotal > off-si.packPos:
		return nil, docError(ErrCorrupt, "7z encoded header lies outside the archive")
	case f.unpack > max7zHeader || si.packTotal > max7zHeader:
		return nil, docError(ErrTooLarge, fmt.Sprintf("7z header over %d MiB", max7zHeader>>20))
	case f.mem > max(decoderFloor, f.unpack):
		return nil, docError(ErrTooLarge, fmt.Sprintf("7z header decoder needs %d MiB", f.mem>>20))
	}
	// A small archive whose one file is the header's packed stream,
	// described by the same streams info moved to position 0.
	packed := make([]byte, si.packTotal)
	if _, err := d.Content.ReadAt(packed, int64(32+si.packPos)); err != nil && !errors.Is(err, io.EOF) {
		return nil, docError(ErrCorrupt, "read 7z encoded header")
	}
	body := hdr[1:]
	var h bytes.Buffer
	h.Write([]byte{szHeader, szMainStreams})
	h.Write(body[:si.packPosAt[0]])
	h.WriteByte(0) // position
	h.Write(body[si.packPosAt[1]:])
	// One file, named "h": a name property of 5 bytes, external flag 0.
	h.Write([]byte{szFilesInfo, 1, szName, 5, 0, 'h', 0, 0, 0, szEnd, szEnd})
	synth := make([]byte, 32, 32+len(packed)+h.Len())
	copy(synth, start7z(uint64(len(packed)), h.Bytes()))
	synth = append(synth, packed...)
	synth = append(synth, h.Bytes()...)

	info, err := scanDecoded7z(synth, password, uint64(w.opts.MaxMembers))
	if err != nil && f.aes && !errors.Is(err, ErrEncrypted) {
		// Decrypted with a wrong password, the header is garbage.
		err = docError(ErrEncrypted, "7z header")
	}
	if err != nil {
		return nil, err
	}
	info.headerEncrypted = f.aes
	return &info, nil
}

// scanDecoded7z decodes the header held by the small archive synth and
// checks it.
func scanDecoded7z(synth []byte, password string, maxFiles uint64) (szInfo, error) {
	decoded, err := readWhole7z(synth, password, max7zHeader)
	if err != nil {
		return szInfo{}, err
	}
	if len(decoded) == 0 || decoded[0] != szHeader {
		return szInfo{}, docError(ErrCorrupt, "7z encoded header kind")
	}
	info, err := scan7zHeader(decoded[1:], false, maxFiles)
	if err != nil {
		return szInfo{}, headerErr(err)
	}
	return info, nil
}

// headerErr classifies a header the scan refused: too many members is a
// bomb, anything else damage.
func headerErr(err error) error {
	if errors.Is(err, errMembers) {
		return docError(ErrBomb, err.Error())
	}
	return docError(ErrCorrupt, err.Error())
}

// start7z returns the 32-byte start of a 7z archive whose header of the
// given bytes follows off bytes of packed streams.
func start7z(off uint64, header []byte) []byte {
	b := make([]byte, 32)
	copy(b, magic7z)
	b[7] = 4
	binary.LittleEndian.PutUint64(b[12:], off)
	binary.LittleEndian.PutUint64(b[20:], uint64(len(header)))
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(header))
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	return b
}

// readWhole7z reads the one file of a small, checked archive.
func readWhole7z(archive []byte, password string, limit int64) (data []byte, err error) {
	z, err := new7zReader(bytes.NewReader(archive), int64(len(archive)), password)
	if err != nil {
		return nil, sevenzipErr(err, "decode 7z header")
	}
	if len(z.File) != 1 {
		return nil, docError(ErrCorrupt, "decode 7z header")
	}
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, docError(ErrCorrupt, "decode 7z header: decoder failed")
		}
	}()
	rc, err := z.File[0].Open()
	if err != nil {
		return nil, sevenzipErr(err, "decode 7z header")
	}
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, sevenzipErr(err, "decode 7z header")
	}
	if int64(len(data)) > limit {
		return nil, docError(ErrTooLarge, "7z header")
	}
	if want := z.File[0].CRC32; want != 0 && crc32.ChecksumIEEE(data) != want {
		return nil, docError(ErrCorrupt, "7z header checksum")
	}
	return data, nil
}

// new7zReader opens an archive with the reader, turning a panic into an
// error.
func new7zReader(r io.ReaderAt, size int64, password string) (z *sevenzip.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			z, err = nil, errors.New("7z reader failed")
		}
	}()
	return sevenzip.NewReaderWithPassword(r, size, password)
}
