package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
)

// OpenPostgresTestSchema creates a fresh, uniquely named schema on the
// PostgreSQL server at dsn and opens a Store confined to it. The returned
// cleanup closes the store and drops the schema. It exists for the
// conformance suite and benchmarks, which need isolated databases.
func OpenPostgresTestSchema(ctx context.Context, dsn string, sealer Sealer) (*Store, func(), error) {
	admin, err := Open(ctx, dsn, sealer)
	if err != nil {
		return nil, nil, err
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "antidote_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("create test schema: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		admin.Close()
		return nil, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := Open(ctx, u.String(), sealer)
	if err != nil {
		admin.exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
		return nil, nil, err
	}
	cleanup := func() {
		s.Close()
		admin.exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	return s, cleanup, nil
}
