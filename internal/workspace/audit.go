package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"antidote/internal/audit"
)

// record appends to the audit log (detail is sealed by the store) and moves
// the head file that lets AuditVerify notice a log cut short.
func (ws *Workspace) record(ctx context.Context, a Actor, action, target string, detail []byte) error {
	ev, err := ws.audit.Record(ctx, a.Name, action, target, detail)
	if err != nil {
		return err
	}
	return ws.writeHead(audit.Head{Seq: ev.Seq, MAC: ev.MAC})
}

// auditDetail encodes an event's detail.
func auditDetail(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("workspace: audit detail %T does not encode: %v", v, err))
	}
	return b
}

// writeHead records the newest audit event outside the database; a head
// that is already further along (another process) is kept.
func (ws *Workspace) writeHead(h audit.Head) error {
	if cur, err := ws.readHead(); err == nil && cur.Seq >= h.Seq {
		return nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(ws.dir, headFile), b); err != nil {
		return fmt.Errorf("record audit head: %w", err)
	}
	return nil
}

func (ws *Workspace) readHead() (audit.Head, error) {
	var h audit.Head
	b, err := os.ReadFile(filepath.Join(ws.dir, headFile))
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(b, &h)
}

// AuditEvent is one entry of the audit log.
type AuditEvent = audit.Event

// AuditList calls fn for every audit event, oldest first.
func (ws *Workspace) AuditList(ctx context.Context, a Actor, fn func(AuditEvent) error) error {
	if err := allow(a, actAdmin); err != nil {
		return err
	}
	if err := ws.record(ctx, a, "audit.list", "", nil); err != nil {
		return err
	}
	return ws.audit.List(ctx, fn)
}

// AuditVerify checks the audit log's keyed chain up to the recorded head and
// returns how many events it verified.
func (ws *Workspace) AuditVerify(ctx context.Context, a Actor) (int64, error) {
	if err := allow(a, actAdmin); err != nil {
		return 0, err
	}
	head, herr := ws.readHead()
	if herr != nil && !errors.Is(herr, os.ErrNotExist) {
		return 0, fmt.Errorf("read audit head %s: %w", headFile, herr)
	}
	n, err := ws.audit.VerifyHead(ctx, head)
	if err != nil {
		return n, fmt.Errorf("audit log verification failed after %d events: %w", n, err)
	}
	return n, ws.record(ctx, a, "audit.verify", "", nil)
}
