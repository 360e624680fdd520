package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/cases"
	"antidote/internal/mail"
	"antidote/internal/secret"
	"antidote/internal/store"
)

// This file is the thin CLI over internal/mail: mail settings, sending the
// outbox, importing replies, the quarantine, and reminders. Notices are
// queued by 'case notify' through noticeMail.

func cmdMail(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "mail", args, map[string]subcommand{
		"set": cmdMailSet, "show": cmdMailShow, "send": cmdMailSend, "outbox": cmdMailOutbox,
		"import": cmdMailImport, "fetch": cmdMailFetch, "quarantine": cmdMailQuarantine, "retry": cmdMailRetry,
	})
}

func cmdReminders(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "reminders", args, map[string]subcommand{"run": cmdRemindersRun})
}

func cmdMailSet(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail set", "mail set --smtp smtp://user@host:587?tls=starttls [--from ADDR] [--password-file F] [--allow-plain]")
	w := addWorkspaceFlags(fs)
	smtpURL := fs.String("smtp", "", "SMTP server: smtp://user@host:587?tls=starttls, tls=implicit (465) or tls=none (loopback only)")
	from := fs.String("from", "", "sender address of notices")
	pwFile := fs.String("password-file", "", "file holding the SMTP password (stored sealed)")
	allowPlain := fs.Bool("allow-plain", false, "mail vendors without a usable OpenPGP key signed but unencrypted")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *smtpURL == "" || fs.NArg() != 0 {
		return usageErrorf("usage: antidote mail set --smtp URL [--from ADDR] [--password-file F] [--allow-plain]")
	}
	st, err := mail.ParseSMTPURL(*smtpURL)
	if err != nil {
		return withExit(exitUsage, err)
	}
	st.AllowPlain = *allowPlain
	if *from == "" && st.User != "" && strings.Contains(st.User, "@") {
		*from = st.User
	}
	if *from == "" {
		return usageErrorf("give the sender address with --from")
	}
	if err := st.SetFrom(*from); err != nil {
		return withExit(exitUsage, err)
	}
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return fmt.Errorf("read password file: %w", err)
		}
		st.Password = secret.NewString(strings.TrimRight(string(b), "\r\n"))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.store.SetMailSettings(ctx, st); err != nil {
		return err
	}
	if err := ws.record(ctx, "mail.set", "mail", auditDetail(map[string]any{"host": st.Host, "port": st.Port, "tls": st.TLS, "allow_plain": st.AllowPlain})); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Mail settings saved: %s from %s\n", st.URL(), st.From)
	return nil
}

