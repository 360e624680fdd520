package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/text/unicode/norm"

	"antidote/internal/auth"
	"antidote/internal/secret"
	"antidote/internal/workspace"
)

// wsFlags are the flags every workspace command takes.
type wsFlags struct {
	dir      string
	passFile string
	database string
	as       string
}

func addWorkspaceFlags(fs *flag.FlagSet) *wsFlags {
	w := &wsFlags{}
	fs.StringVar(&w.dir, "workspace", "", "workspace directory (default $ANTIDOTE_WORKSPACE, else ./antidote-data)")
	fs.StringVar(&w.passFile, "passphrase-file", "", "read the passphrase from this file instead of a prompt")
	fs.StringVar(&w.database, "database", "", "database: a postgres:// URL for a team server (default: the workspace's own setting)")
	fs.StringVar(&w.as, "as", "", "acting user recorded in the audit log (default $ANTIDOTE_USER, else the login name)")
	return w
}

func (w *wsFlags) resolveDir(e *env) (string, error) {
	d := w.dir
	if d == "" {
		d = e.getenv("ANTIDOTE_WORKSPACE")
	}
	if d == "" {
		d = "antidote-data"
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", fmt.Errorf("workspace path %s: %w", d, err)
	}
	return abs, nil
}

// actor is who the CLI acts as: a single analyst at a terminal, named by
// --as, $ANTIDOTE_USER or the login name. The name is not authenticated.
func (w *wsFlags) actor(e *env) workspace.Actor {
	name := w.as
	if name == "" {
		name = e.getenv("ANTIDOTE_USER")
	}
	if name == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	return auth.Operator(name)
}

// session is an open workspace and who the command acts as.
type session struct {
	*workspace.Workspace
	actor workspace.Actor
}

// errLocked says how to provide the passphrase.
var errLocked = fmt.Errorf("%w: run 'antidote unlock', set ANTIDOTE_PASSPHRASE, or pass --passphrase-file", workspace.ErrLocked)

// findWorkspace reads the workspace named by the flags, still locked.
func findWorkspace(e *env, w *wsFlags) (*workspace.Locked, error) {
	dir, err := w.resolveDir(e)
	if err != nil {
		return nil, err
	}
	l, err := workspace.Find(dir)
	if errors.Is(err, workspace.ErrNoWorkspace) {
		return nil, fmt.Errorf("no antidote workspace at %s: run 'antidote init' or pass --workspace", dir)
	}
	return l, err
}

// passphrase finds the passphrase without prompting unless a terminal is there.
func passphrase(e *env, w *wsFlags, prompt string) (secret.String, error) {
	if p, ok := e.lookupEnv("ANTIDOTE_PASSPHRASE"); ok && p != "" {
		return nfc(p), nil
	}
	if w.passFile != "" {
		b, err := os.ReadFile(w.passFile)
		if err != nil {
			return secret.String{}, fmt.Errorf("read passphrase file: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return secret.String{}, fmt.Errorf("passphrase file %s is empty", w.passFile)
		}
		return nfc(p), nil
	}
	return promptPassphrase(e, prompt)
}

// nfc normalises a passphrase so that the same words typed on keyboards or
// systems that compose accents differently open the same workspace.
func nfc(p string) secret.String { return secret.NewString(norm.NFC.String(p)) }

// openWorkspace opens and unlocks the workspace named by the flags: with
// the key held by an unlocked session if there is one, else the passphrase.
func openWorkspace(ctx context.Context, e *env, w *wsFlags) (*session, error) {
	l, keys, err := unlockKeys(ctx, e, w)
	if err != nil {
		return nil, err
	}
	return openWithKeys(ctx, e, w, l, keys, false)
}

// unlockKeys finds the workspace and its keys: held by this process, from
// an unlocked session's agent, or derived from the passphrase.
func unlockKeys(ctx context.Context, e *env, w *wsFlags) (*workspace.Locked, *workspace.Keys, error) {
	l, err := findWorkspace(e, w)
	if err != nil {
		return nil, nil, err
	}
	keys, err := e.held.keysFor(l.Dir())
	if err != nil {
		keys, err = agentKeys(ctx, l)
	}
	if err != nil {
		pass, perr := passphrase(e, w, "Passphrase for "+l.Dir()+": ")
		if perr != nil {
			return nil, nil, perr
		}
		if keys, err = l.UnlockPassphrase(pass); err != nil {
			return nil, nil, err
		}
	}
	return l, keys, nil
}

// heldKeys are a workspace's keys kept in this process's memory only, like
// an unlocked session without the agent.
type heldKeys struct {
	dir  string
	keys *workspace.Keys
}

func (h *heldKeys) keysFor(dir string) (*workspace.Keys, error) {
	if h == nil || h.keys == nil || h.dir != dir {
		return nil, errors.New("no keys held for " + dir)
	}
	return h.keys, nil
}

func openWithKeys(ctx context.Context, e *env, w *wsFlags, l *workspace.Locked, keys *workspace.Keys, migrate bool) (*session, error) {
	ws, err := l.Open(ctx, keys, workspace.OpenOptions{Database: w.database, Migrate: migrate,
		InsecurePasswords: e.getenv("ANTIDOTE_INSECURE_FAST_KDF") == "1"})
	if err != nil {
		return nil, err
	}
	return &session{Workspace: ws, actor: w.actor(e)}, nil
}
