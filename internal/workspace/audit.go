package workspace

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"antidote/internal/audit"
	"antidote/internal/auth"
)

// ErrAuditTampered means the audit log is not the one this workspace
// recorded: events were altered, removed or cut from its end, or its head
// was deleted or changed.
var ErrAuditTampered = audit.ErrTampered

// The audit head: the log's newest event known to this workspace directory
// (sequence number and chain MAC), with a tag under the workspace key so
// that nobody without the passphrase can write one. Every Open checks that
// the log still holds that event and that everything after it chains on
// (cheap: only the new events are read), then moves the head forward; the
// head never moves back. What it defends against and what it does not:
//
//   - The database alone (a PostgreSQL server's owner, a restored backup):
//     cutting or rolling back the log is detected at the next command by
//     every workspace directory whose head saw the cut events.
//   - The workspace directory alone (deleting, zeroing or rewriting the
//     head): detected, the tag does not verify or the head is missing while
//     the log is not empty.
//   - Both rolled back together to an older consistent copy (one person
//     who controls the SQLite file and the directory): not detectable from
//     inside; a checkpoint kept elsewhere (AuditCheckpoint) proves it.
type headFileV1 struct {
	Version int    `json:"version"`
	Seq     int64  `json:"seq"`
	MAC     string `json:"mac"`
	At      string `json:"at"`
	Tag     string `json:"tag"`
}

// headTag authenticates a head (kind "head") or a checkpoint (kind
// "checkpoint") under the workspace's audit-head key.
func (ws *Workspace) headTag(kind string, h audit.Head, at time.Time) []byte {
	var b []byte
	b = append(b, "antidote audit "+kind+" v1\x00"...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.Seq))
	b = binary.BigEndian.AppendUint32(b, uint32(len(h.MAC)))
	b = append(b, h.MAC...)
	b = binary.BigEndian.AppendUint64(b, uint64(at.UTC().Unix()))
	sum := ws.keys.MAC("audit-head").Sum(b)
	return sum[:]
}

// errNoHead is a missing head file.
var errNoHead = errors.New("no audit head")

// errLegacyHead is a head written by an antidote before heads were
// authenticated ({"Seq", "MAC"}). It is accepted once, by the Open that
// migrates the database across schema 50 (the first run of this antidote
// on it), and upgraded; after that a head in the old format was rewritten.
var errLegacyHead = errors.New("the audit head is in the format of an antidote before schema 50 although the database was upgraded: it was rewritten (restore it from a backup, or prove the log with 'antidote audit verify --checkpoint FILE')")

// readHead reads and authenticates the head file; errNoHead if there is
// none.
func (ws *Workspace) readHead() (audit.Head, error) {
	var h audit.Head
	b, err := os.ReadFile(ws.headPath)
	if errors.Is(err, os.ErrNotExist) {
		return h, errNoHead
	}
	if err != nil {
		return h, fmt.Errorf("read audit head: %w", err)
	}
	var f headFileV1
	if err := json.Unmarshal(b, &f); err == nil && f.Version == 0 {
		var old struct {
			Seq int64
			MAC []byte
		}
		if json.Unmarshal(b, &old) == nil && old.Seq > 0 && len(old.MAC) > 0 {
			return audit.Head{Seq: old.Seq, MAC: old.MAC}, fmt.Errorf("%w: %w", ErrAuditTampered, errLegacyHead)
		}
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		return h, fmt.Errorf("%w: the audit head %s is damaged or was written by hand", ErrAuditTampered, filepath.Base(ws.headPath))
	}
	mac, err1 := hex.DecodeString(f.MAC)
	tag, err2 := hex.DecodeString(f.Tag)
	at, err3 := time.Parse(time.RFC3339, f.At)
	h = audit.Head{Seq: f.Seq, MAC: mac}
	if err1 != nil || err2 != nil || err3 != nil || f.Seq < 0 || !hmac.Equal(tag, ws.headTag("head", h, at)) {
		return audit.Head{}, fmt.Errorf("%w: the audit head %s does not authenticate under this workspace's key", ErrAuditTampered, filepath.Base(ws.headPath))
	}
	return h, nil
}

func (ws *Workspace) writeHead(h audit.Head) error {
	at := ws.now().UTC().Truncate(time.Second)
	b, err := json.Marshal(headFileV1{Version: 1, Seq: h.Seq, MAC: hex.EncodeToString(h.MAC), At: at.Format(time.RFC3339),
		Tag: hex.EncodeToString(ws.headTag("head", h, at))})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(ws.headPath, b); err != nil {
		return fmt.Errorf("record audit head: %w", err)
	}
	return nil
}

