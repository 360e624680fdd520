package workspace

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"antidote/internal/auth"
	"antidote/internal/detect"
	"antidote/internal/redact"
	"antidote/internal/store"
)

// redactionKey derives the workspace's pseudonym key from its master key
// (through the MAC purpose "redact"), so that tokens are consistent across
// every redaction in the workspace and need no key file.
func (ws *Workspace) redactionKey() (redact.Key, error) {
	sum := ws.keys.MAC("redact").Sum([]byte("antidote redaction key v1"))
	return redact.NewKey(sum[:])
}

// tokenKey is what the store files a token under: a keyed MAC, so that the
// database holds no token in the clear.
func (ws *Workspace) tokenKey(token string) []byte {
	sum := ws.keys.MAC("redaction-token").Sum([]byte(token))
	return sum[:]
}

// tokenValue is the sealed record of what a token stands for.
type tokenValue struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// tokenLog batches the mappings a redaction reports into the store.
type tokenLog struct {
	ws      *Workspace
	pending []store.TokenValue
	seen    map[string]bool
	// perDoc: the caller commits pending with each document's redaction
	// (RedactAll); never flushed on its own.
	perDoc bool
}

func (ws *Workspace) newTokenLog() *tokenLog { return &tokenLog{ws: ws, seen: map[string]bool{}} }

func (t *tokenLog) add(ctx context.Context, m redact.Mapping) error {
	if t.seen[m.Token] {
		return nil
	}
	if len(t.seen) > 1<<16 {
		clear(t.seen)
	}
	t.seen[m.Token] = true
	v, err := json.Marshal(tokenValue{Kind: m.Kind.String(), Value: m.Value.Reveal()})
	if err != nil {
		return err
	}
	t.pending = append(t.pending, store.TokenValue{Key: t.ws.tokenKey(m.Token), Value: v})
	if len(t.pending) >= 1000 && !t.perDoc {
		return t.flush(ctx)
	}
	return nil
}

func (t *tokenLog) flush(ctx context.Context) error {
	err := t.ws.store.PutTokens(ctx, t.pending)
	clear(t.pending)
	t.pending = t.pending[:0]
	return err
}

// FileRedaction redacts files outside the workspace with the workspace's
// key, recording each token's value so that Reveal can answer for it.
type FileRedaction struct {
	ws     *Workspace
	a      Actor
	tokens *tokenLog
	// Redactor redacts with the workspace's key.
	Redactor *redact.Redactor
}

// RedactFiles returns a redactor with the workspace's key (opts.Key is
// set); call Done when every input is written.
func (ws *Workspace) RedactFiles(ctx context.Context, a Actor, opts redact.Options) (*FileRedaction, error) {
	if err := allow(a, auth.DocsWrite); err != nil {
		return nil, err
	}
	var err error
	if opts.Key, err = ws.redactionKey(); err != nil {
		return nil, err
	}
	fr := &FileRedaction{ws: ws, a: a, tokens: ws.newTokenLog()}
	opts.OnToken = func(m redact.Mapping) error { return fr.tokens.add(ctx, m) }
	if fr.Redactor, err = redact.New(opts); err != nil {
		return nil, invalid(err)
	}
	return fr, nil
}

// Done stores the remaining token mappings and records the redaction.
func (fr *FileRedaction) Done(ctx context.Context, inputs int, rep redact.Report) error {
	if err := fr.tokens.flush(ctx); err != nil {
		return err
	}
	detail := auditDetail(map[string]any{"inputs": inputs, "found": rep.Total.Found, "redacted": rep.Total.Redacted})
	return fr.ws.record(ctx, fr.a, "redact", fmt.Sprintf("%d inputs", inputs), detail)
}

// RedactAllResult is what RedactAll did.
type RedactAllResult struct {
	// Report names each document by its id only: provenance paths are
	// sealed in the database and stay out of reports unless asked for.
	Report redact.Report
	// Paths names each document of Report.Documents, in the same order,
	// by its id and first provenance path (plaintext: for the caller to
	// show only when asked).
	Paths   []string
	Skipped int     // documents without extracted text
	Damaged []int64 // documents whose sealed text does not open: not redacted, reported
}

