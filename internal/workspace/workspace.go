// Package workspace is antidote's application core: it finds, creates,
// unlocks and opens a workspace, holds its keys, wires the store to the
// domain packages, and offers every use case as a method that takes a
// context and an acting identity, checks the role, records the audit event
// and returns Go values. The CLI, the web server, the workers and the demo
// call only this package; none of them prints from here or reads flags.
package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"antidote/internal/audit"
	"antidote/internal/auth"
	"antidote/internal/search"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/vault"
)

// Workspace layout on disk. Nothing here holds plaintext of the leak.
const (
	ConfigFile  = "antidote.json" // format version and database location
	keyFileName = "keys.json"     // the wrapped master key (vault.KeyFile)
	dbFile      = "antidote.db"   // the embedded SQLite database
	blobDirName = "blobs"         // sealed originals too large for the database
	headFile    = "audit-head.json"
)

// Sentinel errors a front end maps to its own advice and exit codes.
var (
	// ErrLocked means no key source opened the workspace.
	ErrLocked = errors.New("the workspace is locked")
	// ErrNotFound means the named record does not exist (or is not visible
	// to the actor).
	ErrNotFound = store.ErrNotFound
	// ErrExists means a record with that name exists already.
	ErrExists = store.ErrExists
	// ErrForbidden means the actor's role does not allow the operation.
	ErrForbidden = auth.ErrForbidden
	// ErrNoDatabase means the workspace's database file is gone.
	ErrNoDatabase = errors.New("workspace database missing")
	// ErrSchemaOld means the database needs a migration (Open with
	// Migrate) before this antidote can use it.
	ErrSchemaOld = store.ErrSchemaOld
	// ErrNotInitiated means the database holds no workspace schema.
	ErrNotInitiated = store.ErrNotInitiated
	// ErrNoWorkspace means the directory holds no workspace.
	ErrNoWorkspace = errors.New("no antidote workspace")
)

// IsAuthError reports whether err means the workspace stayed locked: no
// key, a wrong passphrase or rejected recovery shares.
func IsAuthError(err error) bool {
	return errors.Is(err, ErrLocked) || errors.Is(err, vault.ErrBadPassphrase) || errors.Is(err, vault.ErrBadShares)
}

type config struct {
	Version  int    `json:"version"`
	Database string `json:"database,omitempty"` // empty: the embedded SQLite file
}

// Locked is a workspace found on disk whose keys are not yet unlocked.
type Locked struct {
	dir string
	cfg config
	kf  *vault.KeyFile
}

// Find reads the workspace at dir (an absolute path) without unlocking it.
func Find(dir string) (*Locked, error) {
	var cfg config
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoWorkspace, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read workspace: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("workspace config %s is damaged: %w", filepath.Join(dir, ConfigFile), err)
	}
	if cfg.Version != 1 {
		return nil, fmt.Errorf("workspace format %d is not supported by this antidote: use a newer antidote", cfg.Version)
	}
	kb, err := os.ReadFile(filepath.Join(dir, keyFileName))
	if err != nil {
		return nil, fmt.Errorf("read workspace key file: %w", err)
	}
	kf, err := vault.UnmarshalKeyFile(kb)
	if err != nil {
		return nil, fmt.Errorf("workspace key file: %w", err)
	}
	return &Locked{dir: dir, cfg: cfg, kf: kf}, nil
}

// Dir is the workspace directory.
func (l *Locked) Dir() string { return l.dir }

// Keys are an unlocked workspace's keys, held in memory only.
type Keys struct{ k *vault.Keys }

// Export is the master key for an unlock session's agent to hold in memory.
func (k *Keys) Export() secret.Bytes { return k.k.Export() }

// Wipe clears the keys from memory.
func (k *Keys) Wipe() { k.k.Wipe() }

// UnlockPassphrase derives the key-encryption key from the passphrase and
// unwraps the master key.
func (l *Locked) UnlockPassphrase(pass secret.String) (*Keys, error) {
	keys, err := l.kf.Unlock(pass)
	if err != nil {
		return nil, fmt.Errorf("unlock workspace: %w", err)
	}
	releaseKDFMemory()
	return &Keys{keys}, nil
}

// UnlockExport takes a master key exported by Keys.Export (an unlock
// session) and checks that it belongs to this workspace.
func (l *Locked) UnlockExport(b secret.Bytes) (*Keys, error) {
	keys, err := vault.KeysFromExport(b)
	if err != nil {
		return nil, err
	}
	if err := l.kf.Check(keys); err != nil {
		return nil, err
	}
	return &Keys{keys}, nil
}

