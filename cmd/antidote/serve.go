package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"antidote/internal/auth"
	"antidote/internal/secret"
	"antidote/internal/web"
	"antidote/internal/workspace"
)

// cmdServe serves the workspace over HTTP: the web console, the vendor
// portal and the JSON API. It binds to loopback unless told otherwise and
// refuses a non-loopback address without TLS unless --insecure-http.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--addr 127.0.0.1:8080] [--tls-cert F --tls-key F] [--insecure-http] [--sealed | --shares-file F] | serve --public DIR --tls-cert F --tls-key F")
	w := addWorkspaceFlags(fs)
	addr := fs.String("addr", "", "address to listen on (default 127.0.0.1:8080, with --public 127.0.0.1:8443)")
	public := fs.String("public", "", "serve a release directory written by 'antidote publish' instead of the workspace")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key, serve HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	insecure := fs.Bool("insecure-http", false, "allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy)")
	sealed := fs.Bool("sealed", false, "start sealed: the workspace passphrase is entered in the browser at /unseal")
	sharesFile := fs.String("shares-file", "", "unlock at start with k-of-n recovery shares from this file, one per line (when the passphrase is lost)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *sealed && *sharesFile != "" {
		return usageErrorf("--sealed waits for the passphrase in the browser; --shares-file unlocks at start: choose one")
	}
	if fs.NArg() != 0 {
		return usageErrorf("serve takes no arguments")
	}
	if *public != "" {
		if *certFile == "" || *keyFile == "" || *sealed || *insecure {
			return usageErrorf("usage: antidote serve --public DIR --tls-cert F --tls-key F [--addr HOST:PORT]")
		}
		if *addr == "" {
			*addr = "127.0.0.1:8443"
		}
		return servePublic(ctx, e, *public, *addr, *certFile, *keyFile)
	}
	if *addr == "" {
		*addr = "127.0.0.1:8080"
	}
	if (*certFile == "") != (*keyFile == "") {
		return usageErrorf("--tls-cert and --tls-key go together")
	}
	useTLS := *certFile != ""
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageErrorf("--addr %q: %v", *addr, err)
	}
	if !isLoopback(host) && !useTLS && !*insecure {
		return usageErrorf("refusing to serve plain HTTP on %s, which is not loopback: give --tls-cert and --tls-key, or --insecure-http behind a TLS proxy", *addr)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var mu sync.Mutex
	var open *served // nil while sealed
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if open != nil {
			open.ws.Close()
		}
	}()
	var handler http.Handler
	dir, err := w.resolveDir(e)
	if err != nil {
		return err
	}
	if *sealed {
		l, err := workspace.Find(dir)
		if err != nil {
			return err
		}
		s, err := web.NewSealed(func(ctx context.Context, pass secret.String) (http.Handler, error) {
			keys, err := l.UnlockPassphrase(nfc(pass.Reveal()))
			if workspace.IsAuthError(err) {
				return nil, fmt.Errorf("unlock workspace: %w", web.ErrBadPassphrase)
			}
			if err != nil {
				return nil, err
			}
			ws, err := openWithKeys(ctx, e, w, l, keys, false)
			if err != nil {
				return nil, err
			}
			sv, err := serveWorkspace(ws.Workspace, log, useTLS)
			if err != nil {
				ws.Close()
				return nil, err
			}
			mu.Lock()
			open = sv
			mu.Unlock()
			return sv.handler, nil
		}, log, useTLS)
		if err != nil {
			return err
		}
		handler = s
	} else {
		var ws *session
		if *sharesFile != "" {
			ws, err = openWithShares(ctx, e, w, *sharesFile)
		} else {
			ws, err = openWorkspace(ctx, e, w)
		}
		if err != nil {
			return err
		}
		sv, err := serveWorkspace(ws.Workspace, log, useTLS)
		if err != nil {
			ws.Close()
			return err
		}
		open, handler = sv, sv.handler
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	state := ""
	if *sealed {
		state = " sealed: unseal it at /unseal"
	}
	fmt.Fprintf(e.stderr, "antidote: serving %s on %s://%s/%s (stop with Ctrl-C or SIGTERM)\n", dir, scheme, ln.Addr(), state)
	done := make(chan error, 1)
	go func() {
		if useTLS {
			done <- hs.ServeTLS(ln, *certFile, *keyFile)
		} else {
			done <- hs.Serve(ln)
		}
	}()
	sweep := time.NewTicker(10 * time.Minute)
	defer sweep.Stop()
	// The outbox is delivered every minute and reminders queued every hour,
	// as 'mail send' and 'reminders run' would, by the server itself.
	deliver := time.NewTicker(time.Minute)
	defer deliver.Stop()
	remind := time.NewTicker(time.Hour)
	defer remind.Stop()
	current := func() *served {
		mu.Lock()
		defer mu.Unlock()
		return open
	}
	for {
		select {
		case <-deliver.C:
			if sv := current(); sv != nil {
				serverMail(ctx, sv.ws, log, false)
			}
		case <-remind.C:
			if sv := current(); sv != nil {
				serverMail(ctx, sv.ws, log, true)
			}
		case err := <-done:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-sweep.C:
			mu.Lock()
			sv := open
			mu.Unlock()
			if sv != nil {
				if _, err := sv.ws.SweepSessions(ctx, time.Now()); err != nil {
					log.Warn("sweep expired sessions", "err", err)
				}
			}
		case <-ctx.Done():
			// Graceful: finish the requests in flight, then close.
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := hs.Shutdown(sctx)
			cancel()
			fmt.Fprintln(e.stderr, "antidote: server stopped")
			return err
		}
	}
}

