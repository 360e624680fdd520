package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"antidote/internal/geo"
	"antidote/internal/redact"
	"antidote/internal/workspace"
)

// redactFlags are the flags redact, verify and the workspace's redact
// --all share.
type redactFlags struct {
	policy string
	names  string
	prefix bool
}

func (f *redactFlags) add(fs *flag.FlagSet, withPrefix bool) {
	fs.StringVar(&f.policy, "policy", "", "policy file (JSON): what to redact per type and scope; see README")
	fs.StringVar(&f.names, "names", "", "file of names and terms to redact, one per line")
	if withPrefix {
		fs.BoolVar(&f.prefix, "prefix-preserving", false, "replace redacted IP addresses by Crypto-PAn addresses that keep subnet structure (for analysis, never for publication)")
	}
}

func (f *redactFlags) options() (redact.Options, error) {
	pol, err := readPolicy(f.policy)
	if err != nil {
		return redact.Options{}, err
	}
	if f.prefix {
		pol = pol.WithPrefixPreserving()
	}
	names, err := readNames(f.names)
	if err != nil {
		return redact.Options{}, err
	}
	db, err := geo.Open()
	if err != nil {
		return redact.Options{}, err
	}
	return redact.Options{Policy: pol, Names: names, Geo: db}, nil
}

func cmdRedact(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "redact", "redact [--key-file F] [--policy F] [--names F] [--prefix-preserving] [--out DIR] [--report F] [PATH... | -]\n"+
		"       antidote redact --new-key FILE\n"+
		"       antidote redact --all [--policy F] [--names F] [--report F [--with-paths]]   (every document of the workspace)")
	w := addWorkspaceFlags(fs)
	var rf redactFlags
	rf.add(fs, true)
	keyFile := fs.String("key-file", "", "file holding the redaction key (64 hex digits; see --new-key); same key, same tokens")
	newKey := fs.String("new-key", "", "write a fresh random key to this file (mode 0600) and exit")
	outDir := fs.String("out", "", "write redacted files into this directory (needed for several inputs or a directory)")
	report := fs.String("report", "", "write statistics (per type, scope, country, ASN, document) as JSON to this file")
	all := fs.Bool("all", false, "redact every document of the workspace, keeping originals sealed")
	withPaths := fs.Bool("with-paths", false, "--all --report: name documents by their file and member names too (in plaintext in the report; the workspace keeps them sealed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *newKey != "" {
		if fs.NArg() > 0 || *all || *keyFile != "" || *outDir != "" {
			return usageErrorf("--new-key FILE only writes a key; run redact again with --key-file FILE")
		}
		return writeNewKey(e, *newKey)
	}
	opts, err := rf.options()
	if err != nil {
		return err
	}
	warnPhrases(e.stderr, rf.names, opts.Names)
	if *all {
		if fs.NArg() > 0 || *keyFile != "" || *outDir != "" || rf.prefix {
			return usageErrorf("--all redacts the workspace's documents with the workspace's key: it takes no PATH, --key-file, --out or --prefix-preserving")
		}
		if *withPaths && *report == "" {
			return usageErrorf("--with-paths goes with --all --report F")
		}
		return redactAll(ctx, e, w, opts, *report, *withPaths)
	}
	if *withPaths {
		return usageErrorf("--with-paths goes with --all --report F")
	}
	ins, err := listInputs(fs.Args(), *outDir)
	if err != nil {
		return err
	}
	if *outDir == "" {
		for _, a := range fs.Args() {
			if fi, err := os.Stat(a); err == nil && fi.IsDir() {
				return usageErrorf("a directory input needs --out DIR")
			}
		}
		if len(ins) > 1 {
			return usageErrorf("several inputs need --out DIR")
		}
	}
	if len(ins) == 0 {
		return fmt.Errorf("no files to redact under %v", fs.Args())
	}

	var fr *workspace.FileRedaction
	switch {
	case *keyFile != "":
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("read key file: %w", err)
		}
		if opts.Key, err = redact.ParseKeyFile(b); err != nil {
			return withExit(exitUsage, fmt.Errorf("key file %s: %w", *keyFile, err))
		}
	case inWorkspace(e, w):
		ws, err := openWorkspace(ctx, e, w)
		if err != nil {
			return err
		}
		defer ws.Close()
		if fr, err = ws.RedactFiles(ctx, ws.actor, opts); err != nil {
			return err
		}
	default:
		if opts.Key, err = redact.GenerateKey(rand.Reader); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "antidote: no --key-file and no workspace: redacting with a fresh random key, so tokens differ from any other run (make a lasting key with 'antidote redact --new-key FILE')")
	}
	var r *redact.Redactor
	if fr != nil {
		r = fr.Redactor
	} else if r, err = redact.New(opts); err != nil {
		return withExit(exitUsage, err)
	}

	var rep redact.Report
	skipped := 0
	for _, in := range ins {
		st, err := redactOne(ctx, e, r, in, *outDir)
		if errors.Is(err, errNotText) {
			skipped++
			fmt.Fprintf(e.stderr, "antidote: skipped %v\n", err)
			continue
		}
		if err != nil {
			return err
		}
		rep.Add(in.path, st)
	}
	if fr != nil {
		if err := fr.Done(ctx, len(ins), rep); err != nil {
			return err
		}
	}
	if *report != "" {
		if err := writeJSONFile(*report, rep); err != nil {
			return err
		}
	}
	if skipped > 0 {
		return withExit(exitPartial, fmt.Errorf("%d of %d inputs skipped as not text (listed above), nothing written for them; the rest is redacted", skipped, len(ins)))
	}
	return nil
}