// lockHead takes the workspace's audit-head lock (an exclusive flock on a
// file beside the head), so that concurrent commands move the head one at a
// time, and cleans the temporaries of head writers that were killed.
func (ws *Workspace) lockHead() (unlock func(), err error) {
	f, err := os.OpenFile(ws.headPath+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock audit head: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock audit head: %w", err)
	}
	// Under the lock no head writer is at work: any temporary is stale.
	if old, _ := filepath.Glob(ws.headPath + ".tmp-*"); len(old) > 0 {
		for _, p := range old {
			os.Remove(p)
		}
	}
	return func() { unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
}

// checkHead runs at Open: the log must still hold the head's event, and
// every later event must chain on from it; the head then moves to the
// log's last event.
// A created workspace's log is never empty (Create records "init"), so an
// empty one was emptied.
// upgrading says this Open migrates the database across schema 50: an
// old-format head is then accepted (if the log still holds its event) and
// upgraded.
func (ws *Workspace) checkHead(ctx context.Context, creating, upgrading bool) error {
	unlock, err := ws.lockHead()
	if err != nil {
		return err
	}
	defer unlock()
	h, err := ws.readHead()
	missing := errors.Is(err, errNoHead)
	legacy := upgrading && errors.Is(err, errLegacyHead)
	if err != nil && !missing && !legacy {
		return err
	}
	next, err := ws.audit.Advance(ctx, h)
	if err != nil {
		return fmt.Errorf("audit log check: %w", err)
	}
	if missing && next.Seq > 0 {
		return fmt.Errorf("%w: the audit head %s is missing but the log holds %d events: it was deleted, or this database is not the one this workspace recorded to (restore the file, or prove the log with 'antidote audit verify --checkpoint FILE')",
			ErrAuditTampered, filepath.Base(ws.headPath), next.Seq)
	}
	if next.Seq == 0 && !creating {
		return fmt.Errorf("%w: the audit log is empty but this workspace recorded its creation: every event was deleted", ErrAuditTampered)
	}
	if next.Seq == h.Seq && !missing && !legacy {
		return nil
	}
	return ws.writeHead(next)
}

// record appends to the audit log (detail is sealed by the store) and moves
// the head over the new event: the log must still hold the head's event
// and chain on from it to the new one, so that a log cut while the
// workspace was open is not laundered by the commands that follow.
func (ws *Workspace) record(ctx context.Context, a Actor, action, target string, detail []byte) error {
	_, err := ws.recordEvent(ctx, a, action, target, detail)
	return err
}

func (ws *Workspace) recordEvent(ctx context.Context, a Actor, action, target string, detail []byte) (audit.Event, error) {
	// A server's requests record concurrently: one at a time in this
	// process (the head's flock orders processes).
	ws.headMu.Lock()
	defer ws.headMu.Unlock()
	ev, err := ws.audit.Record(ctx, a.Name, action, target, detail)
	if err != nil {
		return ev, err
	}
	unlock, err := ws.lockHead()
	if err != nil {
		return ev, err
	}
	defer unlock()
	h, err := ws.readHead()
	if err != nil && !errors.Is(err, errNoHead) {
		return ev, err
	}
	next, err := ws.audit.Advance(ctx, h)
	if err != nil {
		return ev, fmt.Errorf("audit log check: %w", err)
	}
	if next.Seq < ev.Seq {
		return ev, fmt.Errorf("%w: event %d was just recorded but the log ends at event %d", ErrAuditTampered, ev.Seq, next.Seq)
	}
	if next.Seq == h.Seq {
		return ev, nil
	}
	return ev, ws.writeHead(next)
}

// auditDetail encodes an event's detail.
func auditDetail(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("workspace: audit detail %T does not encode: %v", v, err))
	}
	return b
}

// AuditEvent is one entry of the audit log.
type AuditEvent = audit.Event

// AuditList calls fn for every audit event, oldest first.
func (ws *Workspace) AuditList(ctx context.Context, a Actor, fn func(AuditEvent) error) error {
	if err := allow(a, auth.AuditRead); err != nil {
		return err
	}
	if err := ws.record(ctx, a, "audit.list", "", nil); err != nil {
		return err
	}
	return ws.audit.List(ctx, fn)
}

// AuditVerify checks the audit log's whole keyed chain and that it still
// holds the head's event, and, in the same pass, that the database still
// holds what the log vouches for (ErrRecordsMissing); it returns how many
// events it verified.
func (ws *Workspace) AuditVerify(ctx context.Context, a Actor) (int64, error) {
	if err := allow(a, auth.AuditRead); err != nil {
		return 0, err
	}
	head, err := ws.readHead()
	if errors.Is(err, errNoHead) {
		// Create writes the head before its first event.
		return 0, fmt.Errorf("%w: the audit head %s is missing (prove the log with 'antidote audit verify --checkpoint FILE')", ErrAuditTampered, filepath.Base(ws.headPath))
	}
	if err != nil {
		return 0, err
	}
	w := newWitness()
	n, err := ws.audit.VerifyHead(ctx, head, w.see)
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: the audit log is empty but this workspace recorded its creation", ErrAuditTampered)
	}
	if err != nil {
		return n, fmt.Errorf("audit log verification failed after %d events: %w", n, err)
	}
	if err := ws.checkRecords(ctx, w); err != nil {
		return n, err
	}
	return n, ws.record(ctx, a, "audit.verify", "", nil)
}

