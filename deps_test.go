// Package antidote_test enforces the import rules that ARCHITECTURE.md
// describes, so that the map stays true.
package antidote_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// imports returns, per internal package (e.g. "store"), the set of imports of
// its non-test files.
func imports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	err := filepath.WalkDir("internal", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "testdata") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(p, "internal"+string(filepath.Separator))))
		if out[pkg] == nil {
			out[pkg] = map[string]bool{}
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			out[pkg][path] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cmdImports returns the imports of cmd/antidote's non-test files.
func cmdImports(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, err := filepath.Glob(filepath.Join("cmd", "antidote", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			out[path] = p
		}
	}
	return out
}

// TestCLIUsesTheCore holds the CLI to flags, the terminal and exit codes:
// it reaches the store, the keys and the databases only through the core
// (internal/workspace), like every other front end.
func TestCLIUsesTheCore(t *testing.T) {
	ims := cmdImports(t)
	for im, file := range ims {
		switch {
		case im == "antidote/internal/store", im == "antidote/internal/vault", im == "database/sql",
			strings.HasPrefix(im, "github.com/jackc/pgx"), strings.HasPrefix(im, "modernc.org/sqlite"):
			t.Errorf("%s imports %s: the CLI reaches it only through internal/workspace", file, im)
		}
	}
	if ims["antidote/internal/workspace"] == "" {
		t.Error("cmd/antidote does not import internal/workspace: the rule above would hold vacuously")
	}
}

func top(pkg string) string { return strings.SplitN(pkg, "/", 2)[0] }

func TestImportRules(t *testing.T) {
	leaves := map[string]bool{"cputime": true, "suggest": true, "secret": true, "detect": true, "geo": true, "extract": true, "search": true, "synth": true}
	domain := map[string]bool{"findings": true, "cases": true, "ingest": true, "publish": true, "redact": true, "auth": true, "audit": true, "disclosure": true, "mail": true}
	cryptoAtRest := []string{"golang.org/x/crypto/chacha20poly1305", "golang.org/x/crypto/argon2", "golang.org/x/crypto/scrypt", "crypto/cipher"}
	for pkg, ims := range imports(t) {
		for im := range ims {
			internal, isInternal := strings.CutPrefix(im, "antidote/internal/")
			switch {
			case leaves[top(pkg)] && isInternal && top(internal) != "secret" && top(internal) != top(pkg):
				t.Errorf("leaf package %s imports %s: leaves import no antidote package but secret", pkg, im)
			case domain[top(pkg)] && (im == "antidote/internal/store" || im == "antidote/internal/web" || im == "database/sql" || im == "net/http"):
				t.Errorf("domain package %s imports %s: declare a small interface instead", pkg, im)
			case top(pkg) == "store" && isInternal && top(internal) == "web", top(pkg) == "web" && isInternal && top(internal) == "store":
				t.Errorf("%s imports %s: web and store never import each other", pkg, im)
			}
			if strings.HasPrefix(im, "github.com/blevesearch/bleve") {
				t.Errorf("%s imports %s: bleve is the search benchmark's peer, never part of antidote (its index would be plaintext on disk)", pkg, im)
			}
			if top(pkg) != "vault" {
				for _, c := range cryptoAtRest {
					if im == c {
						t.Errorf("%s imports %s: only vault does encryption at rest", pkg, im)
					}
				}
			}
		}
	}
}
