package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"antidote/internal/web/release"
)

// servePublic serves the release in dir at addr until ctx ends.
func servePublic(ctx context.Context, e *env, dir, addr, cert, key string) error {
	if _, err := os.Stat(filepath.Join(dir, ".well-known", "csaf", "provider-metadata.json")); err != nil {
		return usageErrorf("%s holds no antidote release (no .well-known/csaf/provider-metadata.json)", dir)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: release.Handler(os.DirFS(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(e.stderr, "serving %s at https://%s/\n", dir, ln.Addr())
	if err := srv.ServeTLS(ln, cert, key); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
