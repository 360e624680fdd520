package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"

	"golang.org/x/text/unicode/norm"

	"antidote/internal/audit"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/vault"
)

// Workspace layout on disk. Nothing here holds plaintext of the leak.
const (
	configFile  = "antidote.json" // format version and database location
	keyFileName = "keys.json"     // the wrapped master key (vault.KeyFile)
	dbFile      = "antidote.db"   // the embedded SQLite database
	blobDirName = "blobs"         // sealed originals too large for the database
)

type wsConfig struct {
	Version  int    `json:"version"`
	Database string `json:"database,omitempty"` // empty: the embedded SQLite file
}

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

func (w *wsFlags) actor(e *env) string {
	if w.as != "" {
		return w.as
	}
	if a := e.getenv("ANTIDOTE_USER"); a != "" {
		return a
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// workspace is an open, unlocked workspace.
type workspace struct {
	dir   string
	cfg   wsConfig
	keys  *vault.Keys
	store *store.Store
	audit *audit.Log
	blobs *blobDir
	actor string
}

// errLocked says how to provide the passphrase.
var errLocked = errors.New("the workspace is locked: run 'antidote unlock', set ANTIDOTE_PASSPHRASE, or pass --passphrase-file")

func isAuthError(err error) bool {
	return errors.Is(err, errLocked) || errors.Is(err, vault.ErrBadPassphrase) || errors.Is(err, vault.ErrBadShares)
}

func readConfig(dir string) (wsConfig, *vault.KeyFile, error) {
	var cfg wsConfig
	b, err := os.ReadFile(filepath.Join(dir, configFile))
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil, fmt.Errorf("no antidote workspace at %s: run 'antidote init' or pass --workspace", dir)
	}
	if err != nil {
		return cfg, nil, fmt.Errorf("read workspace: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, nil, fmt.Errorf("workspace config %s is damaged: %w", filepath.Join(dir, configFile), err)
	}
	if cfg.Version != 1 {
		return cfg, nil, fmt.Errorf("workspace format %d is not supported by this antidote: use a newer antidote", cfg.Version)
	}
	kb, err := os.ReadFile(filepath.Join(dir, keyFileName))
	if err != nil {
		return cfg, nil, fmt.Errorf("read workspace key file: %w", err)
	}
	kf, err := vault.UnmarshalKeyFile(kb)
	if err != nil {
		return cfg, nil, fmt.Errorf("workspace key file: %w", err)
	}
	return cfg, kf, nil
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
func openWorkspace(ctx context.Context, e *env, w *wsFlags) (*workspace, error) {
	dir, cfg, keys, err := unlockKeys(ctx, e, w)
	if err != nil {
		return nil, err
	}
	return openWithKeys(ctx, e, w, dir, cfg, keys, false)
}

// unlockKeys finds the workspace and its keys: held by this process, from
// an unlocked session's agent, or derived from the passphrase.
func unlockKeys(ctx context.Context, e *env, w *wsFlags) (string, wsConfig, *vault.Keys, error) {
	dir, err := w.resolveDir(e)
	if err != nil {
		return "", wsConfig{}, nil, err
	}
	cfg, kf, err := readConfig(dir)
	if err != nil {
		return "", wsConfig{}, nil, err
	}
	keys, err := e.held.keysFor(dir)
	if err != nil {
		keys, err = agentKeys(ctx, dir, kf)
	}
	if err != nil {
		pass, perr := passphrase(e, w, "Passphrase for "+dir+": ")
		if perr != nil {
			return "", wsConfig{}, nil, perr
		}
		keys, err = kf.Unlock(pass)
		if err != nil {
			return "", wsConfig{}, nil, fmt.Errorf("unlock workspace: %w", err)
		}
		releaseKDFMemory()
	}
	return dir, cfg, keys, nil
}

// heldKeys are a workspace's keys kept in this process's memory only, like
// an unlocked session without the agent.
type heldKeys struct {
	dir  string
	keys *vault.Keys
}

func (h *heldKeys) keysFor(dir string) (*vault.Keys, error) {
	if h == nil || h.keys == nil || h.dir != dir {
		return nil, errors.New("no keys held for " + dir)
	}
	return h.keys, nil
}

func openWithKeys(ctx context.Context, e *env, w *wsFlags, dir string, cfg wsConfig, keys *vault.Keys, migrate bool) (*workspace, error) {
	dsn := cfg.Database
	if w.database != "" {
		dsn = w.database
	}
	if dsn == "" {
		dsn = filepath.Join(dir, dbFile)
	}
	st, err := store.Open(ctx, dsn, keys.Sealer("store"))
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, err
		}
	} else if err := st.Check(ctx); err != nil {
		st.Close()
		return nil, err
	}
	ws := &workspace{
		dir:   dir,
		cfg:   cfg,
		keys:  keys,
		store: st,
		audit: audit.New(st, keys.MAC("audit")),
		blobs: &blobDir{dir: filepath.Join(dir, blobDirName), sealer: keys.Sealer("blob")},
		actor: w.actor(e),
	}
	return ws, nil
}

func (ws *workspace) Close() error { return ws.store.Close() }

// record appends to the audit log (detail is sealed by the store) and moves
// the head file that lets 'audit verify' notice a log cut short.
func (ws *workspace) record(ctx context.Context, action, target string, detail []byte) error {
	ev, err := ws.audit.Record(ctx, ws.actor, action, target, detail)
	if err != nil {
		return err
	}
	return ws.writeHead(audit.Head{Seq: ev.Seq, MAC: ev.MAC})
}

const auditHeadFile = "audit-head.json"

// writeHead records the newest audit event outside the database; a head
// that is already further along (another process) is kept.
func (ws *workspace) writeHead(h audit.Head) error {
	if cur, err := ws.readHead(); err == nil && cur.Seq >= h.Seq {
		return nil
	}
	b, _ := json.Marshal(h)
	if err := writeFileAtomic(filepath.Join(ws.dir, auditHeadFile), b); err != nil {
		return fmt.Errorf("record audit head: %w", err)
	}
	return nil
}

func (ws *workspace) readHead() (audit.Head, error) {
	var h audit.Head
	b, err := os.ReadFile(filepath.Join(ws.dir, auditHeadFile))
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(b, &h)
}

// releaseKDFMemory returns the KDF's memory-hard arena (up to 256 MiB) to
// the system at once. Without it the garbage collector sets its next goal
// from a heap that held the arena, and a long ingest would keep twice that
// resident.
func releaseKDFMemory() { debug.FreeOSMemory() }