type mailView struct {
	SMTP        string `json:"smtp"`
	From        string `json:"from"`
	Password    bool   `json:"password_set"`
	AllowPlain  bool   `json:"allow_plain"`
	Fingerprint string `json:"openpgp_fingerprint,omitempty"`
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
	st, err := ws.store.MailSettings(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return withExit(exitUsage, errors.New("no mail settings: set them with 'antidote mail set --smtp URL --from ADDR'"))
	}
	if err != nil {
		return err
	}
	v := mailView{SMTP: st.URL(), From: st.From, Password: !st.Password.IsZero(), AllowPlain: st.AllowPlain}
	if k, err := ws.store.WorkspaceKey(ctx); err == nil {
		v.Fingerprint = k.Fingerprint
	}
	if *jsonOut {
		return printJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "SMTP:        %s\nFrom:        %s\nPassword:    %s\nPlain mail:  %s\nOpenPGP key: %s\n",
		v.SMTP, v.From, yesNo(v.Password, "set (sealed)", "none"), yesNo(v.AllowPlain, "allowed", "refused"), yesNo(v.Fingerprint != "", v.Fingerprint, "not created yet"))
	return nil
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// workspacePGP returns the workspace's OpenPGP key, creating it the first
// time it is needed.
func workspacePGP(ctx context.Context, ws *workspace, from string, now time.Time) (*openpgp.Entity, error) {
	k, err := ws.store.WorkspaceKey(ctx)
	if errors.Is(err, store.ErrNotFound) {
		nk, gerr := mail.GenerateKey("antidote workspace", from, now)
		if gerr != nil {
			return nil, gerr
		}
		if _, err := ws.store.PutWorkspaceKey(ctx, nk, now); err != nil {
			return nil, err
		}
		if err := ws.record(ctx, "mail.key", "openpgp", auditDetail(map[string]any{"fingerprint": nk.Fingerprint})); err != nil {
			return nil, err
		}
		k, err = ws.store.WorkspaceKey(ctx)
	}
	if err != nil {
		return nil, err
	}
	return mail.ReadPrivateKey(k.Private)
}

func mailMAC(ws *workspace, parts ...string) []byte {
	s := ws.keys.MAC("mail").Sum([]byte(strings.Join(parts, "\x00")))
	return s[:]
}

// noticeMail composes the notice of case c for one vendor, for 'case
// notify' to queue with its event. No mail settings: nothing (and no
// warning). A vendor without a usable key and plain mail refused: nothing,
// and a warning for the analyst.
func noticeMail(ctx context.Context, ws *workspace, cat *catalog, c cases.Case, tl []cases.Event, t cases.Target, at time.Time) ([]store.OutboxItem, string, error) {
	st, err := ws.store.MailSettings(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	vendors, err := ws.store.Vendors(ctx, true)
	if err != nil {
		return nil, "", err
	}
	var v cases.Vendor
	for _, x := range vendors {
		if x.ID == t.Vendor {
			v = x
		}
	}
	if len(v.Contacts) == 0 {
		return nil, fmt.Sprintf("%s has no security contact: no mail sent", cat.vendorName(t.Vendor)), nil
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return nil, "", err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return nil, "", err
	}
	state, _ := cases.Replay(c, tl, time.Time{})
	ts := cases.TargetState{Target: t, Status: cases.Notified, Notified: at}
	if cur, ok := state.Target(t); ok && !cur.Notified.IsZero() {
		ts = *cur
	}
	clock := pol.Clock(ts, cat.prodByID[t.Product].Class, f.Exploited, state.PublicAt)
	signer, err := workspacePGP(ctx, ws, st.From, at)
	if err != nil {
		return nil, "", err
	}
	n := mail.NoticeFor(c, f, v, cat.products, clock.Deadline, "")
	msgs, err := mail.ComposeFor(n, v, st.From, signer, st.AllowPlain, time.Now())
	if errors.Is(err, mail.ErrPlainRefused) {
		return nil, fmt.Sprintf("%s has no usable OpenPGP key: no mail sent (add its key with 'antidote vendor', or allow plain mail with 'antidote mail set --allow-plain')", v.Name), nil
	}
	if err != nil {
		return nil, "", err
	}
	var items []store.OutboxItem
	for _, m := range msgs {
		items = append(items, store.OutboxItem{
			Message:   mail.Message{MessageID: m.MessageID, Case: c.ID, Vendor: v.ID, Kind: "notice", From: m.From, To: m.To, Raw: m.Raw, Encrypted: m.Encrypted},
			DedupeKey: mailMAC(ws, "notice", strconv.FormatInt(c.ID, 10), strconv.FormatInt(v.ID, 10), strings.ToLower(m.To)), MessageKey: mailMAC(ws, "message-id", m.MessageID),
		})
	}
	warn := ""
	if len(msgs) > 0 && !msgs[0].Encrypted {
		warn = fmt.Sprintf("%s has no usable OpenPGP key: its notice goes signed but NOT encrypted (plain mail allowed)", v.Name)
	}
	return items, warn, nil
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
	st, err := ws.store.MailSettings(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return withExit(exitUsage, errors.New("no mail settings: set them with 'antidote mail set --smtp URL --from ADDR'"))
	}
	if err != nil {
		return err
	}
	d := &mail.Deliverer{Outbox: ws.store, Sender: &mail.SMTP{Settings: st}}
	rep, err := d.Run(ctx)
	if rerr := ws.record(ctx, "mail.send", "outbox", auditDetail(rep)); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, rep)
	}
	fmt.Fprintf(e.stdout, "Sent %d, retrying later %d, failed %d, uncertain %d\n", rep.Sent, rep.Retrying, rep.Failed, rep.Uncertain)
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
	list, err := ws.store.OutboxMessages(ctx)
	if err != nil {
		return err
	}
	if *jsonOut {
		j := newJSONLines(e.stdout)
		for _, m := range list {
			j.put(m)
		}
		return j.flush()
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
	if err := ws.store.RequeueMail(ctx, id, time.Now()); err != nil {
		return err
	}
	if err := ws.record(ctx, "mail.retry", fmt.Sprintf("message %d", id), nil); err != nil {
		return err
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
	ri, err := newReplyImport(ctx, e, ws, *jsonOut)
	if err != nil {
		return err
	}
	for _, f := range fs.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		msgs, err := mail.SplitMessages(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for i, raw := range msgs {
			if err := ri.add(ctx, f, i+1, raw); err != nil {
				return err
			}
		}
	}
	return ri.done()
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
	st, err := mail.ParseIMAPURL(*imapURL)
	if err != nil {
		return withExit(exitUsage, err)
	}
	b, err := os.ReadFile(*pwFile)
	if err != nil {
		return fmt.Errorf("read password file: %w", err)
	}
	st.Password = secret.NewString(strings.TrimRight(string(b), "\r\n"))
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	ri, err := newReplyImport(ctx, e, ws, *jsonOut)
	if err != nil {
		return err
	}
	label := st.Host + "/" + st.Mailbox
	i := 0
	if _, err := mail.FetchIMAP(ctx, st, nil, since.t, func(raw []byte) error {
		i++
		return ri.add(ctx, label, i, raw)
	}); err != nil {
		return err
	}
	return ri.done()
}

type importView struct {
	File       string      `json:"file"`
	Index      int         `json:"index"`
	Case       int64       `json:"case,omitempty"`
	Vendor     string      `json:"vendor,omitempty"`
	Quarantine mail.Reason `json:"quarantine,omitempty"`
	Detail     string      `json:"detail,omitempty"`
	Duplicate  bool        `json:"duplicate"`
	Signed     bool        `json:"signed"`
	Encrypted  bool        `json:"encrypted"`
}

// replyImport reads replies one at a time into the workspace.
type replyImport struct {
	e                          *env
	ws                         *workspace
	im                         *mail.Importer
	cat                        *catalog
	json                       *jsonLines
	jsonOut                    bool
	accepted, quarantined, dup int
}

func newReplyImport(ctx context.Context, e *env, ws *workspace, jsonOut bool) (*replyImport, error) {
	from := "antidote@localhost"
	if st, err := ws.store.MailSettings(ctx); err == nil {
		from = st.From
	}
	key, err := workspacePGP(ctx, ws, from, time.Now())
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return nil, err
	}
	vendors, err := ws.store.Vendors(ctx, true)
	if err != nil {
		return nil, err
	}
	sent := func(id string) (int64, int64, bool) {
		c, v, ok, _ := ws.store.SentMessage(ctx, mailMAC(ws, "message-id", id))
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
	return &replyImport{e: e, ws: ws, im: im, cat: cat, json: newJSONLines(e.stdout), jsonOut: jsonOut}, nil
}

func (ri *replyImport) add(ctx context.Context, f string, i int, raw []byte) error {
	e, ws := ri.e, ri.ws
	now := time.Now().UTC()
	r := ri.im.Parse(raw, now)
	sum := sha256.Sum256(raw)
	keys := store.ReplyKeys{Content: mailMAC(ws, "reply", string(sum[:]))}
	if r.MessageID != "" {
		keys.MessageID = mailMAC(ws, "reply-id", r.MessageID)
	}
	res, err := ws.store.ImportReply(ctx, r, keys, raw, now)
	if err != nil {
		return fmt.Errorf("%s message %d: %w", f, i, err)
	}
	v := importView{File: f, Index: i, Case: r.Case, Quarantine: r.Quarantine, Detail: r.Detail, Duplicate: res.Duplicate, Signed: r.Signed, Encrypted: r.Encrypted}
	if r.Vendor != 0 {
		v.Vendor = ri.cat.vendorName(r.Vendor)
	}
	switch {
	case res.Duplicate:
		ri.dup++
	case r.Quarantine != "":
		ri.quarantined++
	default:
		ri.accepted++
	}
	if !res.Duplicate {
		if err := ws.record(ctx, "mail.import", fmt.Sprintf("case %d", r.Case), auditDetail(map[string]any{"quarantine": r.Quarantine, "vendor": r.Vendor})); err != nil {
			return err
		}
	}
	if ri.jsonOut {
		return ri.json.put(v)
	}
	switch {
	case res.Duplicate:
		fmt.Fprintf(e.stdout, "%s #%d: already imported\n", f, i)
	case r.Quarantine != "":
		fmt.Fprintf(e.stdout, "%s #%d: quarantined (%s: %s)\n", f, i, r.Quarantine, r.Detail)
	default:
		fmt.Fprintf(e.stdout, "%s #%d: case %d, reply from %s (%s, %s)\n", f, i, r.Case, v.Vendor,
			yesNo(r.Encrypted, "encrypted", "not encrypted"), yesNo(r.Signed, "signature good", "not signed"))
	}
	return nil
}

func (ri *replyImport) done() error {
	if ri.jsonOut {
		return ri.json.flush()
	}
	fmt.Fprintf(ri.e.stdout, "Imported %d, quarantined %d, already imported %d\n", ri.accepted, ri.quarantined, ri.dup)
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
	list, err := ws.store.Quarantine(ctx)
	if err != nil {
		return err
	}
	if *jsonOut {
		j := newJSONLines(e.stdout)
		for _, q := range list {
			j.put(q)
		}
		return j.flush()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tREASON\tFROM\tSUBJECT\tATTACHMENTS")
	for _, q := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", q.ID, q.Received.UTC().Format(time.RFC3339), q.Reason, q.From, clipText(q.Subject, 50), q.Attachments)
	}
	return tw.Flush()
}

type reminderView struct {
	Case     int64         `json:"case"`
	Vendor   string        `json:"vendor"`
	Product  string        `json:"product,omitempty"`
	Kind     mail.StepKind `json:"kind"`
	Days     int           `json:"days"`
	Deadline time.Time     `json:"deadline"`
	Mails    int           `json:"mails"`
	Queued   bool          `json:"queued"`
	Warning  string        `json:"warning,omitempty"`
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
	var stepList []int
	var err error
	if *steps != "" {
		if stepList, err = mail.ParseSteps(*steps); err != nil {
			return withExit(exitUsage, err)
		}
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	pol, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return err
	}
	if stepList != nil {
		pol.Steps = stepList
	}
	if *ackDays >= 0 {
		pol.AckDays = *ackDays
	}
	at := when.or(time.Now())
	cat, err := loadCatalog(ctx, ws.store)
	if err != nil {
		return err
	}
	embargo, err := ws.store.Policy(ctx)
	if err != nil {
		return err
	}
	sent, err := ws.store.ReminderSteps(ctx)
	if err != nil {
		return err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return err
	}
	var clocks []mail.Clock
	type caseInfo struct {
		c  cases.Case
		tl []cases.Event
	}
	info := map[int64]caseInfo{}
	for _, c := range cs {
		c, tl, err := ws.store.Case(ctx, c.ID)
		if err != nil {
			return err
		}
		f, err := ws.store.Finding(ctx, c.Finding)
		if err != nil {
			return err
		}
		st, err := cases.Replay(c, tl, at)
		if err != nil {
			continue // an invalid timeline is 'case show''s to report
		}
		info[c.ID] = caseInfo{c, tl}
		clocks = append(clocks, mail.ClocksFor(st, embargo, func(p int64) cases.DeviceClass { return cat.prodByID[p].Class }, f.Exploited)...)
	}
	due := mail.DueReminders(pol, clocks, func(s mail.Step) bool { return sent[s] }, at)
	settings, serr := ws.store.MailSettings(ctx)
	j := newJSONLines(e.stdout)
	for _, d := range due {
		v := reminderView{Case: d.Case, Vendor: cat.vendorName(d.Target.Vendor), Kind: d.Kind, Days: d.Days, Deadline: d.Deadline}
		if d.Target.Product != 0 {
			v.Product = cat.productName(d.Target.Product)
		}
		var items []store.OutboxItem
		var note string
		if d.Kind == mail.StepUnacked {
			note = fmt.Sprintf("%s has not acknowledged the notification of %s after %d days", targetName(cat, d.Target), d.Deadline.Format("2006-01-02"), d.Days)
		} else {
			note = fmt.Sprintf("reminder to %s: %d day(s) to the deadline %s", targetName(cat, d.Target), d.Days, d.Deadline.Format(time.RFC3339))
			if serr == nil && !*dry {
				items, v.Warning, err = reminderMail(ctx, ws, cat, info[d.Case].c, d, settings, at)
				if err != nil {
					return err
				}
			} else if serr != nil {
				v.Warning = "no mail settings: the reminder is recorded in the timeline only"
			}
		}
		v.Mails = len(items)
		if !*dry {
			ev := cases.Event{Case: d.Case, At: at, Actor: "antidote-reminders", Kind: cases.EventNote, Target: d.Target, Note: note}
			if v.Queued, err = ws.store.RecordReminder(ctx, d, items, &ev, at); err != nil {
				return err
			}
			if v.Queued {
				if err := ws.record(ctx, "reminders.queue", fmt.Sprintf("case %d", d.Case), auditDetail(map[string]any{"vendor": d.Target.Vendor, "kind": d.Kind, "days": d.Days})); err != nil {
					return err
				}
			}
		}
		if *jsonOut {
			j.put(v)
			continue
		}
		verb := "due"
		if v.Queued {
			verb = "queued"
		}
		if d.Kind == mail.StepUnacked {
			fmt.Fprintf(e.stdout, "Case %d: %s has not acknowledged after %d days (%s, note for the analysts)\n", d.Case, targetName(cat, d.Target), d.Days, verb)
		} else {
			fmt.Fprintf(e.stdout, "Case %d: %s, %d-day reminder before %s (%s, %d mail(s))\n", d.Case, targetName(cat, d.Target), d.Days, d.Deadline.Format("2006-01-02"), verb, v.Mails)
		}
		if v.Warning != "" {
			fmt.Fprintf(e.stderr, "warning: %s\n", v.Warning)
		}
	}
	if *jsonOut {
		return j.flush()
	}
	if len(due) == 0 {
		fmt.Fprintln(e.stdout, "No reminder due")
	}
	return nil
}

// reminderMail composes a reminder for every contact of the target's vendor.
func reminderMail(ctx context.Context, ws *workspace, cat *catalog, c cases.Case, d mail.Due, st mail.Settings, at time.Time) ([]store.OutboxItem, string, error) {
	vendors, err := ws.store.Vendors(ctx, true)
	if err != nil {
		return nil, "", err
	}
	var v cases.Vendor
	for _, x := range vendors {
		if x.ID == d.Target.Vendor {
			v = x
		}
	}
	if len(v.Contacts) == 0 {
		return nil, fmt.Sprintf("%s has no security contact: no reminder mailed", cat.vendorName(d.Target.Vendor)), nil
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return nil, "", err
	}
	signer, err := workspacePGP(ctx, ws, st.From, at)
	if err != nil {
		return nil, "", err
	}
	n := mail.NoticeFor(c, f, v, cat.products, d.Deadline, "")
	n.Reminder = d.Days
	msgs, err := mail.ComposeFor(n, v, st.From, signer, st.AllowPlain, time.Now())
	if errors.Is(err, mail.ErrPlainRefused) {
		return nil, fmt.Sprintf("%s has no usable OpenPGP key: no reminder mailed", v.Name), nil
	}
	if err != nil {
		return nil, "", err
	}
	var items []store.OutboxItem
	for _, m := range msgs {
		items = append(items, store.OutboxItem{
			Message: mail.Message{MessageID: m.MessageID, Case: c.ID, Vendor: v.ID, Kind: "reminder", From: m.From, To: m.To, Raw: m.Raw, Encrypted: m.Encrypted},
			DedupeKey: mailMAC(ws, "reminder", strconv.FormatInt(c.ID, 10), strconv.FormatInt(d.Target.Vendor, 10), strconv.FormatInt(d.Target.Product, 10),
				strconv.Itoa(d.Days), d.Deadline.UTC().Format(time.RFC3339), strings.ToLower(m.To)),
			MessageKey: mailMAC(ws, "message-id", m.MessageID),
		})
	}
	return items, "", nil
}

// addEventWithMail is addEvent that also queues the event's mail in the
// same transaction.
func addEventWithMail(ctx context.Context, ws *workspace, e cases.Event, items []store.OutboxItem) (int64, int, error) {
	return ws.store.AddCaseEventWithMail(ctx, e, func(c cases.Case, tl []cases.Event) error {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return err
		}
		if err := st.Apply(e); err != nil {
			return withExit(exitUsage, err)
		}
		return nil
	}, items)
}

func isReminderKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	return k == "reminders" || k == "ack-days"
}

