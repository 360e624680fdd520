package workspace

import (
	"context"
	"fmt"

	"antidote/internal/auth"
	"antidote/internal/mail"
)

// MailReport counts what one delivery run did.
type MailReport = mail.Report

// OutboxMessage is one message of the outbox as listed: its envelope,
// state and attempts, never its body.
type OutboxMessage = mail.Message

// Outbox states.
const (
	MailPending   = mail.Pending
	MailSending   = mail.Sending
	MailSent      = mail.Sent
	MailFailed    = mail.Failed
	MailUncertain = mail.Uncertain
)

// SendMail delivers every outbox message that is due, with retries and
// backoff, each delivery recorded in its case's timeline; the report says
// how many were sent, will be retried, failed or are uncertain (the
// sender stopped after handing them to the server). No settings:
// ErrNoMailSettings.
func (ws *Workspace) SendMail(ctx context.Context, a Actor) (MailReport, error) {
	var rep MailReport
	if err := allow(a, auth.CasesWrite); err != nil {
		return rep, err
	}
	st, err := ws.mailSettings(ctx)
	if err != nil {
		return rep, err
	}
	d := &mail.Deliverer{Outbox: ws.store, Sender: &mail.SMTP{Settings: st}, Now: ws.now}
	rep, err = d.Run(ctx)
	if rerr := ws.record(ctx, a, "mail.send", "outbox", auditDetail(rep)); rerr != nil && err == nil {
		err = rerr
	}
	return rep, err
}

// Outbox lists the outbox, newest first, without message bodies.
func (ws *Workspace) Outbox(ctx context.Context, a Actor) ([]OutboxMessage, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return nil, err
	}
	list, err := ws.store.OutboxMessages(ctx)
	if err != nil {
		return nil, err
	}
	return list, ws.record(ctx, a, "mail.outbox", "outbox", nil)
}

// RetryMail puts a failed or uncertain message back in the queue, due now:
// an analyst's decision after checking that it did not arrive. Another
// message (or none with that id): a NotFoundError.
func (ws *Workspace) RetryMail(ctx context.Context, a Actor, id int64) error {
	if err := allow(a, auth.CasesWrite); err != nil {
		return err
	}
	if err := ws.store.RequeueMail(ctx, id, ws.now()); err != nil {
		return notFound(err, "failed or uncertain message %d", id)
	}
	return ws.record(ctx, a, "mail.retry", fmt.Sprintf("message %d", id), nil)
}
