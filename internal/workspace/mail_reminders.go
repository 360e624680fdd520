package workspace

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/mail"
	"antidote/internal/store"
)

// ReminderPolicy says when reminders are due: Steps are days before a
// deadline to remind the vendor (default 30, 7, 1); AckDays is how many
// days after a notification without acknowledgement the analysts get a
// note (default 7; 0: never).
type ReminderPolicy = mail.ReminderPolicy

// Reminder kinds.
const (
	ReminderDeadline = mail.StepReminder // mail the vendor: Days before Deadline
	ReminderUnacked  = mail.StepUnacked  // tell the analysts: no acknowledgement after Days
)

// reminderActor is who a reminder's timeline note is from.
const reminderActor = "antidote-reminders"

// ReminderPolicy returns the reminder policy (the default when none was
// set).
func (ws *Workspace) ReminderPolicy(ctx context.Context, a Actor) (ReminderPolicy, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return ReminderPolicy{}, err
	}
	p, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return p, err
	}
	return p, ws.record(ctx, a, "policy.show", "reminders", nil)
}

// SetReminderPolicy sets the days before a deadline at which vendors are
// reminded (steps; nil keeps them) and the days of silence after which the
// analysts are told (ackDays; negative keeps them), and returns the
// resulting policy.
func (ws *Workspace) SetReminderPolicy(ctx context.Context, a Actor, steps []int, ackDays int) (ReminderPolicy, error) {
	if err := allow(a, auth.CasesWrite); err != nil {
		return ReminderPolicy{}, err
	}
	p, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return p, err
	}
	if steps != nil {
		if p.Steps, err = mail.ParseSteps(mail.FormatSteps(steps)); err != nil {
			return p, invalid(err)
		}
	}
	if ackDays >= 0 {
		if ackDays > 3650 {
			return p, invalid(fmt.Errorf("ack-days must be from 0 (never) to 3650 days, got %d", ackDays))
		}
		p.AckDays = ackDays
	}
	if err := ws.store.SetReminderPolicy(ctx, p); err != nil {
		return p, err
	}
	return p, ws.record(ctx, a, "policy.set", "reminders", auditDetail(p))
}

// ReminderOptions configure a reminder run: At is the moment it runs as
// (zero: now); DryRun says what is due without queueing or recording
// anything; Steps and AckDays override the policy's (nil: the policy's;
// AckDays 0: no note).
type ReminderOptions struct {
	At      time.Time
	DryRun  bool
	Steps   []int
	AckDays *int
}

// ReminderOutcome is one reminder that was due: a mail to the vendor
// Days before its Deadline (Mails messages queued), or a note for the
// analysts that the vendor has not acknowledged Days after its
// notification (Deadline is then the notification time). Queued is false
// in a dry run, and when a concurrent run queued it first.
type ReminderOutcome struct {
	Case     int64         `json:"case"`
	Target   cases.Target  `json:"-"`
	Party    string        `json:"-"` // VENDOR or VENDOR:PRODUCT
	Vendor   string        `json:"vendor"`
	Product  string        `json:"product,omitempty"`
	Kind     mail.StepKind `json:"kind"`
	Days     int           `json:"days"`
	Deadline time.Time     `json:"deadline"`
	Mails    int           `json:"mails"`
	Queued   bool          `json:"queued"`
	Warning  *MailWarning  `json:"-"`
}

