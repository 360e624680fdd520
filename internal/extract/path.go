package extract

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDisplaySegment bounds each segment of a displayed path; hostile
// archives carry names of megabytes.
const maxDisplaySegment = 1024

// DisplayPath renders a provenance path for people: segments joined with
// "!/", as in leak.zip!/mail/archive.mbox!/3!/notes.txt. Inside a segment,
// control characters, bidirectional overrides and invalid UTF-8 are escaped
// as \xNN or \uNNNN, a backslash as \\, and a "!/" as \x21/, so that the
// separator is unambiguous and a name cannot disguise itself on a terminal.
// Segments longer than 1024 bytes are shortened with a note of the length.
func DisplayPath(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		if i > 0 {
			b.WriteString("!/")
		}
		writeSegment(&b, seg)
	}
	return b.String()
}

func writeSegment(b *strings.Builder, s string) {
	total := len(s)
	if len(s) > maxDisplaySegment {
		s = s[:maxDisplaySegment]
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '!' && strings.HasPrefix(s[i+1:], "/"):
			b.WriteString(`\x21`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(b, `\x%02x`, r)
		case (r >= 0x80 && r <= 0x9F) || isBidiControl(r) || r == 0xFEFF || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	if total > maxDisplaySegment {
		fmt.Fprintf(b, "...(%d bytes)", total)
	}
}

// isBidiControl reports the characters that reorder text on display.
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
