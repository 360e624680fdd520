package vault

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports enforces the package's contract: standard library,
// golang.org/x/crypto and antidote/internal/secret only, and no logging.
func TestImports(t *testing.T) {
	for _, dir := range []string{".", "shamir"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				first, _, _ := strings.Cut(path, "/")
				ok := !strings.Contains(first, ".") && first != "antidote" // standard library
				ok = ok || path == "golang.org/x/crypto" || strings.HasPrefix(path, "golang.org/x/crypto/")
				ok = ok || path == "antidote/internal/secret" || (dir == "." && path == "antidote/internal/vault/shamir")
				// log/slog is allowed only where types implement LogValue to
				// redact themselves; nothing here emits a record.
				if path == "log" || path == "log/slog" && !strings.HasSuffix(file, "keys.go") && !strings.HasSuffix(file, "seal.go") {
					ok = false
				}
				if !ok {
					t.Errorf("%s imports %s, which vault may not", file, path)
				}
			}
		}
	}
}
