package workspace

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/mail"
	"antidote/internal/store"
)

// NoticeQueued is the mail 'notify' queued for one party: Messages notices
// (one per security contact of its vendor), encrypted or, when plain mail
// is allowed and the vendor has no usable key, signed only. A notice that
// was queued before for the same contact is not queued again.
type NoticeQueued struct {
	Target    cases.Target `json:"target"`
	Messages  int          `json:"messages"`
	Encrypted bool         `json:"encrypted"`
}

// Notification is what Notify did: the events recorded, the notices queued
// with them, and what the analyst must know about the vendors that got no
// mail or unencrypted mail.
type Notification struct {
	Events   []cases.Event  `json:"events"`
	Mail     []NoticeQueued `json:"mail,omitempty"`
	Warnings []MailWarning  `json:"warnings,omitempty"`
}

// noticeMail composes the notice of case c for target t's vendor, one
// message per security contact, for Notify to queue with its event. No
// mail settings: nothing, and no warning. A vendor without a contact, or
// without a usable key while plain mail is refused: nothing, and a
// warning.
func (ws *Workspace) noticeMail(ctx context.Context, a Actor, cat *Catalog, c cases.Case, tl []cases.Event, t cases.Target, at time.Time) ([]store.OutboxItem, *MailWarning, error) {
	st, err := ws.mailSettings(ctx)
	if errors.Is(err, ErrNoMailSettings) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	v, err := ws.store.Vendor(ctx, t.Vendor)
	if err != nil {
		return nil, nil, err
	}
	if len(v.Contacts) == 0 {
		return nil, &MailWarning{Case: c.ID, Vendor: cat.VendorName(t.Vendor), Mail: "notice", Kind: MailNoContact}, nil
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return nil, nil, err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return nil, nil, err
	}
	state, _ := cases.Replay(c, tl, time.Time{})
	ts := cases.TargetState{Target: t, Status: cases.Notified, Notified: at}
	if cur, ok := state.Target(t); ok && !cur.Notified.IsZero() {
		ts = *cur
	}
	clock := pol.Clock(ts, cat.prodByID[t.Product].Class, f.Exploited, state.PublicAt)
	signer, err := ws.workspacePGP(ctx, a, st.From)
	if err != nil {
		return nil, nil, err
	}
	n := mail.NoticeFor(c, f, v, cat.Products, clock.Deadline, st.CaseLink(c.ID))
	msgs, err := mail.ComposeFor(n, v, st.From, signer, st.AllowPlain, ws.now())
	if errors.Is(err, mail.ErrPlainRefused) {
		return nil, &MailWarning{Case: c.ID, Vendor: v.Name, Mail: "notice", Kind: MailNoKey}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var items []store.OutboxItem
	for _, m := range msgs {
		items = append(items, store.OutboxItem{
			Message:    mail.Message{MessageID: m.MessageID, Case: c.ID, Vendor: v.ID, Kind: "notice", From: m.From, To: m.To, Raw: m.Raw, Encrypted: m.Encrypted},
			DedupeKey:  ws.mailMAC("notice", strconv.FormatInt(c.ID, 10), strconv.FormatInt(v.ID, 10), strings.ToLower(m.To)),
			MessageKey: ws.mailMAC("message-id", m.MessageID),
		})
	}
	var warn *MailWarning
	if len(msgs) > 0 && !msgs[0].Encrypted {
		warn = &MailWarning{Case: c.ID, Vendor: v.Name, Mail: "notice", Kind: MailPlain}
	}
	return items, warn, nil
}

// addEventWithMail is addEvent that also queues the event's mail in the
// same transaction: the event is recorded if and only if its mail is
// queued. It returns the event's sequence number and how many messages
// were new to the outbox.
func (ws *Workspace) addEventWithMail(ctx context.Context, e cases.Event, items []store.OutboxItem) (int64, int, error) {
	defer ws.views.drop()
	return ws.store.AddCaseEventWithMail(ctx, e, func(c cases.Case, tl []cases.Event) error {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return err
		}
		if err := st.Apply(e); err != nil {
			return invalid(err)
		}
		return nil
	}, items)
}
