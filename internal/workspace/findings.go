package workspace

import (
	"bytes"
	"context"
	"crypto/hmac"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"antidote/internal/auth"
	"antidote/internal/findings"
	"antidote/internal/geo"
	"antidote/internal/redact"
	"antidote/internal/store"
)

// AddFinding records a finding after checking that every cited span lies
// inside its document's text.
func (ws *Workspace) AddFinding(ctx context.Context, a Actor, f findings.Finding) (findings.Finding, error) {
	if err := allow(a, auth.FindingsWrite); err != nil {
		return f, err
	}
	if err := f.Validate(); err != nil {
		return f, invalid(err)
	}
	for _, src := range f.Sources {
		text, err := ws.store.DocText(ctx, src.Doc)
		if err != nil {
			return f, notFound(err, "document %d", src.Doc)
		}
		if src.End > len(text) {
			return f, invalid(fmt.Errorf("--source %d:%d-%d ends past the document's text (%d bytes)", src.Doc, src.Start, src.End, len(text)))
		}
	}
	id, _, err := ws.store.AddFinding(ctx, f, nil)
	if err != nil {
		return f, err
	}
	// What was stored, with its times, is what the caller sees.
	if f, err = ws.store.Finding(ctx, id); err != nil {
		return f, err
	}
	return f, ws.record(ctx, a, "finding.add", fmt.Sprintf("finding %d", id), auditDetail(map[string]any{"state": f.State, "sources": len(f.Sources)}))
}

// Findings lists every finding.
func (ws *Workspace) Findings(ctx context.Context, a Actor) ([]findings.Finding, error) {
	if err := allow(a, auth.FindingsRead); err != nil {
		return nil, err
	}
	all, err := ws.store.Findings(ctx)
	if err != nil {
		return nil, err
	}
	return all, ws.record(ctx, a, "finding.list", "", nil)
}

// Finding returns one finding.
func (ws *Workspace) Finding(ctx context.Context, a Actor, id int64) (findings.Finding, error) {
	if err := allow(a, auth.FindingsRead); err != nil {
		return findings.Finding{}, err
	}
	f, err := ws.store.Finding(ctx, id)
	if err != nil {
		return f, err
	}
	return f, ws.record(ctx, a, "finding.show", fmt.Sprintf("finding %d", id), nil)
}

// MoveFinding accepts, rejects or merges (into another) a finding and
// returns the state it left.
func (ws *Workspace) MoveFinding(ctx context.Context, a Actor, id int64, to findings.State, into int64) (findings.State, error) {
	if err := allow(a, auth.FindingsWrite); err != nil {
		return "", err
	}
	verb := map[findings.State]string{findings.Accepted: "accept", findings.Rejected: "reject", findings.Merged: "merge"}[to]
	var from findings.State
	err := ws.store.MoveFinding(ctx, id, to, into, ws.now(), func(cur findings.Finding) error {
		from = cur.State
		if !findings.CanMove(cur.State, to) {
			return invalid(fmt.Errorf("finding %d is %s and cannot be %sed: %w", id, cur.State, strings.TrimSuffix(verb, "e"), findings.ErrTransition))
		}
		return nil
	})
	if err != nil {
		return from, err
	}
	return from, ws.record(ctx, a, "finding."+verb, fmt.Sprintf("finding %d", id), auditDetail(map[string]any{"from": from, "to": to, "into": into}))
}

// Proposal is a finding proposed (or updated) by ExtractFindings.
type Proposal struct {
	ID        int64    `json:"id"`
	New       bool     `json:"new"`
	Title     string   `json:"title"`
	CVEs      []string `json:"cves"`
	Terms     []string `json:"terms"`
	Exploited bool     `json:"exploited_in_the_wild"`
	Docs      []int64  `json:"docs"`
	Spans     int      `json:"spans"`
}

// ExtractResult is what ExtractFindings proposed.
type ExtractResult struct {
	Proposals []Proposal
	New, Old  int
	Documents int
}

// ExtractFindings proposes findings from the documents (all when docs is
// empty) with the product dictionary dict; rerunning updates the same
// proposals instead of duplicating them.
func (ws *Workspace) ExtractFindings(ctx context.Context, a Actor, dict *findings.Dictionary, docs []int64) (ExtractResult, error) {
	var res ExtractResult
	if err := allow(a, auth.FindingsWrite); err != nil {
		return res, err
	}
	ids := docs
	if len(ids) == 0 {
		var err error
		if ids, err = ws.store.DocIDs(ctx); err != nil {
			return res, err
		}
	}
	res.Documents = len(ids)
	var col findings.Collector
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		text, err := ws.store.DocText(ctx, id)
		if err != nil {
			return res, notFound(err, "document %d", id)
		}
		if len(text) > 0 {
			col.Add(dict.Extract(id, string(text))...)
		}
	}
	if err := ws.markExamined(ctx, ids, "extract"); err != nil {
		return res, err
	}
	mac := ws.keys.MAC("findings.extract")
	now := ws.now().UTC()
	made := []int64{} // recorded with the event: the gate holds the store to it
	for _, p := range col.Proposals(dict) {
		f := p.Finding()
		f.Created = now
		if err := f.Validate(); err != nil {
			return res, fmt.Errorf("extraction proposed an invalid finding: %w", err)
		}
		key := mac.Sum([]byte(p.Key))
		id, created, err := ws.store.AddFinding(ctx, f, key[:])
		if err != nil {
			return res, err
		}
		if created {
			res.New++
			made = append(made, id)
		} else {
			res.Old++
		}
		j := Proposal{ID: id, New: created, Title: p.Title, CVEs: p.CVEs, Terms: p.Terms, Exploited: p.Exploited, Docs: []int64{}, Spans: len(p.Evidence)}
		if j.CVEs == nil {
			j.CVEs = []string{}
		}
		for _, ev := range p.Evidence {
			if len(j.Docs) == 0 || j.Docs[len(j.Docs)-1] != ev.Doc {
				j.Docs = append(j.Docs, ev.Doc)
			}
		}
		res.Proposals = append(res.Proposals, j)
	}
	return res, ws.record(ctx, a, "findings.extract", fmt.Sprintf("%d documents", len(ids)), auditDetail(map[string]any{"new": res.New, "updated": res.Old, "created": made}))
}