// RunReminders queues, once per step and deadline, a reminder mail for
// every party whose deadline is near and a timeline note for every
// notified vendor that has not acknowledged in time; each is recorded with
// its mail in one transaction, so running it again (or concurrently)
// queues nothing twice, and a moved deadline re-arms the steps.
func (ws *Workspace) RunReminders(ctx context.Context, a Actor, o ReminderOptions) ([]ReminderOutcome, error) {
	if err := allow(a, auth.CasesWrite); err != nil {
		return nil, err
	}
	pol, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return nil, err
	}
	if o.Steps != nil {
		if pol.Steps, err = mail.ParseSteps(mail.FormatSteps(o.Steps)); err != nil {
			return nil, invalid(err)
		}
	}
	if o.AckDays != nil {
		if *o.AckDays < 0 {
			return nil, invalid(fmt.Errorf("days without acknowledgement must be 0 or more, got %d", *o.AckDays))
		}
		pol.AckDays = *o.AckDays
	}
	at := o.At
	if at.IsZero() {
		at = ws.now()
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return nil, err
	}
	embargo, err := ws.store.Policy(ctx)
	if err != nil {
		return nil, err
	}
	sent, err := ws.store.ReminderSteps(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	var clocks []mail.Clock
	byCase := map[int64]cases.Case{}
	for _, c := range cs {
		c, tl, err := ws.store.Case(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		f, err := ws.store.Finding(ctx, c.Finding)
		if err != nil {
			return nil, err
		}
		st, err := cases.Replay(c, tl, at)
		if err != nil {
			continue // an invalid timeline is the case view's to report
		}
		byCase[c.ID] = c
		clocks = append(clocks, mail.ClocksFor(st, embargo, func(p int64) cases.DeviceClass { return cat.prodByID[p].Class }, f.Exploited)...)
	}
	due := mail.DueReminders(pol, clocks, func(s mail.Step) bool { return sent[s] }, at)
	settings, serr := ws.mailSettings(ctx)
	if serr != nil && !errors.Is(serr, ErrNoMailSettings) {
		return nil, serr
	}
	var out []ReminderOutcome
	for _, d := range due {
		party := cat.TargetName(d.Target)
		r := ReminderOutcome{Case: d.Case, Target: d.Target, Party: party, Vendor: cat.VendorName(d.Target.Vendor), Kind: d.Kind, Days: d.Days, Deadline: d.Deadline}
		if d.Target.Product != 0 {
			r.Product = cat.ProductName(d.Target.Product)
		}
		var items []store.OutboxItem
		var note string
		if d.Kind == mail.StepUnacked {
			note = fmt.Sprintf("%s has not acknowledged the notification of %s after %d days", party, d.Deadline.Format("2006-01-02"), d.Days)
		} else {
			note = fmt.Sprintf("reminder to %s: %d day(s) to the deadline %s", party, d.Days, d.Deadline.Format(time.RFC3339))
			switch {
			case serr != nil:
				r.Warning = &MailWarning{Case: d.Case, Vendor: r.Vendor, Mail: "reminder", Kind: MailNoSettings}
			case !o.DryRun:
				items, r.Warning, err = ws.reminderMail(ctx, a, cat, byCase[d.Case], d, settings)
				if err != nil {
					return out, err
				}
			}
		}
		r.Mails = len(items)
		if !o.DryRun {
			ev := cases.Event{Case: d.Case, At: at, Actor: reminderActor, Kind: cases.EventNote, Target: d.Target, Note: note}
			if r.Queued, err = ws.store.RecordReminder(ctx, d, items, &ev, at); err != nil {
				return out, err
			}
			if r.Queued {
				if err := ws.record(ctx, a, "reminders.queue", fmt.Sprintf("case %d", d.Case), auditDetail(map[string]any{"vendor": d.Target.Vendor, "kind": d.Kind, "days": d.Days})); err != nil {
					return out, err
				}
			}
		}
		out = append(out, r)
	}
	return out, ws.record(ctx, a, "reminders.run", "", auditDetail(map[string]any{"at": at, "due": len(out), "dry_run": o.DryRun}))
}

// reminderMail composes a reminder for every contact of the target's
// vendor.
func (ws *Workspace) reminderMail(ctx context.Context, a Actor, cat *Catalog, c cases.Case, d mail.Due, st mail.Settings) ([]store.OutboxItem, *MailWarning, error) {
	v, err := ws.store.Vendor(ctx, d.Target.Vendor)
	if err != nil {
		return nil, nil, err
	}
	if len(v.Contacts) == 0 {
		return nil, &MailWarning{Case: c.ID, Vendor: cat.VendorName(d.Target.Vendor), Mail: "reminder", Kind: MailNoContact}, nil
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ws.workspacePGP(ctx, a, st.From)
	if err != nil {
		return nil, nil, err
	}
	n := mail.NoticeFor(c, f, v, cat.Products, d.Deadline, st.CaseLink(c.ID))
	n.Reminder = d.Days
	msgs, err := mail.ComposeFor(n, v, st.From, signer, st.AllowPlain, ws.now())
	if errors.Is(err, mail.ErrPlainRefused) {
		return nil, &MailWarning{Case: c.ID, Vendor: v.Name, Mail: "reminder", Kind: MailNoKey}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var items []store.OutboxItem
	for _, m := range msgs {
		items = append(items, store.OutboxItem{
			Message: mail.Message{MessageID: m.MessageID, Case: c.ID, Vendor: v.ID, Kind: "reminder", From: m.From, To: m.To, Raw: m.Raw, Encrypted: m.Encrypted},
			DedupeKey: ws.mailMAC("reminder", strconv.FormatInt(c.ID, 10), strconv.FormatInt(d.Target.Vendor, 10), strconv.FormatInt(d.Target.Product, 10),
				strconv.Itoa(d.Days), d.Deadline.UTC().Format(time.RFC3339), strings.ToLower(m.To)),
			MessageKey: ws.mailMAC("message-id", m.MessageID),
		})
	}
	var warn *MailWarning
	if len(msgs) > 0 && !msgs[0].Encrypted {
		warn = &MailWarning{Case: c.ID, Vendor: v.Name, Mail: "reminder", Kind: MailPlain}
	}
	return items, warn, nil
}
