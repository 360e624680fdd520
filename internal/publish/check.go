package publish

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
	// Files that carry document content allow only the publisher's name
	// (page headers); the others also its contact and host names.
	inDocs := map[string]bool{strings.ToLower(in.Publisher.Name): true}
	allowed := map[string]bool{strings.ToLower(in.Publisher.Name): true}
	if in.Publisher.Contact != "" {
		allowed[strings.ToLower(in.Publisher.Contact)] = true
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
	// Files are scanned in parallel; each is read whole by one walk (they
	// are in memory already), so a small file costs no large buffer.
	results := make([][]string, len(paths))
	errs := make([]error, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				p, body := paths[i], files[paths[i]]
				ok := allowed
				if strings.HasPrefix(p, "documents/") || p == "search-index.js" {
					ok = inDocs
				}
				errs[i] = redact.Walk(ctx, bytes.NewReader(body), sc, min(len(body)+1, 1<<20), func(f redact.Found) error {
					if !pol.RedactsMatch(&f.Match) {
						return nil
					}
					if f.Start >= 0 && f.End <= len(body) && ok[strings.ToLower(string(body[f.Start:f.End]))] {
						return nil
					}
					results[i] = append(results[i], fmt.Sprintf("%s:%d:%d: %s", p, f.Line, f.Col, f.Kind))
					return nil
				})
			}
		}()
	}
	wg.Wait()
	var found []string
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("residual check of %s: %w", paths[i], err)
		}
		found = append(found, results[i]...)
	}
	if len(found) > 0 {
		return &ResidualError{Found: found}
	}
	return nil
}