// Checkpoint is a signed audit head to keep outside the workspace (printed,
// mailed, in a ticket): with it, AuditVerifyCheckpoint proves that nothing
// up to that event was removed or changed, whoever controls the workspace
// directory and the database. It is tagged under the workspace key, so
// only a holder of the passphrase can make or check one.
type Checkpoint struct {
	Seq  int64
	Hash []byte // the event's chain MAC
	At   time.Time
	Tag  []byte
}

const checkpointMagic = "antidote-audit-checkpoint-v1"

// String is the checkpoint's one-line form.
func (c Checkpoint) String() string {
	return fmt.Sprintf("%s seq=%d hash=%s time=%s tag=%s", checkpointMagic, c.Seq, hex.EncodeToString(c.Hash), c.At.UTC().Format(time.RFC3339), hex.EncodeToString(c.Tag))
}

// ParseCheckpoint reads a checkpoint's one-line form (surrounding text and
// blank lines are ignored).
func ParseCheckpoint(b []byte) (Checkpoint, error) {
	var c Checkpoint
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[0] != checkpointMagic {
			continue
		}
		vals := map[string]string{}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			vals[k] = v
		}
		var err error
		var errs [4]error
		c.Seq, errs[0] = strconv.ParseInt(vals["seq"], 10, 64)
		c.Hash, errs[1] = hex.DecodeString(vals["hash"])
		c.At, errs[2] = time.Parse(time.RFC3339, vals["time"])
		c.Tag, errs[3] = hex.DecodeString(vals["tag"])
		if err = errors.Join(errs[:]...); err != nil || c.Seq < 1 {
			return c, invalid(fmt.Errorf("the audit checkpoint is malformed"))
		}
		return c, nil
	}
	return c, invalid(fmt.Errorf("no audit checkpoint found (a line starting %s)", checkpointMagic))
}

// AuditCheckpoint returns a signed checkpoint of the log's newest event
// (after recording the checkpoint itself).
func (ws *Workspace) AuditCheckpoint(ctx context.Context, a Actor) (Checkpoint, error) {
	if err := allow(a, auth.AuditRead); err != nil {
		return Checkpoint{}, err
	}
	ev, err := ws.recordEvent(ctx, a, "audit.checkpoint", "", nil)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Seq: ev.Seq, Hash: ev.MAC, At: ev.At.UTC().Truncate(time.Second)}
	c.Tag = ws.headTag("checkpoint", audit.Head{Seq: c.Seq, MAC: c.Hash}, c.At)
	return c, nil
}

// AuditProof is what AuditVerifyCheckpoint established.
type AuditProof struct {
	Events     int64 // events in the log, all chained and authentic
	Checkpoint int64 // the checkpoint's event, still in the log unchanged
	Reanchored bool  // the head was missing or damaged and now is the log's last event
}

// AuditVerifyCheckpoint verifies the whole chain, that the checkpoint is
// authentic and that the log still holds its event unchanged: nothing up to
// it was removed or changed. If the head file is missing or damaged, the
// head is set again to the log's last event (events after the checkpoint
// are then vouched for by the chain only) and the proof says so.
func (ws *Workspace) AuditVerifyCheckpoint(ctx context.Context, a Actor, c Checkpoint) (AuditProof, error) {
	var p AuditProof
	if err := allow(a, auth.AuditRead); err != nil {
		return p, err
	}
	if !hmac.Equal(c.Tag, ws.headTag("checkpoint", audit.Head{Seq: c.Seq, MAC: c.Hash}, c.At)) {
		return p, fmt.Errorf("the audit checkpoint does not authenticate under this workspace's key: it was altered or belongs to another workspace")
	}
	n, err := ws.audit.VerifyHead(ctx, audit.Head{Seq: c.Seq, MAC: c.Hash}, nil)
	p.Events = n
	if err != nil {
		return p, fmt.Errorf("audit log verification against the checkpoint of event %d failed: %w", c.Seq, err)
	}
	p.Checkpoint = c.Seq
	unlock, err := ws.lockHead()
	if err != nil {
		return p, err
	}
	head, herr := ws.readHead()
	if herr == nil {
		_, herr = ws.audit.Advance(ctx, head)
		if herr != nil {
			unlock()
			return p, fmt.Errorf("audit log check: %w", herr)
		}
	} else {
		last, err := ws.audit.Advance(ctx, audit.Head{Seq: c.Seq, MAC: c.Hash})
		if err == nil {
			err = ws.writeHead(last)
		}
		if err != nil {
			unlock()
			return p, err
		}
		p.Reanchored = true
	}
	unlock()
	return p, ws.record(ctx, a, "audit.verify", "checkpoint "+strconv.FormatInt(c.Seq, 10), nil)
}
