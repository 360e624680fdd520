package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// writeTree writes a built publication under dir.
func writeTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	f, err := os.Open(filepath.Join("testdata", "schemas", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRecordsMatchSchemas validates every OSV record against the OSV
// schema and every CVE record against the CVE JSON 5.1 record schema.
func TestRecordsMatchSchemas(t *testing.T) {
	out := build(t, demoInput(t))
	osv := compileSchema(t, "osv-schema.json")
	cve := compileSchema(t, "cve-record-5.1.1.json")
	n := map[string]int{}
	for p, b := range out.Files {
		var s *jsonschema.Schema
		switch {
		case strings.HasPrefix(p, "osv/"):
			s = osv
		case strings.HasPrefix(p, "cve/"):
			s = cve
		default:
			continue
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		n[p[:3]]++
	}
	if n["osv"] != 4 || n["cve"] != 2 {
		t.Errorf("validated %v, want 4 OSV and 2 CVE records", n)
	}
}

// TestCSAFValidator runs the OASIS/secvisogram validator (strict schema and
// every mandatory test) on every advisory. It needs node and the package
// installed in testdata/validator (npm ci there; .ci/run does it).
func TestCSAFValidator(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat("testdata/validator/node_modules/@secvisogram/csaf-validator-lib"); err != nil {
		skipOrFail(t, "run 'npm ci' in internal/publish/testdata/validator")
	}
	out := build(t, demoInput(t))
	dir := t.TempDir()
	writeTree(t, dir, out.Files)
	var docs []string
	for p := range out.Files {
		if strings.HasPrefix(p, ".well-known/csaf/white/") && strings.HasSuffix(p, ".json") && strings.Count(p, "/") == 4 {
			docs = append(docs, filepath.Join(dir, filepath.FromSlash(p)))
		}
	}
	slices.Sort(docs)
	if len(docs) != 4 {
		t.Fatalf("%d advisories, want 4", len(docs))
	}
	cmd := exec.CommandContext(context.Background(), node, append([]string{"validate.mjs"}, docs...)...)
	cmd.Dir = "testdata/validator"
	res, err := cmd.CombinedOutput()
	t.Logf("%s", res)
	if err != nil {
		t.Fatalf("CSAF validator: %v", err)
	}
	if !bytes.Contains(res, []byte(", 0 errors")) {
		t.Fatalf("validator did not report zero errors")
	}
}

// skipOrFail skips a test that needs an external tool, except in CI, where
// the tool must be there.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why + " (required in CI)")
	}
	t.Skip(why)
}

var _ = json.Marshal