// Recover rebuilds the master key from k-of-n recovery shares.
func (l *Locked) Recover(shares []secret.String) (*Keys, error) {
	keys, err := l.kf.Recover(shares)
	if err != nil {
		return nil, fmt.Errorf("recover workspace: %w", err)
	}
	return &Keys{keys}, nil
}

// KDF is the cost of the passphrase's key derivation.
type KDF = vault.KDFParams

// CalibratedKDF costs about half a second on this machine.
func CalibratedKDF() KDF { return vault.Calibrate(500 * time.Millisecond) }

// InsecureKDF costs almost nothing: for tests only.
func InsecureKDF() KDF { return vault.InsecureKDF() }

// SetPassphrase wraps the master key under a new passphrase (after a
// passphrase change or a recovery) and records it as action ("passphrase"
// or "recover"). No data is re-encrypted.
func (l *Locked) SetPassphrase(ctx context.Context, a Actor, keys *Keys, np secret.String, kdf KDF, action string) error {
	if err := l.kf.Rewrap(keys.k, np, kdf); err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	kb, err := l.kf.Marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(l.dir, keyFileName), kb); err != nil {
		return err
	}
	ws, err := l.Open(ctx, keys, OpenOptions{})
	if err != nil {
		return err
	}
	defer ws.Close()
	return ws.record(ctx, a, action, l.dir, nil)
}

// CreateOptions configure a new workspace.
type CreateOptions struct {
	Database  string // a postgres:// URL, or empty for the embedded SQLite file
	KDF       KDF
	Shares    int // recovery shares to make (0: none)
	Threshold int // how many open the workspace
}

// Create makes a new workspace at dir, unlocked, and returns the recovery
// shares (shown once, never stored).
func Create(ctx context.Context, a Actor, dir string, pass secret.String, o CreateOptions) (*Workspace, []secret.String, error) {
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return nil, nil, fmt.Errorf("%w at %s", ErrExists, dir)
	}
	kf, keys, shares, err := vault.NewKeyFile(pass, o.KDF, o.Shares, o.Threshold)
	if err != nil {
		return nil, nil, fmt.Errorf("create workspace keys: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create workspace directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create workspace directory: %w", err)
	}
	cfg := config{Version: 1, Database: o.Database}
	kb, err := kf.Marshal()
	if err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, keyFileName), kb); err != nil {
		return nil, nil, err
	}
	l := &Locked{dir: dir, cfg: cfg, kf: kf}
	ws, err := l.open(ctx, &Keys{keys}, OpenOptions{Migrate: true}, true)
	if err != nil {
		os.Remove(filepath.Join(dir, keyFileName))
		return nil, nil, err
	}
	if err := ws.record(ctx, a, "init", dir, nil); err != nil {
		ws.Close()
		return nil, nil, err
	}
	cb, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	// The config is written last: its presence marks a complete workspace
	// (whose audit log holds its "init").
	if err := writeFileAtomic(filepath.Join(dir, ConfigFile), cb); err != nil {
		ws.Close()
		return nil, nil, err
	}
	return ws, shares, nil
}

// rowMACSchema is the schema version from which the release gate's rows
// carry MACs (migration 0050).
const rowMACSchema = 50

// OpenOptions configure Open.
type OpenOptions struct {
	Database string // overrides the workspace's own database setting
	Migrate  bool   // upgrade the schema instead of refusing an older one
	// AuditRecovery skips the audit head check at Open, for 'audit verify'
	// alone: it checks the head itself and can set it again from a
	// checkpoint. Every other use must leave it false.
	AuditRecovery bool
	// InsecurePasswords makes account password hashes cost almost nothing:
	// for tests only, like InsecureKDF.
	InsecurePasswords bool
}

// Workspace is an open, unlocked workspace.
type Workspace struct {
	dir   string
	cfg   config
	keys  *vault.Keys
	store *store.Store
	audit *audit.Log
	blobs *blobDir
	now   func() time.Time
	// headPath is the audit head file for the database in use.
	headPath string

	// engine answers searches; made on first use (searchEngine).
	engineOnce sync.Once
	engine     *search.Engine
	// indexDropped: this Open's upgrade dropped the full-text index (its format changed).
	indexDropped bool
	// accounts are the web's users, sessions and tokens.
	accounts *auth.Service
	// views keeps case views between requests (views.go).
	views caseViews
	// headMu serialises audit writes from concurrent requests.
	headMu sync.Mutex
}

// Open opens the unlocked workspace.
func (l *Locked) Open(ctx context.Context, keys *Keys, o OpenOptions) (*Workspace, error) {
	return l.open(ctx, keys, o, false)
}

