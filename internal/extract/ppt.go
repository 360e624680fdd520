package extract

import (
	"encoding/binary"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// PowerPoint record types ([MS-PPT]).
const (
	pptTextChars   = 0x0FA0
	pptTextBytes   = 0x0FA8
	pptNotes       = 0x03F0
	pptMainMaster  = 0x03F8
	pptSlide       = 0x03EE
	pptHandout     = 0x0FC9
	pptEnvironment = 0x03F2
)

// maxPPTDepth bounds the nesting of containers followed.
const maxPPTDepth = 64

// ppt extracts a PowerPoint 97-2003 presentation: the text atoms of its
// slides, and of its notes pages labelled as speaker notes. Masters and
// handouts (placeholder text) are left out.
func (x *oleReader) ppt() {
	data := x.read("PowerPoint Document")
	type open struct {
		end  int
		kind uint16
	}
	var stack []open
	notes, skip := 0, 0
	for off := 0; off+8 <= len(data) && !x.tb.full(); {
		for len(stack) > 0 && off >= stack[len(stack)-1].end {
			switch stack[len(stack)-1].kind {
			case pptNotes:
				notes--
				x.tb.WriteString("\n")
			case pptMainMaster, pptHandout, pptEnvironment:
				skip--
			}
			stack = stack[:len(stack)-1]
		}
		verInst := binary.LittleEndian.Uint16(data[off:])
		kind := binary.LittleEndian.Uint16(data[off+2:])
		n := int(binary.LittleEndian.Uint32(data[off+4:]))
		body := off + 8
		if n < 0 || n > len(data)-body {
			x.corrupt("PowerPoint record past the end of its stream")
			if len(stack) == 0 {
				return
			}
			// Resume after the enclosing container.
			off = stack[len(stack)-1].end
			continue
		}
		// A container holds records; a few atoms (round-trip data such
		// as embedded themes) are marked as containers but do not.
		container := verInst&0x0F == 0x0F && n >= 8 && int(binary.LittleEndian.Uint32(data[body+4:])) <= n-8
		if container {
			if len(stack) >= maxPPTDepth {
				off = body + n
				continue
			}
			stack = append(stack, open{end: body + n, kind: kind})
			switch kind {
			case pptNotes:
				notes++
				x.tb.WriteString("\n" + labelNotes)
			case pptMainMaster, pptHandout, pptEnvironment:
				skip++
			}
			off = body
			continue
		}
		if skip == 0 {
			switch kind {
			case pptTextChars:
				u := make([]uint16, n/2)
				for i := range u {
					u[i] = binary.LittleEndian.Uint16(data[body+2*i:])
				}
				x.pptText(string(utf16.Decode(u)))
			case pptTextBytes:
				s, _ := charmap.ISO8859_1.NewDecoder().Bytes(data[body : body+n])
				x.pptText(string(s))
			}
		}
		off = body + n
	}
}

// pptText writes one text atom; PowerPoint ends paragraphs with CR and
// lines with VT.
func (x *oleReader) pptText(s string) {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == 0x0B {
			b[i] = '\n'
		}
	}
	x.tb.Write(b)
	x.tb.WriteString("\n")
}
