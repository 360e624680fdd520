package publish

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenAdvisories compares the advisories of the demo input with the
// reviewed copies in testdata/golden; -update rewrites them.
func TestGoldenAdvisories(t *testing.T) {
	out := build(t, demoInput(t))
	for _, p := range []string{
		".well-known/csaf/white/2017/antidote-2017-0001.json",
		".well-known/csaf/white/2017/antidote-2017-0002.json",
		".well-known/csaf/white/2017/antidote-2017-0003.json",
		".well-known/csaf/white/2017/antidote-2017-0005.json",
		"osv/x_ANTIDOTE-2017-0001.json",
		"osv/x_ANTIDOTE-2017-0003.json",
		"osv/x_ANTIDOTE-2017-0005.json",
		"cve/CVE-2017-0561.json",
	} {
		got, ok := out.Files[p]
		if !ok {
			t.Errorf("%s not built", p)
			continue
		}
		kind := path.Dir(p)
		if strings.HasPrefix(kind, ".well-known/csaf") {
			kind = "csaf"
		}
		golden := filepath.Join("testdata", "golden", kind+"-"+path.Base(p))
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (review, then go test -run Golden -update)", p, golden)
		}
	}
}
