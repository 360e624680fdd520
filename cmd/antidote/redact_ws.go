package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"antidote/internal/detect"
	"antidote/internal/extract"
	"antidote/internal/redact"
	"antidote/internal/store"
)

// workspaceRedactionKey derives the workspace's pseudonym key from its
// master key (through the MAC purpose "redact"), so that tokens are
// consistent across every redaction in the workspace and need no key file.
func workspaceRedactionKey(ws *workspace) (redact.Key, error) {
	sum := ws.keys.MAC("redact").Sum([]byte("antidote redaction key v1"))
	return redact.NewKey(sum[:])
}

// tokenKey is what the store files a token under: a keyed MAC, so that the
// database holds no token in the clear.
func tokenKey(ws *workspace, token string) []byte {
	sum := ws.keys.MAC("redaction-token").Sum([]byte(token))
	return sum[:]
}

// tokenValue is the sealed record of what a token stands for.
type tokenValue struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// tokenSink batches the mappings a redaction reports into the store.
type tokenSink struct {
	ctx     context.Context
	ws      *workspace
	pending []store.TokenValue
	seen    map[string]bool
}

func newTokenSink(ctx context.Context, ws *workspace) *tokenSink {
	return &tokenSink{ctx: ctx, ws: ws, seen: map[string]bool{}}
}

func (t *tokenSink) add(m redact.Mapping) error {
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
	t.pending = append(t.pending, store.TokenValue{Key: tokenKey(t.ws, m.Token), Value: v})
	if len(t.pending) >= 1000 {
		return t.flush()
	}
	return nil
}

func (t *tokenSink) flush() error {
	err := t.ws.store.PutTokens(t.ctx, t.pending)
	clear(t.pending)
	t.pending = t.pending[:0]
	return err
}

// docName is how reports name a workspace document: its id and first path.
func docName(d store.Doc) string {
	name := strconv.FormatInt(d.ID, 10)
	if len(d.Paths) > 0 {
		name += " " + extract.DisplayPath(d.Paths[0].Path)
	}
	return name
}

// allDocs lists every document of the workspace. It collects them first
// so that the caller can read each one's text: SQLite serves one statement
// at a time.
func allDocs(ctx context.Context, st *store.Store) ([]store.Doc, error) {
	var docs []store.Doc
	err := st.ListDocs(ctx, func(d store.Doc) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// redactAll redacts the extracted text of every document of the workspace
// with the workspace's key and stores the results and the token mapping
// sealed. Originals stay as they were.
func redactAll(ctx context.Context, e *env, w *wsFlags, opts redact.Options, reportFile string) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if opts.Key, err = workspaceRedactionKey(ws); err != nil {
		return err
	}
	sink := newTokenSink(ctx, ws)
	opts.OnToken = sink.add
	r, err := redact.New(opts)
	if err != nil {
		return withExit(exitUsage, err)
	}
	docs, err := allDocs(ctx, ws.store)
	if err != nil {
		return err
	}
	var rep redact.Report
	var out []byte
	skipped := 0
	pr := newDocProgress(e.stderr, "redacted", len(docs))
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		pr.step()
		text, err := ws.store.DocText(ctx, d.ID)
		if err != nil {
			return err
		}
		if text == nil {
			skipped++ // no extracted text: nothing to redact
			continue
		}
		var st redact.Stats
		out, st, err = r.Apply(out[:0], text)
		if err != nil {
			return err
		}
		sb, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := ws.store.PutRedaction(ctx, d.ID, out, sb); err != nil {
			return err
		}
		rep.Add(docName(d), st)
	}
	if err := sink.flush(); err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"documents": len(rep.Documents), "found": rep.Total.Found, "redacted": rep.Total.Redacted})
	if err := ws.record(ctx, "redact.all", fmt.Sprintf("%d documents", len(rep.Documents)), detail); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "redacted %d documents (%d without text skipped): %s identifiers found, %s replaced\n",
		len(rep.Documents), skipped, thousands(rep.Total.Found), thousands(rep.Total.Redacted))
	if reportFile != "" {
		return writeJSONFile(reportFile, rep)
	}
	return nil
}

func cmdReveal(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "reveal", "reveal [workspace flags] TOKEN")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("reveal takes one token, such as IPv4-US-PQOWZIJAMBDH")
	}
	tok := fs.Arg(0)
	if _, ok := redact.ParseToken(tok); !ok && !isAddress(tok) {
		return usageErrorf("%q is not a redaction token (such as IPv4-US-PQOWZIJAMBDH or EMAIL-CJT7NJAT4FFD) nor a prefix-preserved address", tok)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	b, lerr := ws.store.LookupToken(ctx, tokenKey(ws, tok))
	outcome := "revealed"
	if errors.Is(lerr, store.ErrNotFound) {
		outcome = "unknown token"
	} else if lerr != nil {
		return lerr
	}
	// The reveal is recorded before anything is shown.
	detail, _ := json.Marshal(map[string]string{"outcome": outcome})
	if err := ws.record(ctx, "reveal", tok, detail); err != nil {
		return err
	}
	if lerr != nil {
		return fmt.Errorf("no token %s in this workspace: tokens are recorded by 'antidote redact' inside the workspace", tok)
	}
	var v tokenValue
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("token record is damaged: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", tok, v.Kind, v.Value)
	return nil
}

func isAddress(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// kindLabel names a type for people: "IP addresses" rather than "ipv4".
func kindLabel(k string) string {
	kk, err := detect.ParseKind(k)
	if err != nil {
		return k
	}
	return map[detect.Kind]string{
		detect.IPv4: "IPv4 addresses", detect.IPv6: "IPv6 addresses", detect.Email: "e-mail addresses",
		detect.MAC: "MAC addresses", detect.Name: "names", detect.Secret: "secrets",
	}[kk]
}
