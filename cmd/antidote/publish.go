package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/detect"
	"antidote/internal/extract"
	"antidote/internal/findings"
	"antidote/internal/publish"
	"antidote/internal/redact"
	"antidote/internal/store"
)

// This file holds the thin commands over internal/publish: publish init,
// publish key, publish (the release) and serve --public.

func cmdPublish(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "init" || args[0] == "key") {
		return dispatch(ctx, e, "publish", args, map[string]subcommand{"init": cmdPublishInit, "key": cmdPublishKey})
	}
	return cmdPublishRelease(ctx, e, args)
}

func cmdPublishInit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish init", "publish init --name NAME --namespace URL [--contact EMAIL] [--prefix PREFIX]")
	w := addWorkspaceFlags(fs)
	name := fs.String("name", "", "the publisher's name, as advisories print it")
	ns := fs.String("namespace", "", "URL identifying the publisher (CSAF publisher namespace)")
	contact := fs.String("contact", "", "e-mail address for questions about the advisories")
	prefix := fs.String("prefix", "", "advisory ID prefix (default ANTIDOTE)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *name == "" || *ns == "" {
		return usageErrorf("usage: antidote publish init --name NAME --namespace URL [--contact EMAIL]")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	now := time.Now().UTC()
	k, err := publish.NewSigningKey(*name, *contact, now)
	if err != nil {
		return err
	}
	id := publish.Publisher{Name: *name, Namespace: *ns, Contact: *contact, Prefix: strings.ToUpper(*prefix)}
	err = ws.store.InitPublisher(ctx, store.PublisherRecord{Identity: id, Fingerprint: k.Fingerprint, PublicKey: k.Public, PrivateKey: k.Private, Created: now})
	if errors.Is(err, store.ErrExists) {
		return usageErrorf("this workspace already has a publisher and signing key ('antidote publish key' prints it)")
	}
	if err != nil {
		return err
	}
	if err := ws.record(ctx, "publish.init", k.Fingerprint, auditDetail(map[string]any{"fingerprint": k.Fingerprint})); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "publisher %s, signing key %s\n", *name, k.Fingerprint)
	return nil
}

func cmdPublishKey(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish key", "publish key")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.store.Publisher(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return usageErrorf("no publisher yet: run 'antidote publish init --name NAME --namespace URL'")
	}
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(p.PublicKey)
	return err
}

func cmdPublishRelease(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish", "publish --out DIR [--at TIME] [--base-url URL] [--policy F] [--names F]\n"+
		"       antidote publish init --name NAME --namespace URL [--contact EMAIL]\n"+
		"       antidote publish key")
	w := addWorkspaceFlags(fs)
	out := fs.String("out", "", "directory to write the release into (created; an earlier release there is replaced)")
	base := fs.String("base-url", "", "https URL the release will be served at (default: the publisher's namespace)")
	var when timeFlag
	fs.Var(&when, "at", "publish as of this moment (default now), e.g. 2017-12-01T00:00:00Z")
	var rf redactFlags
	rf.add(fs, false)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *out == "" {
		return usageErrorf("usage: antidote publish --out DIR [--at TIME] [--base-url URL]")
	}
	pol, err := readPolicy(rf.policy)
	if err != nil {
		return err
	}
	names, err := readNames(rf.names)
	if err != nil {
		return err
	}
	sc, err := detect.New(detect.Options{Names: names})
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("names file %s: %w", rf.names, err))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	res, err := publishWorkspace(ctx, e, ws, publishOptions{Out: *out, At: when.or(time.Now()), BaseURL: *base, Scanner: sc, Policy: pol, Names: names})
	if err != nil {
		return err
	}
	changed := 0
	for _, a := range res.Advisories {
		if a.Changed {
			changed++
		}
	}
	fmt.Fprintf(e.stdout, "published %d documents and %d advisories (%d new or revised) into %s\nserve it with: antidote serve --public %s --tls-cert CERT --tls-key KEY\n",
		len(res.Documents), len(res.Advisories), changed, *out, *out)
	return nil
}

