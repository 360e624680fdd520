// Package audit keeps antidote's tamper-evident record of every access to a
// workspace: an append-only chain of events, each carrying a keyed MAC over
// its fields and the previous event's MAC. Without the workspace key nobody
// can rewrite, drop or reorder events without Verify noticing. It owns the
// chaining and verification; persistence is behind the small Store interface.
// It does not log and does no encryption.
package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Event is one audited action. Detail may name a query or a value; the
// store keeps it sealed.
type Event struct {
	Seq    int64
	At     time.Time
	Actor  string
	Action string
	Target string
	Detail []byte
	Prev   []byte
	MAC    []byte
}

// MAC is a keyed hash (vault's HMAC under the workspace's audit key).
type MAC interface {
	Sum(data []byte) [32]byte
}

// Store persists events. Append must read the last event and insert the new
// one atomically, calling next with the last event (Seq 0 when empty).
// ListAuditFrom lists the events with a sequence number of at least from,
// in order.
type Store interface {
	AppendAudit(ctx context.Context, next func(last Event) (Event, error)) error
	ListAudit(ctx context.Context, fn func(Event) error) error
	ListAuditFrom(ctx context.Context, from int64, fn func(Event) error) error
}

// ErrTampered reports a broken chain.
var ErrTampered = errors.New("audit log has been tampered with")

// Log appends and verifies events.
type Log struct {
	mac   MAC
	store Store
	Now   func() time.Time
}

// New returns a log over store, keyed by mac.
func New(store Store, mac MAC) *Log {
	return &Log{mac: mac, store: store, Now: time.Now}
}

// Record appends an event and returns it, so that the caller can keep the
// chain's head elsewhere (a log cut short at its end is only detectable
// against such an anchor).
func (l *Log) Record(ctx context.Context, actor, action, target string, detail []byte) (Event, error) {
	var rec Event
	err := l.store.AppendAudit(ctx, func(last Event) (Event, error) {
		e := Event{
			Seq:    last.Seq + 1,
			At:     l.Now().UTC().Truncate(time.Microsecond),
			Actor:  actor,
			Action: action,
			Target: target,
			Detail: detail,
			Prev:   last.MAC,
		}
		if e.Prev == nil {
			e.Prev = []byte{}
		}
		m := l.sum(e)
		e.MAC = m[:]
		rec = e
		return e, nil
	})
	if err != nil {
		return Event{}, fmt.Errorf("record %s in the audit log: %w", action, err)
	}
	return rec, nil
}

func (l *Log) sum(e Event) [32]byte {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro()))
	for _, f := range [][]byte{[]byte(e.Actor), []byte(e.Action), []byte(e.Target), e.Detail, e.Prev} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return l.mac.Sum(b)
}

// Verify walks the whole chain and returns the number of events, or an
// error wrapping ErrTampered naming the first bad event.
func (l *Log) Verify(ctx context.Context) (int64, error) {
	return l.Walk(ctx, func(Event) error { return nil })
}

// Walk verifies the whole chain as Verify does, calling each for every
// event in order once it is known to be authentic. It stops at the first
// error each returns, or at the first bad event (an error wrapping
// ErrTampered): what each has seen by then is a verified prefix.
func (l *Log) Walk(ctx context.Context, each func(Event) error) (int64, error) {
	var n int64
	var prev []byte
	err := l.store.ListAudit(ctx, func(e Event) error {
		n++
		if e.Seq != n {
			return fmt.Errorf("%w: event %d is missing or out of order (found %d)", ErrTampered, n, e.Seq)
		}
		if !bytes.Equal(e.Prev, prev) && !(len(prev) == 0 && len(e.Prev) == 0) {
			return fmt.Errorf("%w: event %d does not follow event %d", ErrTampered, e.Seq, e.Seq-1)
		}
		m := l.sum(e)
		if !bytes.Equal(m[:], e.MAC) {
			return fmt.Errorf("%w: event %d was altered", ErrTampered, e.Seq)
		}
		prev = e.MAC
		return each(e)
	})
	return n, err
}

// Head is an event's sequence number and MAC, kept apart from the log (a
// head file, a checkpoint): the log must still hold that event, unchanged.
type Head struct {
	Seq int64
	MAC []byte
}

// VerifyHead verifies the whole chain and that it still holds head's
// event: events cut from the end of the log, or the whole log replaced by
// another, are detected. each, if not nil, sees every event as Walk's
// callback does, so that a caller reading the log verifies it in the same
// pass.
func (l *Log) VerifyHead(ctx context.Context, head Head, each func(Event) error) (int64, error) {
	var at Event
	n, err := l.Walk(ctx, func(e Event) error {
		if e.Seq == head.Seq {
			at = e
		}
		if each != nil {
			return each(e)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if head.Seq > n {
		return n, fmt.Errorf("%w: the log ends at event %d but event %d was recorded", ErrTampered, n, head.Seq)
	}
	if head.Seq > 0 && !bytes.Equal(head.MAC, at.MAC) {
		return n, fmt.Errorf("%w: event %d differs from the one recorded", ErrTampered, head.Seq)
	}
	return n, nil
}

// Advance checks that the log still holds head's event unchanged and that
// every later event follows it, and returns the new head (the last event).
// It reads only the events from head on, so it is cheap enough to run
// each time a workspace is opened. A zero head checks the whole chain.
func (l *Log) Advance(ctx context.Context, head Head) (Head, error) {
	from := head.Seq
	if from < 1 {
		from = 1
	}
	cur := head
	first := true
	err := l.store.ListAuditFrom(ctx, from, func(e Event) error {
		if first && head.Seq > 0 {
			first = false
			if e.Seq != head.Seq {
				return fmt.Errorf("%w: event %d, recorded earlier, is missing", ErrTampered, head.Seq)
			}
			if m := l.sum(e); !bytes.Equal(e.MAC, head.MAC) || !bytes.Equal(m[:], e.MAC) {
				return fmt.Errorf("%w: event %d differs from the one recorded", ErrTampered, head.Seq)
			}
			return nil
		}
		first = false
		if e.Seq != cur.Seq+1 {
			return fmt.Errorf("%w: event %d is missing or out of order (found %d)", ErrTampered, cur.Seq+1, e.Seq)
		}
		if !bytes.Equal(e.Prev, cur.MAC) && !(len(cur.MAC) == 0 && len(e.Prev) == 0) {
			return fmt.Errorf("%w: event %d does not follow event %d", ErrTampered, e.Seq, cur.Seq)
		}
		m := l.sum(e)
		if !bytes.Equal(m[:], e.MAC) {
			return fmt.Errorf("%w: event %d was altered", ErrTampered, e.Seq)
		}
		cur = Head{Seq: e.Seq, MAC: e.MAC}
		return nil
	})
	if err != nil {
		return head, err
	}
	if first && head.Seq > 0 {
		return head, fmt.Errorf("%w: the log ends before event %d, which was recorded", ErrTampered, head.Seq)
	}
	return cur, nil
}

// List calls fn for every event in order.
func (l *Log) List(ctx context.Context, fn func(Event) error) error {
	return l.store.ListAudit(ctx, fn)
}