// RedactAll redacts the extracted text of every document with the
// workspace's key and stores the results and the token mapping sealed.
// Originals stay as they were. step, if not nil, is called once per
// document with the total.
func (ws *Workspace) RedactAll(ctx context.Context, a Actor, opts redact.Options, step func(total int)) (RedactAllResult, error) {
	var res RedactAllResult
	if err := allow(a, auth.DocsWrite); err != nil {
		return res, err
	}
	var err error
	if opts.Key, err = ws.redactionKey(); err != nil {
		return res, err
	}
	tokens := ws.newTokenLog()
	tokens.perDoc = true
	opts.OnToken = func(m redact.Mapping) error { return tokens.add(ctx, m) }
	r, err := redact.New(opts)
	if err != nil {
		return res, invalid(err)
	}
	docs, err := ws.allDocs(ctx)
	if err != nil {
		return res, err
	}
	// Recorded before any work (fail closed); "redact.all" records the end.
	if err := ws.record(ctx, a, "redact.all.start", fmt.Sprintf("%d documents", len(docs)), nil); err != nil {
		return res, err
	}
	var out []byte
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if step != nil {
			step(len(docs))
		}
		text, err := ws.store.DocText(ctx, d.ID)
		if errors.Is(err, store.ErrDamaged) {
			res.Damaged = append(res.Damaged, d.ID) // reported; the others go on
			continue
		}
		if err != nil {
			return res, err
		}
		if text == nil {
			res.Skipped++ // no extracted text: nothing to redact
			continue
		}
		var st redact.Stats
		out, st, err = r.Apply(out[:0], text)
		if err != nil {
			return res, err
		}
		sb, err := json.Marshal(st)
		if err != nil {
			return res, err
		}
		// The redaction and the mappings of the tokens it introduced commit
		// together: a kill leaves no token that cannot be revealed.
		if err := ws.store.PutRedactionTokens(ctx, d.ID, out, sb, tokens.pending); err != nil {
			return res, err
		}
		clear(tokens.pending)
		tokens.pending = tokens.pending[:0]
		res.Report.Add(strconv.FormatInt(d.ID, 10), st)
		res.Paths = append(res.Paths, docName(d))
	}
	detail := auditDetail(map[string]any{"documents": len(res.Report.Documents), "found": res.Report.Total.Found, "redacted": res.Report.Total.Redacted, "damaged": len(res.Damaged)})
	return res, ws.record(ctx, a, "redact.all", fmt.Sprintf("%d documents", len(res.Report.Documents)), detail)
}

// VerifyOptions say what VerifyAll looks for: the same or a stricter policy
// and names than the redaction.
type VerifyOptions struct {
	Scanner *detect.Scanner
	Policy  redact.Policy
	Names   int // how many names the scanner holds, for the audit record
}

// VerifiedDoc is one document's check.
type VerifiedDoc struct {
	Doc         int64
	NotRedacted bool // never redacted (NoText: because it has no text)
	NoText      bool
	Changed     bool // redacted again while it was checked: not recorded
	Damaged     bool // its sealed redaction does not open: not checked, stays blocked
	// MissingTokens counts tokens in its redaction that have no stored
	// mapping (a redaction stored apart from its tokens, by an antidote
	// killed mid-run before they were committed together): it fails.
	MissingTokens int
	Found         []redact.Found // identifiers of redacted types left (places and types only are shown)
	// Suspects are places the greedier second opinion flags (any four
	// numbers 0-255, any hex-and-colon run) that the detector did not: for
	// a person to judge; they do not fail the check.
	Suspects []redact.Suspect
}

// VerifySummary counts a VerifyAll run.
type VerifySummary struct {
	Documents, Passed, Failed, NotRedacted, Changed, Found, Damaged int
	Incomplete                                                      int // failed because tokens have no mapping
}

// VerifyAll checks the stored redaction of every document with the same
// independent check as file verify, and records for each the result
// against the exact redaction it read: redacting a document again takes it
// back to unverified. The release gate counts passed documents. each is
// called per document, in id order; step once per document with the total.
func (ws *Workspace) VerifyAll(ctx context.Context, a Actor, o VerifyOptions, each func(VerifiedDoc) error, step func(total int)) (VerifySummary, error) {
	var sum VerifySummary
	if err := allow(a, auth.DocsWrite); err != nil {
		return sum, err
	}
	docs, err := ws.allDocs(ctx)
	if err != nil {
		return sum, err
	}
	sum.Documents = len(docs)
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if step != nil {
			step(len(docs))
		}
		v := VerifiedDoc{Doc: d.ID}
		r, err := ws.store.Redaction(ctx, d.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			sum.NotRedacted++
			v.NotRedacted, v.NoText = true, d.Meta.TextSize == 0
		case errors.Is(err, store.ErrDamaged):
			sum.Damaged++
			v.Damaged = true
		case err != nil:
			return sum, err
		default:
			err = redact.CheckSuspects(ctx, bytes.NewReader(r.Text), o.Scanner, o.Policy, func(f redact.Found) error {
				v.Found = append(v.Found, f)
				return nil
			}, func(sp redact.Suspect) error {
				v.Suspects = append(v.Suspects, sp)
				return nil
			})
			if err != nil {
				return sum, fmt.Errorf("verify document %d: %w", d.ID, err)
			}
			if v.MissingTokens, err = ws.store.MissingTokens(ctx, ws.tokenKeysIn(r.Text)); err != nil {
				return sum, err
			}
			err = ws.store.RecordCheck(ctx, d.ID, r.Version, len(v.Found) == 0 && v.MissingTokens == 0)
			switch {
			case errors.Is(err, store.ErrChanged):
				sum.Changed++
				v.Changed, v.Found = true, nil
			case err != nil:
				return sum, err
			case len(v.Found) > 0 || v.MissingTokens > 0:
				sum.Failed++
				sum.Found += len(v.Found)
				if v.MissingTokens > 0 {
					sum.Incomplete++
				}
			default:
				sum.Passed++
			}
		}
		if err := each(v); err != nil {
			return sum, err
		}
	}
	detail := auditDetail(map[string]any{
		"documents": sum.Documents, "passed": sum.Passed, "failed": sum.Failed, "not_redacted": sum.NotRedacted, "changed": sum.Changed, "damaged": sum.Damaged,
		"identifiers": sum.Found, "incomplete": sum.Incomplete, "policy": json.RawMessage(o.Policy.String()), "names": o.Names,
	})
	return sum, ws.record(ctx, a, "verify.all", fmt.Sprintf("%d documents", sum.Documents), detail)
}

