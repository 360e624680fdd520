package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

type memStore struct{ events []Event }

func (m *memStore) AppendAudit(ctx context.Context, next func(Event) (Event, error)) error {
	var last Event
	if len(m.events) > 0 {
		last = m.events[len(m.events)-1]
	}
	e, err := next(last)
	if err != nil {
		return err
	}
	m.events = append(m.events, e)
	return nil
}

func (m *memStore) ListAudit(ctx context.Context, fn func(Event) error) error {
	for _, e := range m.events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) ListAuditFrom(ctx context.Context, from int64, fn func(Event) error) error {
	for _, e := range m.events {
		if e.Seq < from {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

type hmacKey []byte

func (k hmacKey) Sum(b []byte) [32]byte {
	h := hmac.New(sha256.New, k)
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func newLog(t *testing.T) (*Log, *memStore) {
	st := &memStore{}
	l := New(st, hmacKey("k"))
	now := time.Date(2017, 3, 7, 9, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { now = now.Add(time.Second); return now }
	ctx := context.Background()
	for _, a := range []string{"init", "ingest", "docs.text", "reveal"} {
		if _, err := l.Record(ctx, "alice", a, "doc 3", []byte("detail "+a)); err != nil {
			t.Fatal(err)
		}
	}
	return l, st
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(s *memStore)
	}{
		// An event's fields are rewritten.
		{"actor", func(s *memStore) { s.events[1].Actor = "mallory" }},
		{"action", func(s *memStore) { s.events[2].Action = "docs.list" }},
		{"detail", func(s *memStore) { s.events[3].Detail = []byte("other") }},
		{"time", func(s *memStore) { s.events[0].At = s.events[0].At.Add(time.Hour) }},
		// An event is dropped from the middle or the start.
		{"drop middle", func(s *memStore) { s.events = append(s.events[:1], s.events[2:]...) }},
		{"drop first", func(s *memStore) { s.events = s.events[1:] }},
		// Two events swap places.
		{"reorder", func(s *memStore) { s.events[1], s.events[2] = s.events[2], s.events[1] }},
		// An event is recomputed without the key: a plain SHA-256 is not the MAC.
		{"forged mac", func(s *memStore) {
			s.events[2].Action = "x"
			m := sha256.Sum256([]byte("x"))
			s.events[2].MAC = m[:]
		}},
	}
	for _, tc := range tests {
		l, st := newLog(t)
		if n, err := l.Verify(context.Background()); err != nil || n != 4 {
			t.Fatalf("%s: intact log: %d, %v", tc.name, n, err)
		}
		tc.tamper(st)
		if _, err := l.Verify(context.Background()); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: Verify = %v, want ErrTampered", tc.name, err)
		}
	}
}

func TestWrongKeyFailsVerify(t *testing.T) {
	_, st := newLog(t)
	other := New(st, hmacKey("other"))
	if _, err := other.Verify(context.Background()); !errors.Is(err, ErrTampered) {
		t.Fatalf("Verify under another key = %v, want ErrTampered", err)
	}
}

func TestVerifyHeadDetectsTruncation(t *testing.T) {
	l, st := newLog(t)
	last := st.events[len(st.events)-1]
	head := Head{Seq: last.Seq, MAC: last.MAC}
	if _, err := l.VerifyHead(context.Background(), head, nil); err != nil {
		t.Fatalf("intact: %v", err)
	}
	st.events = st.events[:len(st.events)-1]
	if _, err := l.Verify(context.Background()); err != nil {
		t.Fatalf("a cut tail alone passes the chain check: %v", err)
	}
	if _, err := l.VerifyHead(context.Background(), head, nil); !errors.Is(err, ErrTampered) {
		t.Fatalf("VerifyHead after cutting the last event = %v, want ErrTampered", err)
	}
}

// TestCutAndRegrownTailDetected is the attack that passed before: cut the
// last events, then let ordinary commands append past the old head. The
// head's event is no longer in the log, so both the full check and the
// cheap one at open refuse.
func TestCutAndRegrownTailDetected(t *testing.T) {
	ctx := context.Background()
	l, st := newLog(t)
	last := st.events[len(st.events)-1]
	head := Head{Seq: last.Seq, MAC: last.MAC}
	st.events = st.events[:2]
	for i := 0; i < 6; i++ {
		if _, err := l.Record(ctx, "bob", "docs.list", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.VerifyHead(ctx, head, nil); !errors.Is(err, ErrTampered) {
		t.Errorf("VerifyHead after a cut tail regrew = %v, want ErrTampered", err)
	}
	if _, err := l.Advance(ctx, head); !errors.Is(err, ErrTampered) {
		t.Errorf("Advance after a cut tail regrew = %v, want ErrTampered", err)
	}
}

func TestAdvance(t *testing.T) {
	ctx := context.Background()
	l, st := newLog(t)
	h, err := l.Advance(ctx, Head{})
	if err != nil || h.Seq != 4 {
		t.Fatalf("Advance from nothing = %+v, %v; want event 4", h, err)
	}
	l.Record(ctx, "bob", "search", "", nil)
	h2, err := l.Advance(ctx, h)
	if err != nil || h2.Seq != 5 {
		t.Fatalf("Advance = %+v, %v; want event 5", h2, err)
	}
	st.events[4].Target = "changed"
	if _, err := l.Advance(ctx, h); !errors.Is(err, ErrTampered) {
		t.Errorf("Advance over an altered event = %v, want ErrTampered", err)
	}
	st.events = st.events[:3]
	if _, err := l.Advance(ctx, h); !errors.Is(err, ErrTampered) {
		t.Errorf("Advance past the end = %v, want ErrTampered", err)
	}
	st.events = nil
	if _, err := l.Advance(ctx, h); !errors.Is(err, ErrTampered) {
		t.Errorf("Advance over an emptied log = %v, want ErrTampered", err)
	}
}
