package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// MAPI property ids read from an Outlook message ([MS-OXMSG], [MS-OXPROPS]).
const (
	propSubject       = 0x0037
	propHeaders       = 0x007D
	propSenderName    = 0x0C1A
	propSenderEmail   = 0x0C1F
	propSenderSMTP    = 0x5D01
	propDisplayTo     = 0x0E04
	propDisplayCc     = 0x0E03
	propDisplayBcc    = 0x0E02
	propBody          = 0x1000
	propRTF           = 0x1009
	propHTML          = 0x1013
	propCodepage      = 0x3FFD
	propInternetCP    = 0x3FDE
	propSubmitTime    = 0x0039
	propDeliveryTime  = 0x0E06
	propAttachData    = 0x3701
	propAttachName    = 0x3704
	propAttachLong    = 0x3707
	propAttachMime    = 0x370E
	propRecipName     = 0x3001
	propRecipEmail    = 0x3003
	propRecipSMTP     = 0x39FE
	propRecipientType = 0x0C15
)

// maxMsgNesting bounds messages attached inside messages, read in place.
const maxMsgNesting = 8

// msg extracts an Outlook message: a header block (sender, recipients,
// subject, date, then the transport headers), the body (plain text, else
// HTML, else compressed RTF), and the attachments as child documents.
// Attached messages are storages, not files: their text is included in
// place, labelled.
func (x *oleReader) msg() error {
	return x.msgAt("", 0)
}

// msgAt extracts the message whose streams are under prefix.
func (x *oleReader) msgAt(prefix string, depth int) error {
	m := &msgProps{x: x, prefix: prefix}
	m.readFixed(depth == 0)
	str := m.string
	var h strings.Builder
	from := str(propSenderName)
	if addr := cmpOr(str(propSenderSMTP), str(propSenderEmail)); addr != "" && addr != from {
		from = strings.TrimSpace(from + " <" + addr + ">")
	}
	line := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			h.WriteString(k + ": " + v + "\n")
		}
	}
	line("From", from)
	line("To", str(propDisplayTo))
	line("Cc", str(propDisplayCc))
	line("Bcc", str(propDisplayBcc))
	for _, r := range x.msgRecipients(prefix) {
		line("Recipient", r)
	}
	line("Subject", str(propSubject))
	if t, ok := m.times[propSubmitTime]; ok {
		line("Date", t.Format(time.RFC1123Z))
	} else if t, ok := m.times[propDeliveryTime]; ok {
		line("Date", t.Format(time.RFC1123Z))
	}
	x.tb.WriteString(h.String())
	if hdr := str(propHeaders); hdr != "" {
		x.tb.WriteString(strings.ReplaceAll(hdr, "\r\n", "\n"))
	}
	x.tb.WriteString("\n")
	switch {
	case str(propBody) != "":
		x.tb.WriteString(strings.ReplaceAll(str(propBody), "\r\n", "\n"))
	case m.has(propHTML):
		html := m.bytes(propHTML)
		te := htmlEncoding(html, textEncoding{}, "")
		if cp := m.codepage(); cp != 0 {
			te = textEncoding{enc: codepageEncoding(cp)}
		}
		if err := x.w.htmlToText(x.tb, bytes.NewReader(html), te.enc); err != nil {
			x.corrupt("read message HTML body")
		}
	case m.has(propRTF):
		rtf, err := decompressRTF(m.bytes(propRTF), x.w.opts.MaxMemberBytes)
		if err != nil {
			x.corrupt("read message RTF body")
		}
		rtfText(x.tb, rtf)
	}
	x.tb.WriteString("\n")
	return x.msgAttachments(prefix, depth)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// msgRecipients lists the recipients' names and addresses.