// examinedTag is the MAC of an examination record: a row written without
// the workspace key does not open the gate.
type examinedTag [32]byte

func (t examinedTag) Equal(mac []byte) bool { return hmac.Equal(t[:], mac) }

func (ws *Workspace) examinedMAC(x store.Examined) examinedTag {
	return ws.keys.MAC("findings-examined").Sum([]byte(fmt.Sprintf("%d\x00%s\x00%s", x.Doc, x.At.UTC().Format(time.RFC3339Nano), x.How)))
}

func (ws *Workspace) markExamined(ctx context.Context, ids []int64, how string) error {
	at := ws.now().UTC()
	xs := make([]store.Examined, 0, len(ids))
	for _, id := range ids {
		x := store.Examined{Doc: id, At: at, How: how}
		tag := ws.examinedMAC(x)
		x.MAC = tag[:]
		xs = append(xs, x)
	}
	return ws.store.MarkExamined(ctx, xs)
}

// MarkNoFindings records that an analyst examined the documents and found
// nothing to coordinate in them, which the release gate needs as much as a
// findings extraction.
func (ws *Workspace) MarkNoFindings(ctx context.Context, a Actor, docs []int64) error {
	if err := allow(a, auth.FindingsWrite); err != nil {
		return err
	}
	for _, id := range docs {
		if _, err := ws.store.GetDoc(ctx, id); err != nil {
			return notFound(err, "document %d", id)
		}
	}
	if err := ws.markExamined(ctx, docs, "none"); err != nil {
		return err
	}
	return ws.record(ctx, a, "findings.none", fmt.Sprintf("%d documents", len(docs)), auditDetail(map[string]any{"docs": docs}))
}

// Excerpt is the text a finding cites, redacted with the workspace's key
// (identifiers become the same tokens as in the redacted documents), with
// where it stands.
type Excerpt struct {
	Doc  int64  `json:"doc"`
	Page int    `json:"page"` // 1-based: pages are separated by form feeds
	Line int    `json:"line"` // 1-based, on its page's document
	Text string `json:"text"`
}

// excerptContext is how many bytes around a cited span an excerpt shows.
const excerptContext = 80

// Excerpts returns the cited spans of a finding as redacted excerpts. Reading
// the documents to cut them is recorded; the excerpts show no identifier.
func (ws *Workspace) Excerpts(ctx context.Context, a Actor, f findings.Finding) ([]Excerpt, error) {
	if err := allow(a, auth.FindingsRead); err != nil {
		return nil, err
	}
	out, err := ws.excerpts(ctx, f)
	if err != nil || len(f.Sources) == 0 {
		return out, err
	}
	return out, ws.record(ctx, a, "finding.excerpts", fmt.Sprintf("finding %d", f.ID), nil)
}

// excerpts cuts and redacts a finding's cited spans.
func (ws *Workspace) excerpts(ctx context.Context, f findings.Finding) ([]Excerpt, error) {
	if len(f.Sources) == 0 {
		return nil, nil
	}
	key, err := ws.redactionKey()
	if err != nil {
		return nil, err
	}
	db, err := geo.Open()
	if err != nil {
		return nil, err
	}
	r, err := redact.New(redact.Options{Key: key, Policy: redact.DefaultPolicy(), Geo: db})
	if err != nil {
		return nil, err
	}
	var out []Excerpt
	for _, src := range f.Sources {
		text, err := ws.store.DocText(ctx, src.Doc)
		if err != nil {
			return nil, notFound(err, "document %d", src.Doc)
		}
		if src.Start < 0 || src.End > len(text) || src.Start > src.End {
			out = append(out, Excerpt{Doc: src.Doc}) // the text changed since: nothing to cite
			continue
		}
		// The context ends at white space (looking at most excerptContext
		// further, then at a rune start): a cut inside an address or a key
		// would leave a fragment the detector cannot recognise, shown
		// unredacted.
		from, to := max(0, src.Start-excerptContext), min(len(text), src.End+excerptContext)
		for n := 0; from > 0 && !isSpace(text[from-1]) && n < excerptContext; n++ {
			from--
		}
		for from > 0 && !utf8.RuneStart(text[from]) {
			from--
		}
		for n := 0; to < len(text) && !isSpace(text[to]) && n < excerptContext; n++ {
			to++
		}
		for to < len(text) && !utf8.RuneStart(text[to]) {
			to++
		}
		red, _, err := r.Apply(nil, text[from:to])
		if err != nil {
			return nil, err
		}
		before := text[:src.Start]
		out = append(out, Excerpt{
			Doc:  src.Doc,
			Page: 1 + bytes.Count(before, []byte{'\f'}),
			Line: 1 + bytes.Count(before, []byte{'\n'}),
			Text: strings.Join(strings.Fields(string(red)), " "),
		})
	}
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }
