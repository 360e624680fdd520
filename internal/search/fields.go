package search

import (
	"net/mail"
	"strings"
	"time"
)

// MailFields reads the sender, recipients and date from the header lines
// that extraction writes at the top of a message's text ("From: ...",
// "To: ...", "Cc: ...", "Date: ..." up to the first blank line).
func MailFields(text []byte) (from, to []string, date time.Time) {
	s := string(text[:min(len(text), 64<<10)])
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			break
		}
		switch k {
		case "From":
			from = append(from, addresses(v)...)
		case "To", "Cc":
			to = append(to, addresses(v)...)
		case "Date":
			if t, err := mail.ParseDate(v); err == nil {
				date = t.UTC()
			}
		}
	}
	return from, to, date
}

func addresses(v string) []string {
	var out []string
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}