// tokenKeysIn returns the store keys of the distinct redaction tokens in a
// redacted text.
func (ws *Workspace) tokenKeysIn(text []byte) [][]byte {
	var keys [][]byte
	seen := map[string]bool{}
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isTokenChar(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w := string(text[start:i])
			if _, ok := redact.ParseToken(w); ok && !seen[w] {
				seen[w] = true
				keys = append(keys, ws.tokenKey(w))
			}
			start = -1
		}
	}
	return keys
}

func isTokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// Report totals the stored redactions' statistics per type, scope,
// country, ASN and document. It is empty when nothing was redacted.
func (ws *Workspace) Report(ctx context.Context, a Actor) (redact.Report, error) {
	var rep redact.Report
	if err := allow(a, auth.Report); err != nil {
		return rep, err
	}
	names := map[int64]string{}
	err := ws.store.ListDocs(ctx, func(d store.Doc) error {
		names[d.ID] = docName(d)
		return nil
	})
	if err != nil {
		return rep, err
	}
	err = ws.store.ListRedactionStats(ctx, func(id int64, b []byte) error {
		var st redact.Stats
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("statistics of document %d are damaged: %w", id, err)
		}
		name, ok := names[id]
		if !ok {
			name = strconv.FormatInt(id, 10)
		}
		rep.Add(name, st)
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, ws.record(ctx, a, "report", "", nil)
}

// CheckToken says whether tok can be revealed: a redaction token (such as
// IPv4-US-PQOWZIJAMBDH) or a prefix-preserved address.
func CheckToken(tok string) error {
	if _, ok := redact.ParseToken(tok); ok {
		return nil
	}
	if _, err := netip.ParseAddr(tok); err == nil {
		return nil
	}
	return invalid(fmt.Errorf("%q is not a redaction token (such as IPv4-US-PQOWZIJAMBDH or EMAIL-CJT7NJAT4FFD) nor a prefix-preserved address", tok))
}

// Reveal returns what a token stands for. The reveal is recorded (with its
// outcome) before anything is returned.
func (ws *Workspace) Reveal(ctx context.Context, a Actor, tok string) (kind, value string, err error) {
	if err := allow(a, auth.Reveal); err != nil {
		return "", "", err
	}
	if err := CheckToken(tok); err != nil {
		return "", "", err
	}
	b, lerr := ws.store.LookupToken(ctx, ws.tokenKey(tok))
	outcome := "revealed"
	if errors.Is(lerr, store.ErrNotFound) {
		outcome = "unknown token"
	} else if lerr != nil {
		return "", "", lerr
	}
	// A redaction token is a keyed pseudonym, published in the redacted
	// text: the target names it. A prefix-preserved address looks like,
	// and shares its network with, the real one: the target names it by a
	// keyed MAC (the same address, the same target) and only the sealed
	// detail holds it as typed.
	target := tok
	if _, ok := redact.ParseToken(tok); !ok {
		target = "address " + hex.EncodeToString(ws.tokenKey(tok)[:8])
	}
	if err := ws.record(ctx, a, "reveal", target, auditDetail(map[string]string{"outcome": outcome, "token": tok})); err != nil {
		return "", "", err
	}
	if lerr != nil {
		return "", "", fmt.Errorf("token %s: %w", tok, ErrNotFound)
	}
	var v tokenValue
	if err := json.Unmarshal(b, &v); err != nil {
		return "", "", fmt.Errorf("token record is damaged: %w", err)
	}
	return v.Kind, v.Value, nil
}