// served is an open workspace and the web server over it.
type served struct {
	ws      *workspace.Workspace
	handler http.Handler
}

func serveWorkspace(ws *workspace.Workspace, log *slog.Logger, useTLS bool) (*served, error) {
	core := web.NewCore(ws)
	srv, err := web.New(web.Config{App: core, Accounts: ws.Accounts(), Admin: core, Logger: log, TLS: useTLS, Classify: web.ClassifyCore})
	if err != nil {
		return nil, err
	}
	return &served{ws: ws, handler: srv}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openWithShares opens the workspace with recovery shares instead of the
// passphrase, and records that it did.
func openWithShares(ctx context.Context, e *env, w *wsFlags, file string) (*session, error) {
	l, err := findWorkspace(e, w)
	if err != nil {
		return nil, err
	}
	shares, err := readShares(e, file)
	if err != nil {
		return nil, err
	}
	keys, err := l.Recover(shares)
	if err != nil {
		return nil, err
	}
	ws, err := openWithKeys(ctx, e, w, l, keys, false)
	if err != nil {
		return nil, err
	}
	if err := ws.Record(ctx, ws.actor, "unlock.shares", l.Dir(), []byte("serve")); err != nil {
		ws.Close()
		return nil, err
	}
	return ws, nil
}

// serverActor is who the server's own background work acts as in the audit
// log.
func serverActor() auth.Identity {
	return auth.Identity{Name: "antidote-server", Role: auth.Admin, Authenticated: true}
}

// serverMail delivers the outbox, and with reminders first queues the
// deadline reminders that are due. A workspace without mail settings has
// nothing to do; other failures are logged (never a message's content) and
// retried at the next tick.
func serverMail(ctx context.Context, ws *workspace.Workspace, log *slog.Logger, reminders bool) {
	if reminders {
		if _, err := ws.RunReminders(ctx, serverActor(), workspace.ReminderOptions{At: time.Now()}); err != nil && !errors.Is(err, workspace.ErrNoMailSettings) {
			log.Warn("queue reminders", "err", err)
		}
	}
	if _, err := ws.SendMail(ctx, serverActor()); err != nil && !errors.Is(err, workspace.ErrNoMailSettings) {
		log.Warn("deliver the outbox", "err", err)
	}
}
