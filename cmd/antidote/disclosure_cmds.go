package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/workspace"
)

// This file holds what the disclosure commands (vendor, product, finding,
// findings, case, policy, release) share: subcommand dispatch, flag
// parsing with flags after arguments, time and name parsing, output.

type subcommand func(ctx context.Context, e *env, args []string) error

// dispatch runs the subcommand named by args[0].
func dispatch(ctx context.Context, e *env, group string, args []string, subs map[string]subcommand) error {
	names := sortedKeys(subs)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprintf(w, "usage: antidote %s %s [flags] [args]\nRun 'antidote help %s SUBCOMMAND' for its flags.\n", group, strings.Join(names, "|"), group)
		if len(args) == 0 {
			return withExit(exitUsage, errSilent)
		}
		return nil
	}
	run, ok := subs[args[0]]
	if !ok {
		return usageErrorf("unknown subcommand %q%s: use antidote %s %s", args[0], didYouMean(args[0], names), group, strings.Join(names, "|"))
	}
	return run(ctx, e, args[1:])
}

// parseArgs parses flags that may come before or after positional
// arguments ("case status 3 fixed --fixed-version 10.3.1").
func parseArgs(fs *flag.FlagSet, args []string) error {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' && !isNumber(a) {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil {
				if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
					continue
				}
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	if err := parseFlags(fs, append(flags, append([]string{"--"}, pos...)...)); err != nil {
		return err
	}
	return nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// timeFlag is a moment given as RFC 3339 or a date (midnight UTC).
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	t, err := parseWhen(s)
	if err != nil {
		return err
	}
	f.t = t
	return nil
}

func parseWhen(s string) (time.Time, error) { return cases.ParseWhen(s) }

// or returns t, or now when t is zero.
func (f *timeFlag) or(now time.Time) time.Time {
	if f.t.IsZero() {
		return now.UTC()
	}
	return f.t
}

// parseID reads a positive id argument.
func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("%s must be a positive number, got %q", what, s)
	}
	return id, nil
}

// oneID reads the single ID argument of a command such as 'case show
// CASE'; usage is the command's synopsis for the error.
func oneID(fs *flag.FlagSet, what, usage string) (int64, error) {
	if fs.NArg() != 1 {
		return 0, usageErrorf("usage: antidote %s", usage)
	}
	return parseID(what, fs.Arg(0))
}

// jsonLines writes one compact JSON object per line.
type jsonLines struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func newJSONLines(w io.Writer) *jsonLines {
	bw := bufio.NewWriterSize(w, 1<<16)
	return &jsonLines{w: bw, enc: json.NewEncoder(bw)}
}

func (j *jsonLines) put(v any) error { return j.enc.Encode(v) }
func (j *jsonLines) flush() error    { return j.w.Flush() }

// printJSONLines writes a listing as one compact JSON object per line.
func printJSONLines[T any](w io.Writer, list []T) error {
	j := newJSONLines(w)
	for _, v := range list {
		if err := j.put(v); err != nil {
			return err
		}
	}
	return j.flush()
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// notFoundHint turns a store miss into advice.
func notFoundHint(err error, what, list string) error {
	var nf *workspace.NotFoundError
	if errors.As(err, &nf) {
		what = nf.What
	}
	if errors.Is(err, workspace.ErrNotFound) {
		return fmt.Errorf("no such %s in this workspace (see 'antidote %s')", what, list)
	}
	return err
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}
