package extract

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

const mtRTF = "application/rtf"

// codepageEncoding maps a Windows code page number (RTF \ansicpg, Office
// PR_MESSAGE_CODEPAGE, BIFF CODEPAGE) to a decoder; unknown pages read as
// windows-1252.
func codepageEncoding(cp int) encoding.Encoding {
	var label string
	switch cp {
	case 932:
		label = "shift_jis"
	case 936:
		label = "gbk"
	case 949:
		label = "euc-kr"
	case 950:
		label = "big5"
	case 1361:
		label = "johab"
	case 20127, 65001:
		label = "utf-8"
	case 28591:
		label = "iso-8859-1"
	case 1200:
		label = "utf-16le"
	case 10000:
		label = "macintosh"
	default:
		if cp >= 1250 && cp <= 1258 || cp == 874 || cp == 866 {
			label = "windows-" + strconv.Itoa(cp)
			if cp == 866 {
				label = "ibm866"
			}
		}
	}
	if label != "" {
		if enc, _ := lookupCharset(label); enc != nil {
			return enc
		}
	}
	return charmap.Windows1252
}

// rtfCharsetCodepage maps RTF's \fcharsetN to a code page.
var rtfCharsetCodepage = map[int]int{
	0: 1252, 77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950,
	161: 1253, 162: 1254, 163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
}

// rtfSkipped are destinations whose text is not document content.
var rtfSkipped = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"fldinst": true, "themedata": true, "colorschememapping": true, "datastore": true,
	"latentstyles": true, "listtable": true, "listoverridetable": true, "rsidtbl": true,
	"generator": true, "xmlnstbl": true, "mmathPr": true, "filetbl": true, "revtbl": true,
	"objdata": true, "objclass": true, "bkmkstart": true, "bkmkend": true, "atnid": true,
	"atnauthor": true, "atndate": true, "atnref": true, "pntext": true, "pntxta": true, "pntxtb": true,
	"listtext": true, "shppict": true, "nonshppict": true, "userprops": true, "docvar": true,
	"template": true, "wgrffmtfilter": true, "xmlopen": true, "xmlclose": true, "pgdsctbl": true,
	"htmltag": true, "mhtmltag": true, "passwordhash": true, "protusertbl": true, "defchp": true, "defpap": true,
	"fchars": true, "lchars": true, "ftnsep": true, "ftnsepc": true, "aftnsep": true, "aftnsepc": true,
	"background": true, "sp": true, "sn": true, "sv": true, "panose": true, "falt": true, "tc": true,
}

// rtfKept are \* destinations whose text is content.
var rtfKept = map[string]bool{"annotation": true, "shptxt": true, "fldrslt": true, "footnote": true, "htmlrtf": false}

// rtfSymbols are control words that stand for a character.
var rtfSymbols = map[string]string{
	"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "tab": "\t", "cell": "\t", "nestcell": "\t",
	"row": "\n", "nestrow": "\n", "emdash": "—", "endash": "–", "emspace": " ", "enspace": " ",
	"qmspace": " ", "bullet": "•", "lquote": "‘", "rquote": "’", "ldblquote": "“", "rdblquote": "”",
	"zwj": "\u200d", "zwnj": "\u200c",
}

// maxRTFDepth bounds the groups whose state is kept; deeper groups share
// the state of the deepest kept one.
const maxRTFDepth = 1024

type rtfState struct {
	skip    bool // inside a destination that is not content
	uc      int  // bytes to skip after \uN
	font    int
	deleted bool
}

// rtfText converts an RTF document to text in tb: its body, footnotes,
// headers and annotations (labelled), with tracked deletions labelled and
// field instructions, pictures and tables of fonts and styles left out.
func rtfText(tb *textBuf, data []byte) {
	p := rtfParser{tb: tb, codepage: 1252, fontCP: map[int]int{}, st: rtfState{uc: 1}}
	p.run(data)
}

type rtfParser struct {
	tb       *textBuf
	codepage int
	fontCP   map[int]int // \fN to code page, from the font table
	pending  []byte      // \'xx bytes not yet decoded
	stack    []rtfState
	st       rtfState
	extra    int // groups opened past maxRTFDepth
	skipN    int // characters still to skip after \uN
	inFonts  bool
	fontsAt  int // group depth of the font table
	curFont  int
	wasDel   bool
}

func (p *rtfParser) flush() {
	if len(p.pending) == 0 {
		return
	}
	cp := p.codepage
	if c, ok := p.fontCP[p.st.font]; ok {
		cp = c
	}
	out, err := codepageEncoding(cp).NewDecoder().Bytes(p.pending)
	if err != nil {
		out = bytes.ToValidUTF8(p.pending, []byte("\uFFFD"))
	}
	p.emit(out)
	p.pending = p.pending[:0]
}

func (p *rtfParser) emit(b []byte) {
	if p.st.skip || len(b) == 0 {
		return
	}
	if p.st.deleted != p.wasDel {
		if p.st.deleted {
			p.tb.WriteString(labelDeleted)
		} else {
			p.tb.WriteString(" ")
		}
		p.wasDel = p.st.deleted
	}
	p.tb.Write(b)
}

