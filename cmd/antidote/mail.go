package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"antidote/internal/mail"
	"antidote/internal/secret"
	"antidote/internal/workspace"
)

// This file is the CLI of vendor mail: flags, printing and exit codes over
// the core's mail use cases (internal/workspace/mail*.go). Notices are
// queued by 'case notify' (ws.Notify).

func cmdMail(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "mail", args, map[string]subcommand{
		"set": cmdMailSet, "show": cmdMailShow, "send": cmdMailSend, "outbox": cmdMailOutbox,
		"import": cmdMailImport, "fetch": cmdMailFetch, "quarantine": cmdMailQuarantine, "retry": cmdMailRetry,
	})
}

func cmdReminders(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "reminders", args, map[string]subcommand{"run": cmdRemindersRun})
}

// mailAdvice adds to the core's mail errors what to run about them.
func mailAdvice(err error) error {
	switch {
	case errors.Is(err, workspace.ErrNoMailSettings):
		return withExit(exitUsage, wrapAdvice(err, "set them with 'antidote mail set --smtp URL --from ADDR'"))
	case errors.Is(err, workspace.ErrNoSender):
		return withExit(exitUsage, wrapAdvice(err, "give the sender address with --from"))
	}
	return err
}

// mailWarning is a core warning about a vendor's mail, with what the
// analyst can do about it.
func mailWarning(w workspace.MailWarning) string {
	if w.Kind == workspace.MailNoKey && w.Mail == "notice" {
		return w.String() + " (add its key with 'antidote vendor', or allow plain mail with 'antidote mail set --allow-plain')"
	}
	return w.String()
}

// readSecretFile reads one secret (a mail server's password) from a file,
// without its final newline.
func readSecretFile(path string) (secret.String, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return secret.String{}, fmt.Errorf("read password file: %w", err)
	}
	defer clear(b)
	return secret.NewString(strings.TrimRight(string(b), "\r\n")), nil
}

