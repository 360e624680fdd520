package cases

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports keeps the domain free of persistence and transport: the
// store satisfies interfaces declared here, never the other way round.
func TestImports(t *testing.T) {
	for _, dir := range []string{".", "../findings"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				switch {
				case p == "database/sql", strings.HasPrefix(p, "database/sql/"), p == "net/http",
					p == "antidote/internal/store", p == "antidote/internal/web", p == "log", p == "log/slog":
					t.Errorf("%s imports %s: the disclosure domain must stay pure", f, p)
				}
			}
		}
	}
}
