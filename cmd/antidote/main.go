// Command antidote holds a leaked archive encrypted at rest, ingests it,
// redacts identifiers, coordinates disclosure with vendors and publishes only
// what is disarmed. This package is the only place that reads the environment
// and flags, wires the domain packages to the store, and exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"antidote/internal/ingest"
	"antidote/internal/workspace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if p := os.Getenv("ANTIDOTE_CPUPROFILE"); p != "" {
		// For benchmarks: a CPU profile holds function names and counts only.
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if err != nil && !errors.Is(err, errSilent) {
		fmt.Fprintf(os.Stderr, "antidote: %v\n", err)
	}
	pprof.StopCPUProfile()
	os.Exit(code)
}

// env carries what a subcommand may touch of the outside world, so that
// tests can call subcommands directly.
type env struct {
	lookupEnv func(string) (string, bool)
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	// kdf, when set, chooses the KDF cost of new keys instead of calibrating
	// it; only tests set it (to vault.InsecureKDF).
	kdf func() workspace.KDF
	// tuneIngest, when set, adjusts an ingest's options after the flags set
	// them; only tests set it (small batches, a kill at a chosen document).
	tuneIngest func(*ingest.Options)
	// held, when set, holds a workspace's keys for the life of this process
	// (the demo runs many commands on one workspace and pays the KDF once).
	held *heldKeys
}

func (e *env) getenv(key string) string {
	v, _ := e.lookupEnv(key)
	return v
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands maps a subcommand name (or "group sub") to its implementation.
// It is a function so that no package-level mutable state exists.
func commands() map[string]command {
	return map[string]command{
		"init":       {"create a new encrypted workspace", cmdInit},
		"unlock":     {"open a time-limited session so commands need no passphrase", cmdUnlock},
		"lock":       {"end the unlocked session", cmdLock},
		"passphrase": {"change the workspace passphrase (no data is re-encrypted)", cmdPassphrase},
		"recover":    {"open the workspace with k-of-n recovery shares and set a new passphrase", cmdRecover},
		"migrate":    {"upgrade the workspace database schema to this antidote's version", cmdMigrate},
		"ingest":     {"ingest files, directories and archives into the workspace", cmdIngest},
		"docs":       {"list, show, print text of, or get documents (docs list|show|text|get)", cmdDocs},
		"search":     {"full-text search over extracted text", cmdSearch},
		"index":      {"merge the full-text index's segments (index optimize)", cmdIndex},
		"audit":      {"show, verify or checkpoint the tamper-evident audit log (audit list|verify|checkpoint)", cmdAudit},
		"demo":       {"build a synthetic leak, ingest it into a temporary workspace and show the results", cmdDemo},
		"scan":       {"print every identifier found in files or stdin", cmdScan},
		"redact":     {"write redacted text with keyed pseudonyms", cmdRedact},
		"verify":     {"fail if redacted files (or, with --all, the workspace's redactions) still contain identifiers", cmdVerify},
		"report":     {"totals of identifiers per type, country, ASN and document", cmdReport},
		"reveal":     {"show the original value of a pseudonym token (audited)", cmdReveal},
		"vendor":     {"manage vendors (vendor add|list|show|edit|remove)", cmdVendor},
		"product":    {"manage products (product add|list|edit|remove)", cmdProduct},
		"finding":    {"manage findings (finding add|list|show|edit|accept|reject|merge|remove)", cmdFinding},
		"findings":   {"propose findings from documents, or record that they hold none (findings extract|none)", cmdFindings},
		"case":       {"coordinate a finding with vendors (case open|list|show|notify|status|public|timeline)", cmdCase},
		"policy":     {"embargo policy per device class (policy show|set)", cmdPolicy},
		"release":    {"release gate (release plan|approve)", cmdRelease},
		"mail":       {"vendor mail: settings, outbox, replies (mail set|show|send|outbox|retry|fetch|import|quarantine)", cmdMail},
		"reminders":  {"queue deadline reminders and unacknowledged notes (reminders run)", cmdReminders},

		"publish": {"write the release: site, CSAF provider, OSV and CVE records (publish|publish init|publish key)", cmdPublish},
		"user":    {"accounts for the web console and API (user add|list|disable|enable|password|totp)", cmdUser},
		"token":   {"bearer tokens for the API (token create|list|revoke)", cmdToken},
		"serve":   {"serve the web console, the vendor portal and the JSON API, or a release (serve --public DIR)", cmdServe},
	}
}

func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, &env{lookupEnv: lookupEnv, stdin: stdin, stdout: stdout, stderr: stderr}, args)
}

func runEnv(ctx context.Context, e *env, args []string) error {
	return advise(dispatchCommand(ctx, e, args))
}

func dispatchCommand(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		usage(e.stderr)
		return withExit(exitUsage, errSilent)
	}
	switch args[0] {
	case "-h", "--help":
		usage(e.stdout)
		return nil
	case "help":
		if len(args) == 1 {
			usage(e.stdout)
			return nil
		}
		// "antidote help case status" is "antidote case status --help".
		return dispatchCommand(ctx, e, append(append([]string{}, args[1:]...), "--help"))
	case "version", "--version":
		fmt.Fprintln(e.stdout, "antidote", version)
		return nil
	case agentCommand:
		return runAgent(ctx, e, args[1:])
	}
	cmds := commands()
	cmd, ok := cmds[args[0]]
	if !ok {
		return usageErrorf("unknown command %q%s; run 'antidote help' for the list", args[0], didYouMean(args[0], sortedKeys(cmds)))
	}
	return cmd.run(ctx, e, args[1:])
}

const version = "0.1.0-dev"

func usage(w io.Writer) {
	fmt.Fprintln(w, "antidote: hold, ingest, redact, coordinate and publish a sensitive leak archive")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: antidote COMMAND [flags] [args]")
	fmt.Fprintln(w)
	cmds := commands()
	for _, n := range sortedKeys(cmds) {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'antidote help COMMAND [SUBCOMMAND]' (or add --help) for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 failed,")
	fmt.Fprintln(w, "2 usage error, 3 done but some inputs were skipped, 4 identifiers found by verify,")
	fmt.Fprintln(w, "5 workspace locked or wrong passphrase.")
}

// Exit codes, documented in README.md.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitPartial = 3
	exitLeaks   = 4
	exitAuth    = 5
)

// errSilent marks an error whose message was already printed.
var errSilent = errors.New("")

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withExit(code int, err error) error { return &exitError{code: code, err: err} }

func usageErrorf(format string, a ...any) error {
	return withExit(exitUsage, fmt.Errorf(format, a...))
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var invalid *workspace.InvalidError
	switch {
	case errors.As(err, &invalid), errors.Is(err, workspace.ErrBadQuery):
		return exitUsage
	case workspace.IsAuthError(err):
		return exitAuth
	}
	return exitFailure
}