// publishOptions are one publication's settings.
type publishOptions struct {
	Out     string    // directory to write
	At      time.Time // the publication's moment
	BaseURL string    // "" for the publisher's namespace
	Scanner *detect.Scanner
	Policy  redact.Policy
	Names   []string // listed names, redacted in provenance paths too
}

// publishWorkspace builds the release of an open workspace, writes it,
// records the publication and audits it. The demo calls it too.
func publishWorkspace(ctx context.Context, e *env, ws *workspace, o publishOptions) (publish.Output, error) {
	pub, err := ws.store.Publisher(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return publish.Output{}, usageErrorf("no publisher yet: run 'antidote publish init --name NAME --namespace URL' first")
	}
	if err != nil {
		return publish.Output{}, err
	}
	signer, err := publish.ParseSigningKey(pub.PrivateKey)
	if err != nil {
		return publish.Output{}, err
	}
	at := o.At.UTC()
	in, err := loadPublication(ctx, e, ws, at, o)
	if err != nil {
		return publish.Output{}, err
	}
	in.BaseURL = o.BaseURL
	if in.BaseURL == "" {
		in.BaseURL = pub.Identity.Namespace
	}
	in.Publisher, in.Signer, in.Scanner, in.Redaction = pub.Identity, signer, o.Scanner, o.Policy
	res, err := publish.Build(ctx, in)
	var residual *publish.ResidualError
	if errors.As(err, &residual) {
		return res, withExit(exitLeaks, err)
	}
	if err != nil {
		return res, err
	}
	if err := writeRelease(o.Out, res.Files); err != nil {
		return res, err
	}
	if _, err := ws.store.RecordPublication(ctx, store.Publication{At: at, BaseURL: in.BaseURL, Documents: res.Documents, Advisories: res.Advisories, State: res.State}); err != nil {
		return res, fmt.Errorf("the release was written to %s but not recorded: %w", o.Out, err)
	}
	var advs []string
	for _, a := range res.Advisories {
		advs = append(advs, fmt.Sprintf("%s v%d", a.TrackingID, a.Version))
	}
	err = ws.record(ctx, "publish", at.Format(time.RFC3339), auditDetail(map[string]any{
		"base_url": in.BaseURL, "documents": res.Documents, "advisories": advs}))
	return res, err
}