func (p *rtfParser) run(data []byte) {
	i := 0
	for i < len(data) && !p.tb.full() {
		c := data[i]
		switch c {
		case '{':
			p.flush()
			if len(p.stack) < maxRTFDepth {
				p.stack = append(p.stack, p.st)
			} else {
				p.extra++
			}
			i++
		case '}':
			p.flush()
			if p.extra > 0 {
				p.extra--
			} else if n := len(p.stack); n > 0 {
				p.st = p.stack[n-1]
				p.stack = p.stack[:n-1]
				if p.inFonts && len(p.stack) < p.fontsAt {
					p.inFonts = false
				}
			}
			i++
		case '\\':
			i = p.control(data, i+1)
		case '\r', '\n':
			i++
		default:
			if p.skipN > 0 {
				p.skipN--
				i++
				continue
			}
			j := i + 1
			for j < len(data) && data[j] != '{' && data[j] != '}' && data[j] != '\\' && data[j] != '\r' && data[j] != '\n' && j-i < p.skipN+4096 {
				j++
			}
			p.pending = append(p.pending, data[i:j]...)
			i = j
		}
	}
	p.flush()
}

// control reads the control word or symbol at data[i:] (after the
// backslash) and returns the index past it.
func (p *rtfParser) control(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	c := data[i]
	if !isASCIILetter(c) {
		switch c {
		case '\'':
			if i+2 < len(data) {
				if v, err := strconv.ParseUint(string(data[i+1:i+3]), 16, 8); err == nil {
					if p.skipN > 0 {
						p.skipN--
					} else {
						p.pending = append(p.pending, byte(v))
					}
				}
			}
			return min(i+3, len(data))
		case '*':
			p.flush()
			// An ignorable destination: skipped unless known to be content.
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\r' || data[j] == '\n') {
				j++
			}
			if j+1 < len(data) && data[j] == '\\' {
				k := j + 1
				for k < len(data) && isASCIILetter(data[k]) {
					k++
				}
				if !rtfKept[string(data[j+1:k])] {
					p.st.skip = true
				}
			}
			return i + 1
		case '~':
			p.pending = append(p.pending, ' ')
		case '_':
			p.pending = append(p.pending, '-')
		case '\\', '{', '}':
			if p.skipN > 0 {
				p.skipN--
			} else {
				p.pending = append(p.pending, c)
			}
		case '\r', '\n':
			p.flush()
			p.emit([]byte("\n"))
		}
		return i + 1
	}
	j := i
	for j < len(data) && isASCIILetter(data[j]) && j-i < 32 {
		j++
	}
	word := string(data[i:j])
	num, hasNum := 0, false
	k := j
	if k < len(data) && (data[k] == '-' || data[k] >= '0' && data[k] <= '9') {
		k++
		for k < len(data) && data[k] >= '0' && data[k] <= '9' && k-j < 11 {
			k++
		}
		if n, err := strconv.Atoi(string(data[j:k])); err == nil {
			num, hasNum = n, true
		}
	}
	if k < len(data) && data[k] == ' ' {
		k++
	}
	if word == "bin" && hasNum {
		// Raw binary data follows; it is never text.
		return min(k+max(num, 0), len(data))
	}
	p.word(word, num, hasNum)
	return k
}

func (p *rtfParser) word(word string, num int, hasNum bool) {
	if word != "u" {
		p.flush()
	}
	switch {
	case word == "u" && hasNum:
		r := rune(num)
		if r < 0 {
			r += 65536
		}
		if p.skipN > 0 {
			p.skipN--
			return
		}
		p.flush()
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		p.emit(utf8.AppendRune(nil, r))
		p.skipN = p.st.uc
		return
	case word == "uc" && hasNum:
		p.st.uc = min(max(num, 0), 8)
	case word == "ansicpg" && hasNum:
		p.codepage = num
	case word == "fonttbl":
		p.inFonts, p.fontsAt = true, len(p.stack)
		p.st.skip = true
	case word == "f" && hasNum:
		if p.inFonts {
			p.curFont = num
		} else {
			p.st.font = num
		}
	case word == "fcharset" && hasNum && p.inFonts:
		if cp, ok := rtfCharsetCodepage[num]; ok && len(p.fontCP) < 4096 {
			p.fontCP[p.curFont] = cp
		}
	case word == "deleted":
		p.st.deleted = !hasNum || num != 0
	case word == "plain":
		p.st.deleted = false
	case word == "annotation":
		p.emit([]byte("\n" + labelComment))
	case rtfSkipped[word]:
		p.st.skip = true
	default:
		if s, ok := rtfSymbols[word]; ok {
			if p.skipN > 0 {
				p.skipN--
				return
			}
			p.emit([]byte(s))
		}
	}
	p.skipN = 0
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// extractRTF extracts the text of an RTF document.
func (w *walker) extractRTF(d *Doc) {
	if d.Size > w.opts.MaxMemberBytes {
		setErr(d, ErrTooLarge, "rtf document")
		return
	}
	data := make([]byte, d.Size)
	if n, _ := d.Content.ReadAt(data, 0); int64(n) != d.Size {
		setErr(d, ErrCorrupt, "read rtf")
		data = data[:n]
	}
	tb := w.newText()
	rtfText(tb, data)
	tb.set(d)
}
