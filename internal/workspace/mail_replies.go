package workspace

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"antidote/internal/auth"
	"antidote/internal/mail"
	"antidote/internal/secret"
	"antidote/internal/store"
)

// ReplyOutcome is what importing one message did: accepted into a case's
// thread as a comment from its vendor, quarantined (Quarantine says why,
// Detail without the message's content), or a duplicate of a message
// imported before (nothing added). Source and Index say which message it
// was: a file or mailbox, and the message's place in it, from 1.
type ReplyOutcome struct {
	Source     string      `json:"file"`
	Index      int         `json:"index"`
	Case       int64       `json:"case,omitempty"`
	Vendor     string      `json:"vendor,omitempty"`
	Quarantine mail.Reason `json:"quarantine,omitempty"`
	Detail     string      `json:"detail,omitempty"`
	Duplicate  bool        `json:"duplicate"`
	Signed     bool        `json:"signed"`
	Encrypted  bool        `json:"encrypted"`
}

// Quarantine reasons.
const (
	ReplyMalformed     = mail.Malformed
	ReplyUndecryptable = mail.Undecryptable
	ReplyUnknownSender = mail.UnknownSender
	ReplyBadSignature  = mail.BadSignature
	ReplyUnmatched     = mail.Unmatched
)

// QuarantineEntry is a reply kept for an analyst.
type QuarantineEntry = store.QuarantineEntry

// replyImport reads replies one at a time into the workspace.
type replyImport struct {
	ws  *Workspace
	a   Actor
	im  *mail.Importer
	cat *Catalog
}

func (ws *Workspace) newReplyImport(ctx context.Context, a Actor) (*replyImport, error) {
	from := "antidote@localhost"
	if st, err := ws.mailSettings(ctx); err == nil {
		from = st.From
	}
	key, err := ws.workspacePGP(ctx, a, from)
	if err != nil {
		return nil, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return nil, err
	}
	vendors, err := ws.store.Vendors(ctx, true)
	if err != nil {
		return nil, err
	}
	sent := func(id string) (int64, int64, bool) {
		c, v, ok, _ := ws.store.SentMessage(ctx, ws.mailMAC("message-id", id))
		return c, v, ok
	}
	caseOf := func(id int64) ([]int64, bool) {
		c, _, err := ws.store.Case(ctx, id)
		if err != nil {
			return nil, false
		}
		var vs []int64
		for _, t := range c.Targets {
			vs = append(vs, t.Vendor)
		}
		return vs, true
	}
	im, err := mail.NewImporter(key, vendors, sent, caseOf)
	if err != nil {
		return nil, err
	}
	return &replyImport{ws: ws, a: a, im: im, cat: cat}, nil
}

func (ri *replyImport) add(ctx context.Context, source string, i int, raw []byte) (ReplyOutcome, error) {
	ws := ri.ws
	now := ws.now().UTC()
	r := ri.im.Parse(raw, now)
	sum := sha256.Sum256(raw)
	keys := store.ReplyKeys{Content: ws.mailMAC("reply", string(sum[:]))}
	if r.MessageID != "" {
		keys.MessageID = ws.mailMAC("reply-id", r.MessageID)
	}
	res, err := ws.store.ImportReply(ctx, r, keys, raw, now)
	if err != nil {
		return ReplyOutcome{}, fmt.Errorf("%s message %d: %w", source, i, err)
	}
	out := ReplyOutcome{Source: source, Index: i, Case: r.Case, Quarantine: r.Quarantine, Detail: r.Detail, Duplicate: res.Duplicate, Signed: r.Signed, Encrypted: r.Encrypted}
	if r.Vendor != 0 {
		out.Vendor = ri.cat.VendorName(r.Vendor)
	}
	if !res.Duplicate {
		if err := ws.record(ctx, ri.a, "mail.import", fmt.Sprintf("case %d", r.Case), auditDetail(map[string]any{"quarantine": r.Quarantine, "vendor": r.Vendor})); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ImportReplies reads vendor replies from data, one EML message or an MBOX
// file as mail clients export them, named source: each is decrypted with
// the workspace key, its signature checked against its vendor's keys,
// matched to its case (In-Reply-To/References, or the case reference in
// the subject) and added to the case thread with its attachments sealed,
// or kept in the quarantine. Importing a message twice adds nothing. It
// returns what became of each message, also those before an error.
func (ws *Workspace) ImportReplies(ctx context.Context, a Actor, source string, data []byte) ([]ReplyOutcome, error) {
	if err := allow(a, auth.CasesWrite); err != nil {
		return nil, err
	}
	msgs, err := mail.SplitMessages(data)
	if err != nil {
		return nil, invalid(fmt.Errorf("%s: %w", source, err))
	}
	ri, err := ws.newReplyImport(ctx, a)
	if err != nil {
		return nil, err
	}
	var out []ReplyOutcome
	for i, raw := range msgs {
		o, err := ri.add(ctx, source, i+1, raw)
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// FetchOptions name a mailbox to read replies from: imaps://user@host[:993]
// [/MAILBOX], or imap://user@host[:143][/MAILBOX]?tls=starttls (tls=none to
// a loopback server only), its password, and the first day to read (zero:
// every message).
type FetchOptions struct {
	IMAP     string
	Password secret.String
	Since    time.Time
}

// FetchReplies reads the mailbox over IMAP without changing it (nothing is
// marked seen or deleted) and imports every message as ImportReplies does;
// fn, if not nil, is told of each message as it is imported. It returns
// what became of each message, also those before an error.
func (ws *Workspace) FetchReplies(ctx context.Context, a Actor, o FetchOptions, fn func(ReplyOutcome) error) ([]ReplyOutcome, error) {
	if err := allow(a, auth.CasesWrite); err != nil {
		return nil, err
	}
	st, err := mail.ParseIMAPURL(o.IMAP)
	if err != nil {
		return nil, invalid(err)
	}
	st.Password = o.Password
	ri, err := ws.newReplyImport(ctx, a)
	if err != nil {
		return nil, err
	}
	label := st.Host + "/" + st.Mailbox
	var out []ReplyOutcome
	i := 0
	_, err = mail.FetchIMAP(ctx, st, nil, o.Since, func(raw []byte) error {
		i++
		r, err := ri.add(ctx, label, i, raw)
		if err != nil {
			return err
		}
		out = append(out, r)
		if fn != nil {
			return fn(r)
		}
		return nil
	})
	if rerr := ws.record(ctx, a, "mail.fetch", label, auditDetail(map[string]any{"messages": len(out)})); rerr != nil && err == nil {
		err = rerr
	}
	return out, err
}

// Quarantine lists the replies waiting for an analyst, oldest first.
func (ws *Workspace) Quarantine(ctx context.Context, a Actor) ([]QuarantineEntry, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return nil, err
	}
	list, err := ws.store.Quarantine(ctx)
	if err != nil {
		return nil, err
	}
	return list, ws.record(ctx, a, "mail.quarantine", "quarantine", nil)
}