// redactOne redacts one input to standard output or under outDir.
func redactOne(ctx context.Context, e *env, r *redact.Redactor, in input, outDir string) (redact.Stats, error) {
	src, err := openInput(e, in)
	if err != nil {
		return redact.Stats{}, err
	}
	defer src.Close()
	text, what := peekText(src)
	if what != "" {
		return redact.Stats{}, fmt.Errorf("%s: %w: %s; redact works on text byte for byte: ingest it into a workspace and use 'antidote redact --all', or convert it to UTF-8 text first", in.path, errNotText, what)
	}
	src = io.NopCloser(text)
	if outDir == "" || in.path == "-" {
		st, err := r.Stream(ctx, src, e.stdout)
		if err != nil {
			return st, fmt.Errorf("redact %s: %w", in.path, err)
		}
		return st, nil
	}
	dst := filepath.Join(outDir, in.rel)
	if fi, err := os.Stat(dst); err == nil {
		if si, err := os.Stat(in.path); err == nil && os.SameFile(fi, si) {
			return redact.Stats{}, usageErrorf("output %s would overwrite its input: choose another --out", dst)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return redact.Stats{}, fmt.Errorf("create output directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".antidote-redact-*")
	if err != nil {
		return redact.Stats{}, fmt.Errorf("create output for %s: %w", in.path, err)
	}
	defer os.Remove(tmp.Name())
	st, err := r.Stream(ctx, src, tmp)
	if err != nil {
		tmp.Close()
		return st, fmt.Errorf("redact %s: %w", in.path, err)
	}
	if err := tmp.Close(); err != nil {
		return st, fmt.Errorf("write %s: %w", dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return st, fmt.Errorf("write %s: %w", dst, err)
	}
	return st, nil
}

func writeNewKey(e *env, path string) error {
	k, err := redact.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: antidote does not overwrite a key file (its tokens would change)", path)
	}
	if err != nil {
		return fmt.Errorf("create key file: %w", unwrapPathError(err))
	}
	if _, err := f.Write(k.KeyFile()); err != nil {
		f.Close()
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	fmt.Fprintf(e.stderr, "antidote: wrote a new redaction key to %s; keep it as secret as the documents\n", path)
	return nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	return nil
}

// inWorkspace reports whether redact runs inside a workspace: one named by
// --workspace or $ANTIDOTE_WORKSPACE, or ./antidote-data if it exists.
func inWorkspace(e *env, w *wsFlags) bool {
	if w.dir != "" || e.getenv("ANTIDOTE_WORKSPACE") != "" {
		return true
	}
	dir, err := w.resolveDir(e)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, workspace.ConfigFile))
	return err == nil
}

// redactAll redacts the extracted text of every document of the workspace
// with the workspace's key, keeping the results and token mapping sealed.
// The report names documents by id; withPaths adds their provenance paths,
// which the workspace keeps sealed, so it warns.
func redactAll(ctx context.Context, e *env, w *wsFlags, opts redact.Options, reportFile string, withPaths bool) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	var pr *docProgress
	res, err := ws.RedactAll(ctx, ws.actor, opts, func(total int) {
		if pr == nil {
			pr = newDocProgress(e.stderr, "redacted", total)
		}
		pr.step()
	})
	if err != nil {
		return err
	}
	rep := res.Report
	fmt.Fprintf(e.stdout, "redacted %d documents (%d without text skipped): %s identifiers found, %s replaced\n",
		len(rep.Documents), res.Skipped, thousands(rep.Total.Found), thousands(rep.Total.Redacted))
	if reportFile != "" {
		if withPaths {
			for i := range rep.Documents {
				rep.Documents[i].Document = res.Paths[i]
			}
			fmt.Fprintf(e.stderr, "antidote: warning: %s names documents by their file, member and attachment names in plaintext; the workspace keeps them sealed. Keep the report as safe as the leak.\n", reportFile)
		}
		if err := writeJSONFile(reportFile, rep); err != nil {
			return err
		}
	}
	if len(res.Damaged) > 0 {
		ids := make([]string, len(res.Damaged))
		for i, id := range res.Damaged {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return withExit(exitPartial, fmt.Errorf("redact: %d documents are damaged (their sealed text does not open) and were not redacted: %s; restore them from a backup or ingest them again",
			len(res.Damaged), strings.Join(ids, ", ")))
	}
	return nil
}
