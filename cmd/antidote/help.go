package main

import (
	"antidote/internal/suggest"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// flagOutput collects what the flag package prints (its error line and the
// help) so that parseFlags can send it where it belongs: standard output
// when help was asked for (exit 0), standard error after a mistake (exit 2).
type flagOutput struct {
	bytes.Buffer
	stdout, stderr io.Writer
}

func newFlagSet(e *env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	out := &flagOutput{stdout: e.stdout, stderr: e.stderr}
	fs.SetOutput(out)
	fs.Usage = func() { printFlagHelp(out, usageLine, fs) }
	return fs
}

// printFlagHelp prints a command's usage line and its own flags, each with
// two dashes, as they are typed.
func printFlagHelp(w io.Writer, usageLine string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: antidote %s\n", usageLine)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n        %s", line, strings.ReplaceAll(usage, "\n", "\n        "))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// parseFlags parses and turns flag errors into usage errors (with a "did
// you mean" for a mistyped flag); -h and --help print the help and succeed.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	out, _ := fs.Output().(*flagOutput)
	if out == nil {
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			return withExit(exitUsage, err)
		}
		return err
	}
	defer out.Reset()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		out.WriteTo(out.stdout)
		return errHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest.Closest(strings.TrimLeft(name, "-"), names); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	// The flag package printed the error and the help; print the help only,
	// and let the error (with its suggestion) be printed once, last.
	text := out.String()
	if i := strings.Index(text, "usage: antidote"); i >= 0 {
		text = text[i:]
	}
	io.WriteString(out.stderr, text)
	return withExit(exitUsage, errors.New(msg))
}

// errHelp ends a command after its usage was printed.
var errHelp = withExit(exitOK, errSilent)

// didYouMean adds a suggestion to an unknown name's message.
func didYouMean(name string, candidates []string) string {
	if s := suggest.Closest(name, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// durationFlag is a duration that says what it accepts when it is wrong.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use a number with a unit, such as 30m, 2h or 1h30m", s)
	}
	*f.d = d
	return nil
}

func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var(durationFlag{&d}, name, usage)
	return &d
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
