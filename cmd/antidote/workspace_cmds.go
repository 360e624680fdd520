package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"antidote/internal/secret"
	"antidote/internal/workspace"
)

// kdfParams picks the KDF cost: calibrated to about half a second. Only a
// test builds an env whose kdf field chooses otherwise; nothing in the
// environment of the shipped binary can lower the cost.
func kdfParams(e *env) workspace.KDF {
	if e.kdf != nil {
		return e.kdf()
	}
	return workspace.CalibratedKDF()
}

func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "init", "init [--workspace DIR] [--shares N --threshold K] [--database postgres://...]")
	w := addWorkspaceFlags(fs)
	shares := fs.Int("shares", 0, "also print N recovery shares (k-of-n), e.g. --shares 5 --threshold 3")
	threshold := fs.Int("threshold", 0, "how many shares open the workspace (default: a majority)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("init takes no arguments (use --workspace DIR)")
	}
	if *shares < 0 || *shares == 1 || *shares > 255 {
		return usageErrorf("--shares must be between 2 and 255")
	}
	if *shares > 0 && *threshold == 0 {
		*threshold = *shares/2 + 1
	}
	if *threshold != 0 && (*threshold < 2 || *threshold > *shares) {
		return usageErrorf("--threshold must be between 2 and --shares")
	}
	if w.database != "" {
		u, err := url.Parse(w.database)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return usageErrorf("--database must be a postgres:// URL")
		}
		if _, has := u.User.Password(); has {
			return usageErrorf("--database must not contain a password: it would be stored in antidote.json; use PGPASSWORD or a ~/.pgpass file")
		}
	}
	dir, err := w.resolveDir(e)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, workspace.ConfigFile)); err == nil {
		return fmt.Errorf("a workspace already exists at %s; choose another --workspace", dir)
	}
	pass, err := newPassphrase(e, w)
	if err != nil {
		return err
	}
	if len(pass.Reveal()) < 8 {
		return usageErrorf("the passphrase is too short: use at least 8 characters (a few random words is best)")
	}
	ws, shareList, err := workspace.Create(ctx, w.actor(e), dir, pass, workspace.CreateOptions{
		Database: w.database, KDF: kdfParams(e), Shares: *shares, Threshold: *threshold})
	if err != nil {
		return err
	}
	defer ws.Close()
	fmt.Fprintf(e.stdout, "Created workspace %s (%s database).\n", dir, ws.Dialect())
	if len(shareList) > 0 {
		fmt.Fprintf(e.stdout, "\nRecovery shares: any %d of these %d open the workspace if the passphrase is lost.\n", *threshold, *shares)
		fmt.Fprintln(e.stdout, "Give each to a different trusted person; they are shown only now.")
		for _, s := range shareList {
			fmt.Fprintln(e.stdout, s.Reveal())
		}
	}
	return nil
}

func cmdUnlock(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "unlock", "unlock [--workspace DIR] [--for 15m]")
	w := addWorkspaceFlags(fs)
	ttl := durationVar(fs, "for", 15*time.Minute, "how long the session stays open, such as 30m or 2h")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > 24*time.Hour {
		return usageErrorf("--for must be between 1s and 24h")
	}
	l, err := findWorkspace(e, w)
	if err != nil {
		return err
	}
	dir := l.Dir()
	pass, err := passphrase(e, w, "Passphrase for "+dir+": ")
	if err != nil {
		return err
	}
	keys, err := l.UnlockPassphrase(pass)
	if err != nil {
		return err
	}
	if _, _, err := agentLock(ctx, dir); err != nil {
		return fmt.Errorf("end the previous session: %w", err)
	}
	if err := startAgent(ctx, dir, keys, *ttl); err != nil {
		return err
	}
	ws, err := openWithKeys(ctx, e, w, l, keys, false)
	if err == nil {
		ws.Record(ctx, ws.actor, "unlock", dir, []byte("for "+ttl.String()))
		ws.Close()
	}
	fmt.Fprintf(e.stdout, "Unlocked %s until %s; run 'antidote lock' to end the session sooner.\n", dir, time.Now().Add(*ttl).Format("15:04:05"))
	return nil
}