// loadPublication reads what a publication is built from: the documents
// the release gate allows at at (with their redactions), the whole
// disclosure record and the previous publication's state. Provenance paths
// are redacted like the texts (file names hold addresses and names too).
func loadPublication(ctx context.Context, e *env, ws *workspace, at time.Time, o publishOptions) (publish.Input, error) {
	var in publish.Input
	st := ws.store
	key, err := workspaceRedactionKey(ws)
	if err != nil {
		return in, err
	}
	sink := newTokenSink(ctx, ws)
	rd, err := redact.New(redact.Options{Key: key, Policy: o.Policy, Names: o.Names, OnToken: sink.add})
	if err != nil {
		return in, err
	}
	gin, docs, err := loadGate(ctx, st, at)
	if err != nil {
		return in, err
	}
	g := cases.NewGate(gin)
	stats := map[int64]redact.Stats{}
	err = st.ListRedactionStats(ctx, func(id int64, b []byte) error {
		var s redact.Stats
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("statistics of document %d: %w", id, err)
		}
		stats[id] = s
		return nil
	})
	if err != nil {
		return in, err
	}
	blocked := 0
	for _, d := range docs {
		if dec := g.Decide(d); !dec.Releasable {
			// Say which document stays out and why (the first reason; the
			// release plan has them all).
			if blocked < 20 {
				fmt.Fprintf(e.stderr, "publish: doc %d stays out: %s: %s\n", d.ID, dec.BlockedBy[0].Kind, dec.BlockedBy[0].Detail)
			}
			blocked++
			continue
		}
		r, err := st.Redaction(ctx, d.ID)
		if err != nil {
			return in, fmt.Errorf("document %d: %w", d.ID, err)
		}
		doc, err := st.GetDoc(ctx, d.ID)
		if err != nil {
			return in, err
		}
		var p []byte
		if len(doc.Paths) > 0 {
			if p, _, err = rd.Apply(nil, []byte(extract.DisplayPath(doc.Paths[0].Path))); err != nil {
				return in, err
			}
		}
		in.Documents = append(in.Documents, publish.Document{ID: d.ID, Path: string(p), Text: r.Text, Stats: stats[d.ID], Verified: d.Verified})
	}
	if err := sink.flush(); err != nil {
		return in, err
	}
	if blocked > 0 {
		fmt.Fprintf(e.stderr, "publish: %d documents are not releasable at %s and stay out (see 'antidote release plan --at %s')\n",
			blocked, at.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	if in.Findings, err = st.Findings(ctx); err != nil {
		return in, err
	}
	// The list leaves out the spans; the advisory pages need only which
	// documents describe each finding.
	srcs := map[int64][]findings.Source{}
	for _, d := range docs {
		for _, f := range d.Findings {
			srcs[f] = append(srcs[f], findings.Source{Doc: d.ID})
		}
	}
	for i := range in.Findings {
		in.Findings[i].Sources = srcs[in.Findings[i].ID]
	}
	in.At, in.Cases, in.Events, in.Products, in.Vendors, in.Embargo = at, gin.Cases, gin.Events, gin.Products, gin.Vendors, gin.Policy
	last, err := st.LastPublication(ctx)
	switch {
	case err == nil:
		in.Previous = last.State
		// A document released before and not now is said aloud: the
		// earlier release may still be mirrored.
		now := map[int64]bool{}
		for _, d := range in.Documents {
			now[d.ID] = true
		}
		for _, id := range last.Documents {
			if !now[id] {
				fmt.Fprintf(e.stderr, "publish: doc %d was in the release of %s and is not in this one\n", id, last.At.Format(time.RFC3339))
			}
		}
	case !errors.Is(err, store.ErrNotFound):
		return in, err
	}
	return in, nil
}

// writeRelease writes the tree into a new directory beside dir and renames
// it into place, replacing an earlier release there (and nothing else).
func writeRelease(dir string, files map[string][]byte) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		if _, err := os.Stat(filepath.Join(dir, ".well-known", "csaf", "provider-metadata.json")); err != nil {
			if ents, _ := os.ReadDir(dir); len(ents) > 0 {
				return fmt.Errorf("%s exists and does not hold an antidote release: choose an empty or new directory", dir)
			}
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("write release: %w", err)
	}
	for p, b := range files {
		full := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write release: %w", err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write release: %w", err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("replace release: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("write release: %w", err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve --public DIR [--addr HOST:PORT] --tls-cert F --tls-key F")
	dir := fs.String("public", "", "release directory written by 'antidote publish'")
	addr := fs.String("addr", "127.0.0.1:8443", "address to listen on")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM); CSAF providers are served over HTTPS")
	key := fs.String("tls-key", "", "TLS private key (PEM)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *dir == "" || *cert == "" || *key == "" || fs.NArg() != 0 {
		return usageErrorf("usage: antidote serve --public DIR --tls-cert F --tls-key F [--addr HOST:PORT]")
	}
	if _, err := os.Stat(filepath.Join(*dir, ".well-known", "csaf", "provider-metadata.json")); err != nil {
		return usageErrorf("%s holds no antidote release (no .well-known/csaf/provider-metadata.json)", *dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: releaseHandler(os.DirFS(*dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(e.stderr, "serving %s at https://%s/\n", *dir, ln.Addr())
	if err := srv.ServeTLS(ln, *cert, *key); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// releaseHandler serves a release as a CSAF provider must: the content
// types the standard names, the directory listings the publisher wrote
// (index.html), no redirects, and a strict CSP for the site.
func releaseHandler(root fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		switch {
		case p == "":
			p = "index.html"
		case strings.HasSuffix(r.URL.Path, "/"):
			p += "/index.html"
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			if b, err = fs.ReadFile(root, p+"/index.html"); err != nil {
				http.NotFound(w, r)
				return
			}
			p += "/index.html"
		}
		h := w.Header()
		h.Set("Content-Type", releaseContentType(p))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(b))
	})
}

func releaseContentType(p string) string {
	switch path.Ext(p) {
	case ".json":
		return "application/json"
	case ".asc", ".sha256", ".sha512", ".txt", ".csv":
		return "text/plain; charset=utf-8"
	case ".atom":
		return "application/atom+xml"
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}
