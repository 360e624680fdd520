package mail

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// State is where an outbox message stands.
type State string

// Outbox states. A message moves pending -> sending -> sent, or back to
// pending with a later attempt time, or to failed; a message whose sender
// died after handing it to the server becomes uncertain.
const (
	Pending   State = "pending"
	Sending   State = "sending"
	Sent      State = "sent"
	Failed    State = "failed"
	Uncertain State = "uncertain" // the server may have accepted it: an analyst checks before resending
)

// Message is one outgoing message as the outbox holds it: Raw is already
// encrypted (or signed only, when plain mail was allowed).
type Message struct {
	ID        int64     `json:"id"`
	MessageID string    `json:"message_id"`
	Case      int64     `json:"case,omitempty"`
	Vendor    int64     `json:"vendor,omitempty"`
	Kind      string    `json:"kind"` // notice, reminder
	From      string    `json:"-"`
	To        string    `json:"to,omitempty"`
	Raw       []byte    `json:"-"`
	Encrypted bool      `json:"encrypted"`
	State     State     `json:"state"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_attempt,omitzero"`
	Created   time.Time `json:"created"`
	LastReply string    `json:"last_reply,omitempty"`
	Lease     string    `json:"-"` // the claim's token: fences a sender whose lease ran out
}

// Result is the end of one delivery attempt.
type Result struct {
	State   State     // Sent, Pending (retry at Next), Failed or Uncertain
	At      time.Time // when the attempt ended
	Next    time.Time // for Pending
	Attempt int
	Reply   string // the server's reply or the error, without message content
}

// Outbox is the transactional outbox that store satisfies. Every method is
// one transaction.
//
// Claim leases up to limit messages that are due at now: pending ones
// whose next attempt time has come, and sending ones whose lease ran out
// before their handoff (their sender died while the server could not yet
// have accepted the message). Each claimed message moves to sending with
// a new lease token, lease_until = now + lease, and attempts + 1. A sending
// message whose lease ran out after its handoff moves to uncertain and is
// not claimed.
//
// Handoff records that the claimed message is about to be accepted by the
// server. Finish records the attempt's result (and a delivery record) if
// the lease token still holds; otherwise it returns ErrLeaseLost.
type Outbox interface {
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Message, error)
	Handoff(ctx context.Context, id int64, lease string) error
	Finish(ctx context.Context, id int64, lease string, r Result) error
}

// ErrLeaseLost says another sender took the message over: this one must
// not record anything for it.
var ErrLeaseLost = errors.New("outbox lease lost")

// Sender hands one message to an SMTP server (SMTP implements it).
type Sender interface {
	Send(ctx context.Context, from, to string, raw []byte, handoff func() error) (reply string, err error)
}

// Deliverer drains an outbox. Zero fields take the defaults.
type Deliverer struct {
	Outbox      Outbox
	Sender      Sender
	Now         func() time.Time
	Lease       time.Duration // default 10 minutes: longer than one SMTP transaction can take
	MaxAttempts int           // default 8
	Backoff     time.Duration // first retry delay, doubled each attempt, at most 6 hours; default 1 minute
	Batch       int           // messages claimed at once; default 10
}

// Report counts what one Run did.
type Report struct {
	Sent      int `json:"sent"`
	Retrying  int `json:"retrying"`
	Failed    int `json:"failed"`
	Uncertain int `json:"uncertain"`
}

// Run delivers every message due now, one at a time, and returns when none
// is left or ctx ends.
//
// The guarantee: a message is handed to the SMTP server until one server
// says 250 to it, and it is recorded sent in the same transaction that
// ends its lease. The one window that SMTP cannot close is between the
// server's 250 and that commit: a sender killed there leaves a message
// that was delivered but not recorded. Run never resends such a message:
// the handoff mark, committed before the final dot, turns it into
// uncertain once its lease runs out, which the outbox lists as failed for
// an analyst to check (its Message-ID is stable, so a resend is
// recognisable). A sender killed before the handoff, or a server refusing
// with 4xx or not answering, leads to a retry; so each message is
// delivered exactly once, or reported as failed or uncertain.
func (d *Deliverer) Run(ctx context.Context) (Report, error) {
	var rep Report
	now := d.Now
	if now == nil {
		now = time.Now
	}
	lease, batch := d.Lease, d.Batch
	if lease == 0 {
		lease = 10 * time.Minute
	}
	if batch == 0 {
		batch = 10
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		msgs, err := d.Outbox.Claim(ctx, now(), lease, batch)
		if err != nil {
			return rep, fmt.Errorf("claim outbox messages: %w", err)
		}
		if len(msgs) == 0 {
			return rep, nil
		}
		for _, m := range msgs {
			r := d.attempt(ctx, m, now)
			switch err := d.Outbox.Finish(ctx, m.ID, m.Lease, r); {
			case errors.Is(err, ErrLeaseLost):
				continue
			case err != nil:
				return rep, fmt.Errorf("record delivery of message %d: %w", m.ID, err)
			}
			switch r.State {
			case Sent:
				rep.Sent++
			case Pending:
				rep.Retrying++
			case Failed:
				rep.Failed++
			case Uncertain:
				rep.Uncertain++
			}
		}
	}
}

func (d *Deliverer) attempt(ctx context.Context, m Message, now func() time.Time) Result {
	handoff := func() error { return d.Outbox.Handoff(ctx, m.ID, m.Lease) }
	reply, err := d.Sender.Send(ctx, m.From, m.To, m.Raw, handoff)
	r := Result{At: now(), Attempt: m.Attempts, Reply: reply}
	if err == nil {
		r.State = Sent
		return r
	}
	r.Reply = err.Error()
	var re *ReplyError
	maxA := d.MaxAttempts
	if maxA == 0 {
		maxA = 8
	}
	switch {
	case errors.Is(err, ErrAfterHandoff):
		r.State = Uncertain
	case errors.As(err, &re) && !re.Temporary():
		r.State = Failed
	case m.Attempts >= maxA:
		r.State = Failed
		r.Reply = fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, r.Reply)
	default:
		r.State = Pending
		r.Next = r.At.Add(Backoff(d.Backoff, m.Attempts))
	}
	return r
}

// Backoff is the delay before attempt n+1 after n failed attempts: base,
// doubled each attempt, at most 6 hours.
func Backoff(base time.Duration, n int) time.Duration {
	if base <= 0 {
		base = time.Minute
	}
	const most = 6 * time.Hour
	d := base
	for i := 1; i < n; i++ {
		d *= 2
		if d >= most {
			return most
		}
	}
	return d
}
