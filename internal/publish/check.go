package publish

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"antidote/internal/detect"
	"antidote/internal/redact"
)

func xmlEscape(w io.Writer, s string) error { return xml.EscapeText(w, []byte(s)) }

// ResidualError is the residual check's verdict: identifiers of redacted
// types remain in files about to be published. It names places and types,
// never the values.
type ResidualError struct {
	Found []string // "documents/12.html:40:7: email"
}

func (e *ResidualError) Error() string {
	n := len(e.Found)
	show := e.Found[:min(n, 20)]
	more := ""
	if n > len(show) {
		more = fmt.Sprintf("\n... and %d more", n-len(show))
	}
	return fmt.Sprintf("publication aborted, nothing written: %d identifiers of redacted types remain in the files it would publish:\n%s%s",
		n, strings.Join(show, "\n"), more)
}

// residualCheck scans every file with the same independent check as
// verify. The publisher's own published identity (its contact address
// and the host names of its URLs) is the only thing allowed through.
func residualCheck(ctx context.Context, in *Input, files map[string][]byte) error {
	sc := in.Scanner
	if sc == nil {
		var err error
		if sc, err = detect.New(detect.Options{}); err != nil {
			return err
		}
	}
	pol := in.Redaction
	if pol == (redact.Policy{}) {
		pol = redact.DefaultPolicy() // a zero policy would let everything through
	}
	allowed := map[string]bool{}
	for _, s := range []string{in.Publisher.Contact, in.Publisher.Name} {
		if s != "" {
			allowed[strings.ToLower(s)] = true
		}
	}
	for _, s := range []string{in.BaseURL, in.Publisher.Namespace} {
		if u, err := url.Parse(s); err == nil {
			allowed[strings.ToLower(u.Hostname())] = true
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var found []string
	for _, p := range paths {
		body := files[p]
		err := redact.Check(ctx, bytes.NewReader(body), sc, pol, func(f redact.Found) error {
			if f.Start >= 0 && f.End <= len(body) && allowed[strings.ToLower(string(body[f.Start:f.End]))] {
				return nil
			}
			found = append(found, fmt.Sprintf("%s:%d:%d: %s", p, f.Line, f.Col, f.Kind))
			return nil
		})
		if err != nil {
			return fmt.Errorf("residual check of %s: %w", p, err)
		}
	}
	if len(found) > 0 {
		return &ResidualError{Found: found}
	}
	return nil
}