// open opens the workspace; creating says Create is making it (its audit
// log is still empty).
func (l *Locked) open(ctx context.Context, keys *Keys, o OpenOptions, creating bool) (*Workspace, error) {
	dsn := l.cfg.Database
	if o.Database != "" {
		dsn = o.Database
	}
	if dsn == "" {
		dsn = filepath.Join(l.dir, dbFile)
		if !creating {
			// SQLite would create an empty database in its place.
			if _, err := os.Stat(dsn); errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w: the workspace database %s is missing: restore it from a backup (antidote never recreates it empty)", ErrNoDatabase, dsn)
			}
		} else if f, err := os.OpenFile(dsn, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			// Created here 0600 (SQLite gives its -wal and -shm files the
			// database file's mode); not by SQLite under the umask.
			f.Close()
		}
		privateFiles(dsn, dsn+"-wal", dsn+"-shm")
	}
	st, err := store.Open(ctx, dsn, keys.k.Sealer("store"))
	if err != nil {
		return nil, err
	}
	st.AuthenticateRows(keys.k.MAC("rows"))
	upgrading, indexDropped := false, false
	if o.Migrate {
		before, _, err := st.SchemaVersion(ctx)
		if err == nil && before > 0 {
			indexDropped, err = st.IndexOutdated(ctx)
		}
		if err == nil {
			_, err = st.Migrate(ctx)
		}
		upgrading = before > 0 && before < rowMACSchema
		if err == nil && upgrading {
			// Rows written before they were authenticated are tagged once,
			// now; from here on an untagged row is a forged one.
			err = st.TagUntaggedRows(ctx)
		}
		if err != nil {
			st.Close()
			return nil, err
		}
	} else if err := st.Check(ctx); err != nil {
		st.Close()
		return nil, err
	}
	ws := &Workspace{
		dir:      l.dir,
		cfg:      l.cfg,
		keys:     keys.k,
		store:    st,
		audit:    audit.New(st, keys.k.MAC("audit")),
		blobs:    &blobDir{dir: filepath.Join(l.dir, blobDirName), sealer: keys.k.Sealer("blob")},
		now:      time.Now,
		headPath: filepath.Join(l.dir, headFile),

		indexDropped: indexDropped,
	}
	ws.accounts = auth.NewService(st, keys.k.MAC("auth"))
	if o.InsecurePasswords {
		ws.accounts.Password = vault.InsecurePasswordParams()
	}
	if o.Database != "" && o.Database != l.cfg.Database {
		// Another database than the workspace's own has its own head.
		sum := sha256.Sum256([]byte(o.Database))
		ws.headPath = filepath.Join(l.dir, "audit-head-"+hex.EncodeToString(sum[:8])+".json")
	}
	if !o.AuditRecovery {
		if err := ws.checkHead(ctx, creating, upgrading); err != nil {
			st.Close()
			return nil, err
		}
	}
	return ws, nil
}

// Close closes the database.
func (ws *Workspace) Close() error { return ws.store.Close() }

// Dir is the workspace directory.
func (ws *Workspace) Dir() string { return ws.dir }

// Dialect names the database: "sqlite" or "postgres".
func (ws *Workspace) Dialect() string { return string(ws.store.Dialect()) }

// SchemaVersion is the database schema's version.
func (ws *Workspace) SchemaVersion(ctx context.Context) (int, error) {
	have, _, err := ws.store.SchemaVersion(ctx)
	return have, err
}

// Record appends an event to the audit log for what a front end did on its
// own behalf (an unlock, a migration); use cases record themselves.
func (ws *Workspace) Record(ctx context.Context, a Actor, action, target string, detail []byte) error {
	return ws.record(ctx, a, action, target, detail)
}

// writeFileAtomic writes a small file through a synced temporary file and a
// rename, so that a crash leaves the old or the new content.
// Each writer has its own temporary (concurrent commands write the audit
// head), created 0600.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	ok = true
	return nil
}

// releaseKDFMemory returns the KDF's memory-hard arena (up to 256 MiB) to
// the system at once. Without it the garbage collector sets its next goal
// from a heap that held the arena, and a long ingest would keep twice that
// resident.
func releaseKDFMemory() { debug.FreeOSMemory() }

// privateFiles takes group and other permissions off files that exist
// (databases created by an older antidote under a 022 umask).
func privateFiles(paths ...string) {
	for _, p := range paths {
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
			os.Chmod(p, fi.Mode().Perm()&0o700)
		}
	}
}
