package detect

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	f := os.Getenv("PROBE")
	if f == "" {
		t.Skip()
	}
	var names []string
	if n := os.Getenv("PROBE_NAMES"); n != "" {
		names = strings.Split(n, "|")
	}
	s, err := New(Options{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	fh, _ := os.Open(f)
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		line = strings.ReplaceAll(line, `\n`, "\n")
		ms := s.Scan(nil, []byte(line))
		var parts []string
		for _, m := range ms {
			parts = append(parts, fmt.Sprintf("%v[%q=%s %s%s]", m.Kind, line[m.Start:m.End], m.Value, m.Scope, m.Label))
		}
		ref := refScan(Options{Names: names}, []byte(line))
		diff := ""
		if fmt.Sprint(ref) != fmt.Sprint(ms) {
			diff = "  !!REFDIFF"
		}
		fmt.Printf("%-50q -> %s%s\n", line, strings.Join(parts, " "), diff)
	}
}
