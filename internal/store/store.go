// Package store is antidote's persistence: hand-written SQL for SQLite (the
// embedded default, pure Go) and PostgreSQL (teams), with numbered migrations
// embedded per dialect. It holds no plaintext of document content, names,
// paths, identifiers or sensitive case fields: those arrive sealed, or are
// sealed here through the Sealer the caller supplies. It never imports the
// web layer or the domain's services, and it does no cryptography itself.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Sealer encrypts and authenticates small values. ad binds a ciphertext to
// its place (table, column, row) so that swapped ciphertexts fail to open.
// vault.Sealer satisfies it.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(ciphertext, ad []byte) ([]byte, error)
}

// Sentinel errors.
var (
	ErrNotFound     = errors.New("not found")
	ErrSchemaOld    = errors.New("database schema is older than this antidote")
	ErrSchemaNew    = errors.New("database schema is newer than this antidote")
	ErrNotInitiated = errors.New("database has no antidote schema")
	// ErrDamaged means a sealed value does not open: damaged, altered, or
	// written by a newer antidote. It concerns that record alone.
	ErrDamaged = errors.New("sealed record is damaged")
)

// Dialect names a SQL backend.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is an open database. Its methods are safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	sealer  Sealer
	rowMAC  RowMAC // authenticates the rows the release gate trusts (AuthenticateRows)

	stmtMu      sync.Mutex
	blockLookup *sql.Stmt // see blockStmt
}

//go:embed migrations
var migrationFS embed.FS

// Open connects to dsn: "postgres://..." or "postgresql://..." selects
// PostgreSQL, anything else is a SQLite file path (optionally "sqlite:" prefixed).
// It does not migrate; call Migrate or Check.
func Open(ctx context.Context, dsn string, sealer Sealer) (*Store, error) {
	d, driver, conn := parseDSN(dsn)
	db, err := sql.Open(driver, conn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if d == SQLite {
		// One writer at a time is SQLite's model; a single connection also
		// keeps PRAGMAs and transactions simple and avoids SQLITE_BUSY.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w (check the workspace's database address and that the server is running)", d, err)
	}
	return &Store{db: db, dialect: d, sealer: sealer}, nil
}

func parseDSN(dsn string) (Dialect, string, string) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres, "pgx", dsn
	}
	p := strings.TrimPrefix(dsn, "sqlite:")
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return SQLite, "sqlite", "file:" + p + "?" + q.Encode()
}

// Dialect reports the backend in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	if s.blockLookup != nil {
		s.blockLookup.Close()
	}
	s.stmtMu.Unlock()
	return s.db.Close()
}

// DB exposes the handle for tests and benchmarks in this module.
func (s *Store) DB() *sql.DB { return s.db }

// rebind turns ? placeholders into $n for PostgreSQL. Queries in this
// package never contain a literal '?' inside strings.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Tx is a transaction with placeholder rebinding.
type Tx struct {
	tx *sql.Tx
	s  *Store
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.s.rebind(q), args...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.s.rebind(q), args...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.rebind(q), args...)
}

// Prepare prepares q for repeated use inside the transaction.
func (t *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.s.rebind(q))
}

// InsertID inserts a row and returns its generated id column.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, t.s.rebind(q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// inTx runs fn in one transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{tx: tx, s: s}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// InTx runs fn in one transaction for callers in this module that batch
// several store operations (ingest commits a batch of documents at once).
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error { return s.inTx(ctx, fn) }

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.rebind(q), args...)
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.rebind(q), args...)
}

// seal seals v bound to ad; open reverses it.
func (s *Store) seal(v []byte, ad string) []byte { return s.sealer.Seal(v, []byte(ad)) }

func (s *Store) open(ct []byte, ad string) ([]byte, error) {
	if ct == nil {
		return nil, nil
	}
	pt, err := s.sealer.Open(ct, []byte(ad))
	if err != nil {
		return nil, fmt.Errorf("open sealed %s: %w: %w", ad, ErrDamaged, err)
	}
	return pt, nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("migrations", string(s.dialect))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion returns the schema version of the database (0 if none) and
// the newest version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		want = ms[len(ms)-1].version
	}
	var exists bool
	switch s.dialect {
	case Postgres:
		err = s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_version')`).Scan(&exists)
	default:
		var n int
		err = s.queryRow(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&n)
		exists = n > 0
	}
	if err != nil {
		return 0, want, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, want, nil
	}
	err = s.queryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&have)
	if err != nil {
		return 0, want, fmt.Errorf("read schema version: %w", err)
	}
	return have, want, nil
}

// applied returns the schema versions the database has applied.
func (s *Store) applied(ctx context.Context) (map[int]bool, error) {
	rows, err := s.query(ctx, `SELECT version FROM schema_version`)
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// missing lists the migrations this binary knows that the database has not
// applied, oldest first. A migration numbered below the newest applied one
// (work developed side by side and released together) is missing too.
func (s *Store) missing(ctx context.Context) ([]migration, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	done, err := s.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, m := range ms {
		if !done[m.version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// Check refuses a schema older or newer than this binary knows.
func (s *Store) Check(ctx context.Context) error {
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case have == 0:
		return ErrNotInitiated
	case have > want:
		return fmt.Errorf("%w (schema %d, this binary knows up to %d): use a newer antidote", ErrSchemaNew, have, want)
	}
	todo, err := s.missing(ctx)
	if err != nil {
		return err
	}
	if len(todo) > 0 {
		return fmt.Errorf("%w (schema %d lacks migration %s, this binary needs %d)", ErrSchemaOld, have, todo[0].name, want)
	}
	return nil
}

// Migrate applies every migration the database lacks, oldest first, each in
// its own transaction, and returns how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if have > want {
		return 0, fmt.Errorf("%w (schema %d, this binary knows up to %d): use a newer antidote", ErrSchemaNew, have, want)
	}
	var todo []migration
	if have == 0 {
		if todo, err = s.migrations(); err != nil {
			return 0, err
		}
	} else if todo, err = s.missing(ctx); err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range todo {
		err := s.inTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (?)`, m.version)
			return err
		})
		if err != nil {
			return applied, err
		}
		applied++
	}
	return applied, nil
}

// Begin starts a transaction the caller commits or rolls back; ingest uses
// it to write a batch of documents at once.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &Tx{tx: tx, s: s}, nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback abandons the transaction.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// Rebind turns ? placeholders into the dialect's, for tests in this module
// that write SQL of their own (tamper tests).
func (s *Store) Rebind(q string) string { return s.rebind(q) }