func cmdLock(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lock", "lock [--workspace DIR]")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir, err := w.resolveDir(e)
	if err != nil {
		return err
	}
	found, pid, err := agentLock(ctx, dir)
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if !found {
		fmt.Fprintln(e.stdout, "No unlocked session for", dir)
		return nil
	}
	fmt.Fprintf(e.stdout, "Locked %s: the unlock agent (pid %d) wiped its key and has ended.\n", dir, pid)
	return nil
}

func cmdPassphrase(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "passphrase", "passphrase [--workspace DIR] [--new-passphrase-file F]")
	w := addWorkspaceFlags(fs)
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from this file (else $ANTIDOTE_NEW_PASSPHRASE, else a prompt)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	l, err := findWorkspace(e, w)
	if err != nil {
		return err
	}
	old, err := passphrase(e, w, "Current passphrase: ")
	if err != nil {
		return err
	}
	keys, err := l.UnlockPassphrase(old)
	if err != nil {
		return err
	}
	np, err := readNewPassphrase(e, *newFile)
	if err != nil {
		return err
	}
	return rewrap(ctx, e, w, l, keys, np, "passphrase")
}

func readNewPassphrase(e *env, file string) (secret.String, error) {
	nw := &wsFlags{passFile: file}
	ne := *e
	ne.lookupEnv = func(k string) (string, bool) {
		if k == "ANTIDOTE_PASSPHRASE" {
			return e.lookupEnv("ANTIDOTE_NEW_PASSPHRASE")
		}
		return e.lookupEnv(k)
	}
	return newPassphrase(&ne, nw)
}

func rewrap(ctx context.Context, e *env, w *wsFlags, l *workspace.Locked, keys *workspace.Keys, np secret.String, action string) error {
	if err := l.SetPassphrase(ctx, w.actor(e), keys, np, kdfParams(e), action); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Passphrase changed; no data was re-encrypted.")
	return nil
}

// readShares reads recovery shares, one per line, from file (standard input
// when file is empty).
func readShares(e *env, file string) ([]secret.String, error) {
	var r io.Reader = e.stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read shares: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read shares: %w", err)
	}
	defer clear(b)
	var shares []secret.String
	for _, line := range strings.Split(string(b), "\n") {
		if s := strings.TrimSpace(line); s != "" {
			shares = append(shares, secret.NewString(s))
		}
	}
	return shares, nil
}

func cmdRecover(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "recover", "recover [--workspace DIR] [--shares-file F]  (shares one per line; default stdin)")
	w := addWorkspaceFlags(fs)
	sharesFile := fs.String("shares-file", "", "file with one recovery share per line (default: standard input)")
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from this file (else $ANTIDOTE_NEW_PASSPHRASE, else a prompt)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	l, err := findWorkspace(e, w)
	if err != nil {
		return err
	}
	shares, err := readShares(e, *sharesFile)
	if err != nil {
		return err
	}
	keys, err := l.Recover(shares)
	if err != nil {
		return err
	}
	np, err := readNewPassphrase(e, *newFile)
	if err != nil {
		return err
	}
	return rewrap(ctx, e, w, l, keys, np, "recover")
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate", "migrate [--workspace DIR]")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	l, keys, err := unlockKeys(ctx, e, w)
	if err != nil {
		return err
	}
	ws, err := openWithKeys(ctx, e, w, l, keys, true)
	if err != nil {
		return err
	}
	defer ws.Close()
	have, err := ws.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Database schema is at version %d.\n", have)
	if err := ws.Record(ctx, ws.actor, "migrate", l.Dir(), nil); err != nil {
		return err
	}
	if ws.IndexDropped() {
		fmt.Fprintln(e.stdout, "The full-text index changed format: rebuilding it from the sealed texts.")
	}
	step, end := indexProgress(e)
	rep, err := ws.FinishUpgrade(ctx, ws.actor, step)
	end()
	if err != nil {
		return fmt.Errorf("%w; the schema is upgraded, but search finds only what the index holds until 'antidote index optimize' finishes the rebuild", err)
	}
	if rep != nil {
		fmt.Fprintf(e.stdout, "Full-text index: %s.\n", indexReport(*rep))
	}
	return nil
}
