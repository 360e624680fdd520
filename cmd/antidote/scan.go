package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"antidote/internal/detect"
	"antidote/internal/geo"
	"antidote/internal/redact"
)

// input is one file a scan, redact or verify command reads.
type input struct {
	path string // as given or as found under a directory; "-" for stdin
	rel  string // where its output goes under --out
}

// listInputs expands the PATH arguments: "-" (or none) is stdin, a file is
// itself, a directory is every regular file below it in lexical order.
// skip is a directory not to descend into (the --out directory).
func listInputs(args []string, skip string) ([]input, error) {
	if len(args) == 0 {
		return []input{{path: "-", rel: "stdin"}}, nil
	}
	var out []input
	for _, a := range args {
		if a == "-" {
			out = append(out, input{path: "-", rel: "stdin"})
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", a, unwrapPathError(err))
		}
		if !fi.IsDir() {
			out = append(out, input{path: a, rel: filepath.Base(a)})
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if skip != "" && sameDir(p, skip) {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // symbolic links, devices, sockets
			}
			rel, err := filepath.Rel(a, p)
			if err != nil {
				return err
			}
			out = append(out, input{path: p, rel: rel})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read directory %s: %w", a, err)
		}
	}
	return out, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// openInput opens an input for reading.
func openInput(e *env, in input) (io.ReadCloser, error) {
	if in.path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	f, err := os.Open(in.path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", in.path, unwrapPathError(err))
	}
	return f, nil
}

// readNames reads a names file: one name or term per line; blank lines and
// lines starting with '#' are skipped.
func readNames(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read names file: %w", err)
	}
	var names []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names = append(names, line)
	}
	return names, nil
}

// warnPhrases tells the analyst which entries of the names file are also
// ordinary phrases ("Will Power"), by position only: names are sensitive.
func warnPhrases(w io.Writer, path string, names []string) {
	if ps := detect.LikelyPhrases(names); len(ps) > 0 {
		fmt.Fprintf(w, "names file %s: entries %s are also ordinary words or phrases and may match ordinary text; add \"| case\" to such an entry to match it only capitalised\n", path, strings.Trim(fmt.Sprint(ps), "[]"))
	}
}

// readPolicy reads a policy file, or returns the default policy.
func readPolicy(path string) (redact.Policy, error) {
	if path == "" {
		return redact.DefaultPolicy(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return redact.Policy{}, fmt.Errorf("read policy file: %w", err)
	}
	p, err := redact.ParsePolicy(b)
	if err != nil {
		return p, withExit(exitUsage, fmt.Errorf("policy file %s: %w", path, err))
	}
	return p, nil
}

// scanJSON is one line of 'antidote scan --json'.
type scanJSON struct {
	File    string  `json:"file"`
	Start   int     `json:"start"`
	End     int     `json:"end"`
	Line    int     `json:"line"`
	Col     int     `json:"col"`
	Type    string  `json:"type"`
	Value   string  `json:"value"`
	Label   string  `json:"label,omitempty"`
	Scope   string  `json:"scope,omitempty"`
	Country *string `json:"country,omitempty"`
	ASN     *uint32 `json:"asn,omitempty"`
	Org     string  `json:"org,omitempty"`
	Kept    string  `json:"kept,omitempty"` // why redact leaves it, e.g. "version"
}

func cmdScan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "scan", "scan [--json] [--names FILE] [--show-secrets] [PATH... | -]")
	jsonOut := fs.Bool("json", false, "one JSON object per line: file, start, end, line, col, type, value, and for IP addresses scope, country, asn, and kept (e.g. \"version\") for what redact leaves")
	namesFile := fs.String("names", "", "file of names and terms to find, one per line")
	showSecrets := fs.Bool("show-secrets", false, "print the value of secrets (passwords, keys, tokens) instead of [redacted]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	names, err := readNames(*namesFile)
	if err != nil {
		return err
	}
	warnPhrases(e.stderr, *namesFile, names)
	sc, err := detect.New(detect.Options{Names: names})
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("names file %s: %w", *namesFile, err))
	}
	ins, err := listInputs(fs.Args(), "")
	if err != nil {
		return err
	}
	db, err := geo.Open()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(e.stdout, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	notText := 0
	for _, in := range ins {
		f, err := openInput(e, in)
		if err != nil {
			return err
		}
		text, what := peekText(f)
		if what != "" {
			// A byte-level scan of a compressed or structured file would
			// find nothing and look like a clean result.
			f.Close()
			notText++
			bw.Flush()
			fmt.Fprintf(e.stderr, "antidote: skipped %s: %s, not text; ingest it into a workspace to scan the text extracted from it\n", in.path, what)
			continue
		}
		err = redact.Walk(ctx, text, sc, 0, func(m redact.Found) error {
			j := scanJSON{File: in.path, Start: m.Start, End: m.End, Line: m.Line, Col: m.Col, Type: m.Kind.String(), Value: m.Value, Label: m.Label, Kept: m.Kept}
			if m.Kind == detect.Secret && !*showSecrets {
				j.Value = "[redacted]"
			}
			if (m.Kind == detect.IPv4 || m.Kind == detect.IPv6) && m.Kept == "" {
				j.Scope = m.Scope.String()
				res, _ := db.Lookup(m.Addr)
				j.Country, j.ASN, j.Org = &res.Country, &res.ASN, res.Org
			}
			if *jsonOut {
				return enc.Encode(j)
			}
			return printScanLine(bw, j)
		})
		f.Close()
		if err != nil {
			return fmt.Errorf("scan %s: %w", in.path, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if notText > 0 {
		return withExit(exitPartial, fmt.Errorf("%d of %d inputs skipped as not text (listed above); the rest is scanned", notText, len(ins)))
	}
	return nil
}

// printScanLine writes "file:line:col: type value [scope country ASorg]".
func printScanLine(w io.Writer, j scanJSON) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s %s", j.File, j.Line, j.Col, j.Type, j.Value)
	if j.Label != "" {
		b.WriteString(" (" + j.Label + ")")
	}
	if j.Scope != "" {
		b.WriteString(" " + j.Scope)
		if j.Country != nil && *j.Country != "" {
			b.WriteString(" " + *j.Country)
		}
		if j.ASN != nil && *j.ASN != 0 {
			b.WriteString(" AS" + strconv.FormatUint(uint64(*j.ASN), 10))
			if j.Org != "" {
				b.WriteString(" " + strconv.Quote(j.Org))
			}
		}
	}
	if j.Kept != "" {
		b.WriteString(" kept: " + j.Kept)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
