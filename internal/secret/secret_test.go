package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNeverPrinted(t *testing.T) {
	const raw = "hunter2-correct-horse"
	s := NewString(raw)
	b := NewBytes([]byte(raw))
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("x", "s", s, "b", b)
	jsonS, _ := json.Marshal(struct{ S String }{s})
	jsonB, _ := json.Marshal(struct{ B Bytes }{b})
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v %v", s, b),
		"%+v": fmt.Sprintf("%+v %+v", s, b),
		"%#v": fmt.Sprintf("%#v %#v", s, b),
		"%s":  fmt.Sprintf("%s %s", s, b),
		"%q":  fmt.Sprintf("%q %q", s, b),
		"%x":  fmt.Sprintf("%x %x", s, b),
		"struct": fmt.Sprintf("%+v", struct {
			S String
			B Bytes
		}{s, b}),
		"json": string(jsonS) + string(jsonB),
		"slog": logged.String(),
	}
	for how, out := range outputs {
		if strings.Contains(out, raw) || strings.Contains(out, fmt.Sprintf("%x", raw)) {
			t.Errorf("%s printed the secret: %s", how, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s did not say [redacted]: %s", how, out)
		}
	}
	if s.Reveal() != raw || string(b.Reveal()) != raw {
		t.Fatal("Reveal must return the raw value")
	}
}

func TestWipe(t *testing.T) {
	b := NewBytes([]byte{1, 2, 3})
	b.Wipe()
	if !bytes.Equal(b.Reveal(), []byte{0, 0, 0}) || b.Len() != 3 {
		t.Fatalf("Wipe left %v", b.Reveal())
	}
	if !NewString("").IsZero() || NewString("a").IsZero() {
		t.Fatal("IsZero")
	}
}