func cmdMailSet(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail set", "mail set --smtp smtp://user@host:587?tls=starttls [--from ADDR] [--password-file F] [--allow-plain] [--portal https://HOST]")
	w := addWorkspaceFlags(fs)
	smtpURL := fs.String("smtp", "", "SMTP server: smtp://user@host:587?tls=starttls, tls=implicit (465) or tls=none (loopback only)")
	from := fs.String("from", "", "sender address of notices (default: the SMTP user, when it is an address)")
	pwFile := fs.String("password-file", "", "file holding the SMTP password (stored sealed)")
	allowPlain := fs.Bool("allow-plain", false, "mail vendors without a usable OpenPGP key signed but unencrypted")
	portal := fs.String("portal", "", "the vendor portal's address (https://...): notices link to the case's page there")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *smtpURL == "" || fs.NArg() != 0 {
		return usageErrorf("usage: antidote mail set --smtp URL [--from ADDR] [--password-file F] [--allow-plain]")
	}
	in := workspace.MailSettingsInput{SMTP: *smtpURL, From: *from, AllowPlain: *allowPlain, Portal: *portal}
	if *pwFile != "" {
		pw, err := readSecretFile(*pwFile)
		if err != nil {
			return err
		}
		in.Password = pw
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, err := ws.SetMailSettings(ctx, ws.actor, in)
	if err != nil {
		return mailAdvice(err)
	}
	fmt.Fprintf(e.stdout, "Mail settings saved: %s from %s\n", v.SMTP, v.From)
	return nil
}

func cmdMailShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail show", "mail show [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, err := ws.MailSettings(ctx, ws.actor)
	if err != nil {
		return mailAdvice(err)
	}
	if *jsonOut {
		return printJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "SMTP:        %s\nFrom:        %s\nPassword:    %s\nPlain mail:  %s\nPortal:      %s\nOpenPGP key: %s\n",
		v.SMTP, v.From, yesNo(v.Password, "set (sealed)", "none"), yesNo(v.AllowPlain, "allowed", "refused"), yesNo(v.Portal != "", v.Portal, "none (notices carry no link)"),
		yesNo(v.Fingerprint != "", v.Fingerprint, "not created yet"))
	return nil
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func cmdMailSend(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail send", "mail send [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print the counts as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	rep, err := ws.SendMail(ctx, ws.actor)
	if err != nil {
		return mailAdvice(err)
	}
	if *jsonOut {
		if err := printJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "Sent %d, retrying later %d, failed %d, uncertain %d\n", rep.Sent, rep.Retrying, rep.Failed, rep.Uncertain)
	}
	if rep.Failed+rep.Uncertain > 0 {
		return withExit(exitPartial, errors.New("some messages were not delivered: see 'antidote mail outbox'"))
	}
	return nil
}

func cmdMailOutbox(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail outbox", "mail outbox [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	list, err := ws.Outbox(ctx, ws.actor)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSONLines(e.stdout, list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tKIND\tCASE\tTO\tENCRYPTED\tATTEMPTS\tNEXT\tLAST REPLY")
	for _, m := range list {
		next := "-"
		if !m.NextAt.IsZero() {
			next = m.NextAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%v\t%d\t%s\t%s\n", m.ID, m.State, m.Kind, m.Case, m.To, m.Encrypted, m.Attempts, next, clipText(m.LastReply, 60))
	}
	return tw.Flush()
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func cmdMailRetry(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail retry", "mail retry MESSAGE")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := oneID(fs, "message ID", "mail retry MESSAGE (see 'antidote mail outbox')")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.RetryMail(ctx, ws.actor, id); err != nil {
		return notFoundHint(err, fmt.Sprintf("message %d", id), "mail outbox")
	}
	fmt.Fprintf(e.stdout, "Message %d will be sent again by 'antidote mail send'\n", id)
	return nil
}

func cmdMailImport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail import", "mail import FILE... [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per message")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("usage: antidote mail import FILE... (EML or MBOX files)")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p := newReplyPrinter(e, *jsonOut)
	for _, f := range fs.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		outcomes, err := ws.ImportReplies(ctx, ws.actor, f, data)
		for _, o := range outcomes {
			if perr := p.put(o); perr != nil && err == nil {
				err = perr
			}
		}
		if err != nil {
			return err
		}
	}
	return p.done()
}

func cmdMailFetch(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail fetch", "mail fetch --imap imaps://user@host/INBOX [--password-file F] [--since DATE] [--json]")
	w := addWorkspaceFlags(fs)
	imapURL := fs.String("imap", "", "mailbox: imaps://user@host[:993][/MAILBOX], or imap://...?tls=starttls (tls=none: loopback only)")
	pwFile := fs.String("password-file", "", "file holding the IMAP password")
	var since timeFlag
	fs.Var(&since, "since", "only messages that arrived on or after this day")
	jsonOut := fs.Bool("json", false, "one JSON object per message")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *imapURL == "" || *pwFile == "" || fs.NArg() != 0 {
		return usageErrorf("usage: antidote mail fetch --imap URL --password-file F [--since DATE]")
	}
	pw, err := readSecretFile(*pwFile)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p := newReplyPrinter(e, *jsonOut)
	if _, err := ws.FetchReplies(ctx, ws.actor, workspace.FetchOptions{IMAP: *imapURL, Password: pw, Since: since.t}, p.put); err != nil {
		return err
	}
	return p.done()
}

// replyPrinter prints what became of each imported reply and the counts.
type replyPrinter struct {
	e                          *env
	json                       *jsonLines
	jsonOut                    bool
	accepted, quarantined, dup int
}

func newReplyPrinter(e *env, jsonOut bool) *replyPrinter {
	return &replyPrinter{e: e, json: newJSONLines(e.stdout), jsonOut: jsonOut}
}

func (p *replyPrinter) put(o workspace.ReplyOutcome) error {
	switch {
	case o.Duplicate:
		p.dup++
	case o.Quarantine != "":
		p.quarantined++
	default:
		p.accepted++
	}
	if p.jsonOut {
		return p.json.put(o)
	}
	w := p.e.stdout
	switch {
	case o.Duplicate:
		fmt.Fprintf(w, "%s #%d: already imported\n", o.Source, o.Index)
	case o.Quarantine != "":
		fmt.Fprintf(w, "%s #%d: quarantined (%s: %s)\n", o.Source, o.Index, o.Quarantine, o.Detail)
	default:
		fmt.Fprintf(w, "%s #%d: case %d, reply from %s (%s, %s)\n", o.Source, o.Index, o.Case, o.Vendor,
			yesNo(o.Encrypted, "encrypted", "not encrypted"), yesNo(o.Signed, "signature good", "not signed"))
	}
	return nil
}

func (p *replyPrinter) done() error {
	if p.jsonOut {
		return p.json.flush()
	}
	fmt.Fprintf(p.e.stdout, "Imported %d, quarantined %d, already imported %d\n", p.accepted, p.quarantined, p.dup)
	return nil
}

func cmdMailQuarantine(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail quarantine", "mail quarantine [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	list, err := ws.Quarantine(ctx, ws.actor)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSONLines(e.stdout, list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tREASON\tFROM\tSUBJECT\tATTACHMENTS")
	for _, q := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", q.ID, q.Received.UTC().Format(time.RFC3339), q.Reason, q.From, clipText(q.Subject, 50), q.Attachments)
	}
	return tw.Flush()
}

// reminderView is a reminder as 'reminders run --json' prints it.
type reminderView struct {
	workspace.ReminderOutcome
	Warning string `json:"warning,omitempty"`
}

func cmdRemindersRun(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "reminders run", "reminders run [--at TIME] [--dry-run] [--steps 30,7,1] [--ack-days N] [--json]")
	w := addWorkspaceFlags(fs)
	var when timeFlag
	fs.Var(&when, "at", "run as of this moment (default now)")
	dry := fs.Bool("dry-run", false, "show what is due without queueing anything")
	steps := fs.String("steps", "", "days before a deadline to remind the vendor (default: the policy's, 'antidote policy set reminders 30,7,1')")
	ackDays := fs.Int("ack-days", -1, "tell the analysts when a notified vendor has not acknowledged after this many days, 0: never (default: the policy's)")
	jsonOut := fs.Bool("json", false, "one JSON object per reminder")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *ackDays < -1 {
		return usageErrorf("--ack-days must be 0 or more")
	}
	o := workspace.ReminderOptions{At: when.or(time.Now()), DryRun: *dry}
	if *steps != "" {
		var err error
		if o.Steps, err = mail.ParseSteps(*steps); err != nil {
			return withExit(exitUsage, err)
		}
	}
	if *ackDays >= 0 {
		o.AckDays = ackDays
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	due, err := ws.RunReminders(ctx, ws.actor, o)
	j := newJSONLines(e.stdout)
	for _, r := range due {
		if *jsonOut {
			v := reminderView{ReminderOutcome: r}
			if r.Warning != nil {
				v.Warning = r.Warning.String()
			}
			if err := j.put(v); err != nil {
				return err
			}
			continue
		}
		verb := "due"
		if r.Queued {
			verb = "queued"
		}
		if r.Kind == workspace.ReminderUnacked {
			fmt.Fprintf(e.stdout, "Case %d: %s has not acknowledged after %d days (%s, note for the analysts)\n", r.Case, r.Party, r.Days, verb)
		} else {
			fmt.Fprintf(e.stdout, "Case %d: %s, %d-day reminder before %s (%s, %d mail(s))\n", r.Case, r.Party, r.Days, r.Deadline.Format("2006-01-02"), verb, r.Mails)
		}
		if r.Warning != nil {
			fmt.Fprintf(e.stderr, "warning: %s\n", mailWarning(*r.Warning))
		}
	}
	if err != nil {
		return err
	}
	if *jsonOut {
		return j.flush()
	}
	if len(due) == 0 {
		fmt.Fprintln(e.stdout, "No reminder due")
	}
	return nil
}

func isReminderKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	return k == "reminders" || k == "ack-days"
}

// policySetReminders is 'policy set reminders 30,7,1' and 'policy set
// ack-days 7'.
func policySetReminders(ctx context.Context, e *env, w *wsFlags, key, value string) error {
	var steps []int
	ack := -1
	if strings.EqualFold(strings.TrimSpace(key), "reminders") {
		var err error
		if steps, err = mail.ParseSteps(value); err != nil {
			return withExit(exitUsage, err)
		}
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 0 || n > 3650 {
			return usageErrorf("ack-days must be a whole number of days from 0 (never) to 3650, got %q", value)
		}
		ack = n
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.SetReminderPolicy(ctx, ws.actor, steps, ack)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Reminders %s days before a deadline; note after %d days without acknowledgement\n", mail.FormatSteps(p.Steps), p.AckDays)
	return nil
}

func showReminderPolicy(ctx context.Context, ws *session, w io.Writer) error {
	p, err := ws.ReminderPolicy(ctx, ws.actor)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reminders\t%s\t(days before a deadline to remind the vendor)\n", mail.FormatSteps(p.Steps))
	fmt.Fprintf(w, "ack-days\t%d\t(note to the analysts when a notified vendor stays silent; 0: never)\n", p.AckDays)
	return nil
}
