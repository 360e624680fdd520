package extract

import (
	"os"
	"testing"
)

// TestDumpFile prints the text of $EXTRACT_DUMP (a development aid).
func TestDumpFile(t *testing.T) {
	name := os.Getenv("EXTRACT_DUMP")
	if name == "" {
		t.Skip("EXTRACT_DUMP not set")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	r := walkBytes(t, name, data, Options{})
	for _, d := range r.docs {
		os.Stdout.WriteString("=== " + d.display + " " + d.mediaType + "\n")
		if d.err != nil {
			os.Stdout.WriteString("ERR " + d.err.Error() + "\n")
		}
		os.Stdout.WriteString(d.text + "\n")
	}
}