func (x *oleReader) msgRecipients(prefix string) []string {
	var out []string
	for _, st := range x.o.storages(prefix, "__recip_version1.0_#") {
		r := &msgProps{x: x, prefix: st}
		name, addr := r.string(propRecipName), cmpOr(r.string(propRecipSMTP), r.string(propRecipEmail))
		s := name
		if addr != "" && addr != name {
			s = strings.TrimSpace(name + " <" + addr + ">")
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// msgAttachments visits each attachment as a child document, and reads
// attached messages in place.
func (x *oleReader) msgAttachments(prefix string, depth int) error {
	atts := x.o.storages(prefix, "__attach_version1.0_#")
	if len(atts) == 0 {
		return nil
	}
	if depth == 0 && !x.w.canNest(x.d) {
		return nil
	}
	for i, st := range atts {
		a := &msgProps{x: x, prefix: st}
		name := cmpOr(a.string(propAttachLong), a.string(propAttachName))
		if name == "" {
			name = fmt.Sprintf("attachment-%d", i+1)
		}
		embedded := st + "__substg1.0_3701000D/"
		if x.o.hasPrefix(embedded) {
			if depth+1 >= maxMsgNesting {
				setErr(x.d, ErrTooDeep, "attached messages nested too deep")
				continue
			}
			x.tb.WriteString("\n[Attached message] " + name + "\n")
			if err := x.msgAt(embedded, depth+1); err != nil {
				return err
			}
			continue
		}
		if !a.has(propAttachData) {
			continue
		}
		if !x.w.admit(x.d, x.b) {
			return nil
		}
		data := a.bytes(propAttachData)
		sum := sha256Sum(data)
		mem := member{r: bytes.NewReader(data), size: int64(len(data)), sum: sum, summed: true, hint: a.string(propAttachMime)}
		stop, err := x.w.emit(x.d, x.b, name, mem)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// storages returns the storage prefixes ("…/name#XXXXXXXX/") directly under
// prefix whose names start with kind, in order.
func (o *oleFile) storages(prefix, kind string) []string {
	return o.index()[prefix+kind]
}

// index maps "parent/kind" (a storage's path up to and including the '#'
// of its name) to the storages of that kind, computed once: a message with
// many attachments is listed in one pass over the directory.
func (o *oleFile) index() map[string][]string {
	if o.byKind != nil {
		return o.byKind
	}
	o.byKind = map[string][]string{}
	o.prefixes = map[string]bool{}
	seen := map[string]bool{}
	for _, p := range o.order {
		for i := 0; i < len(p); i++ {
			if p[i] != '/' {
				continue
			}
			dir := p[:i+1]
			o.prefixes[dir] = true
			if seen[dir] {
				continue
			}
			seen[dir] = true
			// The storage's own name is the last component of dir.
			start := strings.LastIndexByte(dir[:len(dir)-1], '/') + 1
			if hash := strings.IndexByte(dir[start:], '#'); hash >= 0 {
				key := dir[:start+hash+1]
				o.byKind[key] = append(o.byKind[key], dir)
			}
		}
	}
	for k := range o.byKind {
		slices.Sort(o.byKind[k])
	}
	return o.byKind
}

func (o *oleFile) hasPrefix(prefix string) bool {
	o.index()
	return o.prefixes[prefix]
}

// msgProps reads the properties of one message, recipient or attachment.
type msgProps struct {
	x      *oleReader
	prefix string
	times  map[uint16]time.Time
	ints   map[uint16]uint32
}

func (m *msgProps) stream(id, typ uint16) []byte {
	name := fmt.Sprintf("%s__substg1.0_%04X%04X", m.prefix, id, typ)
	if m.x.o.streams[name] == nil {
		return nil
	}
	return m.x.read(name)
}

func (m *msgProps) has(id uint16) bool {
	for _, typ := range []uint16{0x001F, 0x001E, 0x0102} {
		if m.x.o.streams[fmt.Sprintf("%s__substg1.0_%04X%04X", m.prefix, id, typ)] != nil {
			return true
		}
	}
	return false
}

// string returns a string property, Unicode or 8-bit in the message's
// code page.
func (m *msgProps) string(id uint16) string {
	if b := m.stream(id, 0x001F); b != nil {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return strings.TrimRight(string(utf16.Decode(u)), "\x00")
	}
	if b := m.stream(id, 0x001E); b != nil {
		out, _ := codepageEncoding(m.codepage()).NewDecoder().Bytes(bytes.TrimRight(b, "\x00"))
		return string(out)
	}
	return ""
}

func (m *msgProps) bytes(id uint16) []byte {
	if b := m.stream(id, 0x0102); b != nil {
		return b
	}
	if b := m.stream(id, 0x001E); b != nil {
		return b
	}
	return m.stream(id, 0x001F)
}

func (m *msgProps) codepage() int {
	if m.ints == nil {
		m.readFixed(m.prefix == "")
	}
	if cp, ok := m.ints[propInternetCP]; ok {
		return int(cp)
	}
	return int(m.ints[propCodepage])
}

// readFixed reads the fixed-length properties of __properties_version1.0:
// a header (32 bytes for the top-level message, 24 for an attached one),
// then 16-byte entries of tag, flags and value.
func (m *msgProps) readFixed(top bool) {
	m.times, m.ints = map[uint16]time.Time{}, map[uint16]uint32{}
	b := m.x.read(m.prefix + "__properties_version1.0")
	skip := 24
	if top {
		skip = 32
	}
	if strings.Contains(m.prefix, "__attach_version1.0_#") || strings.Contains(m.prefix, "__recip_version1.0_#") {
		if !strings.HasSuffix(m.prefix, "__substg1.0_3701000D/") {
			skip = 8
		}
	}
	for off := skip; off+16 <= len(b); off += 16 {
		tag := binary.LittleEndian.Uint32(b[off:])
		id, typ := uint16(tag>>16), uint16(tag)
		v := b[off+8 : off+16]
		switch typ {
		case 0x0003:
			m.ints[id] = binary.LittleEndian.Uint32(v)
		case 0x0040:
			ft := int64(binary.LittleEndian.Uint64(v))
			if ft > 0 {
				// FILETIME: 100 ns ticks since 1601.
				const epochDiff = 116444736000000000
				t := time.Unix(0, 0).UTC().Add(time.Duration(ft-epochDiff) * 100)
				if t.Year() > 1970 && t.Year() < 3000 {
					m.times[id] = t
				}
			}
		}
	}
}

// lzfuDict is the dictionary every compressed RTF stream starts with
// ([MS-OXRTFCP] 2.1.2.1).
const lzfuDict = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// decompressRTF decompresses PR_RTF_COMPRESSED, producing at most limit
// bytes.
func decompressRTF(b []byte, limit int64) ([]byte, error) {
	if len(b) < 16 {
		return nil, errCorruptRTF
	}
	rawSize := int64(binary.LittleEndian.Uint32(b[4:]))
	kind := binary.LittleEndian.Uint32(b[8:])
	data := b[16:]
	switch kind {
	case 0x414C454D: // "MELA": stored
		return data[:min(int64(len(data)), rawSize, limit)], nil
	case 0x75465A4C: // "LZFu"
	default:
		return nil, errCorruptRTF
	}
	var dict [4096]byte
	copy(dict[:], lzfuDict)
	wpos := len(lzfuDict)
	out := make([]byte, 0, min(rawSize, limit, 1<<20))
	for i := 0; i < len(data); {
		ctrl := data[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if int64(len(out)) >= limit {
				return out, nil
			}
			if ctrl&(1<<bit) == 0 {
				if i >= len(data) {
					return out, nil
				}
				out = append(out, data[i])
				dict[wpos%4096] = data[i]
				wpos++
				i++
				continue
			}
			if i+1 >= len(data) {
				return out, errCorruptRTF
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			off, n := ref>>4, ref&0xF+2
			if off == wpos%4096 {
				return out, nil // the end marker
			}
			for k := 0; k < n; k++ {
				c := dict[(off+k)%4096]
				out = append(out, c)
				dict[wpos%4096] = c
				wpos++
			}
		}
	}
	return out, nil
}

var errCorruptRTF = fmt.Errorf("compressed RTF damaged")
