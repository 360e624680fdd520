package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"antidote/internal/auth"
	"antidote/internal/vault"
	"antidote/internal/web"
)

// cmdServe serves the workspace over HTTP: the web console, the vendor
// portal and the JSON API. It binds to loopback unless told otherwise and
// refuses a non-loopback address without TLS unless --insecure-http.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--addr 127.0.0.1:8080] [--tls-cert F --tls-key F] [--insecure-http]")
	w := addWorkspaceFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key, serve HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	insecure := fs.Bool("insecure-http", false, "allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("serve takes no arguments")
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
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	accounts := auth.NewService(ws.store, ws.keys.MAC("auth"))
	if e.getenv("ANTIDOTE_INSECURE_FAST_KDF") == "1" {
		accounts.Password = vault.InsecurePasswordParams()
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	app := &serveApp{ws: ws}
	srv, err := web.New(web.Config{App: app, Accounts: accounts, Admin: serveAdmin{app, accounts}, Logger: log, TLS: useTLS, Classify: classify})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
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
	fmt.Fprintf(e.stderr, "antidote: serving %s on %s://%s/ (stop with Ctrl-C or SIGTERM)\n", ws.dir, scheme, ln.Addr())
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
	for {
		select {
		case err := <-done:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-sweep.C:
			now := time.Now()
			if _, err := ws.store.DeleteExpiredSessions(ctx, now, now.Add(-accounts.IdleTimeout)); err != nil {
				log.Warn("sweep expired sessions", "err", err)
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