// policySetReminders is 'policy set reminders 30,7,1' and 'policy set
// ack-days 7'.
func policySetReminders(ctx context.Context, e *env, w *wsFlags, key, value string) error {
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return err
	}
	if strings.EqualFold(strings.TrimSpace(key), "reminders") {
		if p.Steps, err = mail.ParseSteps(value); err != nil {
			return withExit(exitUsage, err)
		}
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 0 || n > 3650 {
			return usageErrorf("ack-days must be a whole number of days from 0 (never) to 3650, got %q", value)
		}
		p.AckDays = n
	}
	if err := ws.store.SetReminderPolicy(ctx, p); err != nil {
		return err
	}
	if err := ws.record(ctx, "policy.set", "reminders", auditDetail(p)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Reminders %s days before a deadline; note after %d days without acknowledgement\n", mail.FormatSteps(p.Steps), p.AckDays)
	return nil
}

func showReminderPolicy(ctx context.Context, ws *workspace, w io.Writer) error {
	p, err := ws.store.ReminderPolicy(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reminders\t%s\t(days before a deadline to remind the vendor)\n", mail.FormatSteps(p.Steps))
	fmt.Fprintf(w, "ack-days\t%d\t(note to the analysts when a notified vendor stays silent; 0: never)\n", p.AckDays)
	return nil
}
