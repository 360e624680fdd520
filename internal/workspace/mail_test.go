package workspace

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/mail"
	"antidote/internal/secret"
)

// newMailWorkspace creates an empty workspace on the backend with two
// vendors, Acme (a contact and an OpenPGP key) and Globex (a contact, no
// key), and a case of an accepted finding with both. It returns the
// vendor's secret key, to read what Acme is sent.
func newMailWorkspace(t *testing.T, db string) (*Workspace, openpgp.EntityList) {
	t.Helper()
	ctx := context.Background()
	ws, _, err := Create(ctx, Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}, filepath.Join(t.TempDir(), "ws"), secret.NewString("test passphrase"), CreateOptions{Database: db, KDF: InsecureKDF()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	vk, err := mail.GenerateKey("Acme PSIRT", "psirt@acme.test", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	key, err := cases.ParseKey(vk.Public, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddVendor(ctx, analyst, cases.Vendor{Name: "Acme", Contacts: []cases.Contact{{Email: "psirt@acme.test"}}, Keys: []cases.Key{key}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddVendor(ctx, analyst, cases.Vendor{Name: "Globex", Contacts: []cases.Contact{{Email: "sec@globex.test"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AddFinding(ctx, analyst, findings.Finding{State: findings.Accepted, Title: "zqxsecret heap overflow"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.OpenCase(ctx, analyst, 1, []string{"Acme", "Globex"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	priv, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(vk.Private))
	if err != nil {
		t.Fatal(err)
	}
	return ws, priv
}

// TestNotifyQueuesMail holds that Notify, for every front end, queues each
// vendor's encrypted notice with its event and names the vendors that get
// none; that the workspace key is made on first use; and that the mail use
// cases check roles and leave audit events.
func TestNotifyQueuesMail(t *testing.T) {
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ws, vendorKey := newMailWorkspace(t, dsn(t))
			admin := Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}

			if _, err := ws.MailSettings(ctx, analyst); !errors.Is(err, ErrNoMailSettings) {
				t.Fatalf("mail settings before any: %v, want ErrNoMailSettings", err)
			}
			if _, err := ws.SendMail(ctx, analyst); !errors.Is(err, ErrNoMailSettings) {
				t.Fatalf("send without settings: %v, want ErrNoMailSettings", err)
			}
			var inv *InvalidError
			if _, err := ws.SetMailSettings(ctx, admin, MailSettingsInput{SMTP: "smtp://mail.example.org:25?tls=none", From: "a@b.test"}); !errors.As(err, &inv) {
				t.Fatalf("clear text to a remote server: %v, want InvalidError", err)
			}
			if _, err := ws.SetMailSettings(ctx, admin, MailSettingsInput{SMTP: "smtp://127.0.0.1:2525?tls=none"}); !errors.Is(err, ErrNoSender) || !errors.As(err, &inv) {
				t.Fatalf("no sender: %v, want an invalid ErrNoSender", err)
			}
			if _, err := ws.SetMailSettings(ctx, analyst, MailSettingsInput{SMTP: "smtp://127.0.0.1:2525?tls=none", From: "security@newsroom.test"}); !errors.Is(err, ErrForbidden) {
				t.Fatalf("an analyst set the mail settings: %v", err)
			}
			v, err := ws.SetMailSettings(ctx, admin, MailSettingsInput{SMTP: "smtp://desk@127.0.0.1:2525?tls=none", From: "security@newsroom.test", Password: secret.NewString("zqxpassword"), Portal: "https://portal.newsroom.test/"})
			if err != nil {
				t.Fatal(err)
			}
			if !v.Password || v.From != "security@newsroom.test" || strings.Contains(v.SMTP, "zqxpassword") || v.Fingerprint != "" {
				t.Fatalf("settings %+v", v)
			}

			before := auditCount(t, ws)
			res, cat, err := ws.Notify(ctx, analyst, 1, nil, time.Now(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Events) != 2 || len(res.Mail) != 1 || cat.TargetName(res.Mail[0].Target) != "Acme" || res.Mail[0].Messages != 1 || !res.Mail[0].Encrypted {
				t.Fatalf("notify: %+v", res)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].Vendor != "Globex" || res.Warnings[0].Kind != MailNoKey {
				t.Fatalf("warnings %+v, want Globex without a usable key", res.Warnings)
			}
			// The key was made (one event), and each notification recorded.
			if got := auditCount(t, ws) - before; got != 3 {
				t.Errorf("notify left %d audit events, want 3 (key, two notifications)", got)
			}
			if v, err := ws.MailSettings(ctx, analyst); err != nil || len(v.Fingerprint) != 40 {
				t.Fatalf("fingerprint after the first notice: %q, %v", v.Fingerprint, err)
			}

			out, err := ws.Outbox(ctx, analyst)
			if err != nil || len(out) != 1 || out[0].State != MailPending || !out[0].Encrypted || out[0].To != "psirt@acme.test" || len(out[0].Raw) != 0 {
				t.Fatalf("outbox %+v, %v", out, err)
			}
			// What would cross the network reads only with the vendor's key.
			msgs, err := ws.store.Claim(ctx, time.Now(), time.Minute, 10)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("claim: %d, %v", len(msgs), err)
			}
			if bytes.Contains(msgs[0].Raw, []byte("zqxsecret")) {
				t.Fatal("the notice is queued in clear")
			}
			armored := regexp.MustCompile(`(?s)-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----`).Find(msgs[0].Raw)
			md, err := openpgp.ReadMessage(mustDearmor(t, armored), vendorKey, nil, nil)
			if err != nil {
				t.Fatalf("the vendor cannot decrypt its notice: %v", err)
			}
			body, _ := io.ReadAll(md.UnverifiedBody)
			if !bytes.Contains(body, []byte("zqxsecret heap overflow")) {
				t.Fatalf("notice without the finding:\n%s", body)
			}
			unwrapped := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(body)) // quoted-printable soft breaks
			if !strings.Contains(unwrapped, "https://portal.newsroom.test/cases/1") {
				t.Errorf("notice without the portal link to its case:\n%s", body)
			}

			if err := ws.RetryMail(ctx, analyst, out[0].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("retry of a message that did not fail: %v, want ErrNotFound", err)
			}
			for _, c := range []struct {
				who  Actor
				what string
				call func(a Actor) error
			}{
				{Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}, "send mail", func(a Actor) error { _, err := ws.SendMail(ctx, a); return err }},
				{Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}, "import replies", func(a Actor) error {
					_, err := ws.ImportReplies(ctx, a, "x.eml", []byte("From: a@b\r\n\r\nx\r\n"))
					return err
				}},
				{Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}, "run reminders", func(a Actor) error { _, err := ws.RunReminders(ctx, a, ReminderOptions{}); return err }},
				{Actor{Name: "psirt", Role: RoleVendor, Vendor: 1, Authenticated: true}, "list the outbox", func(a Actor) error { _, err := ws.Outbox(ctx, a); return err }},
				{Actor{Name: "psirt", Role: RoleVendor, Vendor: 1, Authenticated: true}, "list the quarantine", func(a Actor) error { _, err := ws.Quarantine(ctx, a); return err }},
			} {
				before := auditCount(t, ws)
				if err := c.call(c.who); !errors.Is(err, ErrForbidden) {
					t.Errorf("%s may %s: %v", c.who.Role, c.what, err)
				}
				if auditCount(t, ws) != before {
					t.Errorf("refused %q still recorded audit events", c.what)
				}
			}
		})
	}
}

func mustDearmor(t *testing.T, b []byte) io.Reader {
	t.Helper()
	blk, err := armor.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("no armored message: %v", err)
	}
	return blk.Body
}

// TestRepliesAndReminders imports replies (accepted, duplicate,
// quarantined) and runs reminders twice through the core.
func TestRepliesAndReminders(t *testing.T) {
	ctx := context.Background()
	ws, _ := newMailWorkspace(t, "")
	later := time.Now().Add(85 * 24 * time.Hour) // 5 days before the 90-day default deadline
	if _, _, err := ws.Notify(ctx, analyst, 1, nil, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	mbox := "From psirt@acme.test Sat Dec  5 10:00:00 2026\n" +
		"From: psirt@acme.test\r\nSubject: Re: [antidote case 1]\r\nMessage-ID: <r1@acme.test>\r\n\r\nwe are on it\r\n" +
		"\nFrom x@elsewhere.test Sat Dec  5 10:00:00 2026\n" +
		"From: x@elsewhere.test\r\nSubject: Re: [antidote case 1]\r\nMessage-ID: <s1@elsewhere.test>\r\n\r\nlet me in\r\n"
	got, err := ws.ImportReplies(ctx, analyst, "replies.mbox", []byte(mbox))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Case != 1 || got[0].Vendor != "Acme" || got[0].Quarantine != "" || got[1].Quarantine != ReplyUnknownSender || got[1].Index != 2 {
		t.Fatalf("import: %+v", got)
	}
	again, err := ws.ImportReplies(ctx, analyst, "replies.mbox", []byte(mbox))
	if err != nil || len(again) != 2 || !again[0].Duplicate || !again[1].Duplicate {
		t.Fatalf("second import: %+v, %v", again, err)
	}
	q, err := ws.Quarantine(ctx, analyst)
	if err != nil || len(q) != 1 || q[0].From != "x@elsewhere.test" {
		t.Fatalf("quarantine %+v, %v", q, err)
	}

	// Without mail settings a due reminder is a timeline note, with a
	// warning; both vendors are silent after 85 days.
	never := 0
	dry, err := ws.RunReminders(ctx, analyst, ReminderOptions{At: later, DryRun: true, AckDays: &never})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry) != 2 || dry[0].Kind != ReminderDeadline || dry[0].Days != 7 || dry[0].Queued || dry[0].Warning == nil || dry[0].Warning.Kind != MailNoSettings {
		t.Fatalf("dry run: %+v", dry)
	}
	due, err := ws.RunReminders(ctx, analyst, ReminderOptions{At: later})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[mail.StepKind]int{}
	for _, r := range due {
		if !r.Queued || r.Mails != 0 {
			t.Errorf("reminder %+v: want queued (as a note), without mail", r)
		}
		kinds[r.Kind]++
	}
	if len(due) != 4 || kinds[ReminderDeadline] != 2 || kinds[ReminderUnacked] != 2 {
		t.Fatalf("reminders: %+v", due)
	}
	if again, err := ws.RunReminders(ctx, analyst, ReminderOptions{At: later}); err != nil || len(again) != 0 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	tl, _, err := ws.Timeline(ctx, analyst, 1)
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, ev := range tl {
		if ev.Actor == reminderActor {
			notes++
		}
	}
	if notes != 4 {
		t.Errorf("%d reminder notes in the timeline, want 4", notes)
	}
	// The notes written by mail keep the case's record authentic.
	if c, _, err := ws.store.Case(ctx, 1); err != nil || c.Unauthentic {
		t.Errorf("after replies and reminders the case's record fails authentication (%v)", err)
	}
	p, err := ws.SetReminderPolicy(ctx, analyst, []int{14, 3}, -1)
	if err != nil || mail.FormatSteps(p.Steps) != "14,3" || p.AckDays != 7 {
		t.Fatalf("policy %+v, %v", p, err)
	}
	var inv *InvalidError
	if _, err := ws.SetReminderPolicy(ctx, analyst, nil, 5000); !errors.As(err, &inv) {
		t.Fatalf("ack-days 5000: %v, want InvalidError", err)
	}
}

// TestNotifyMailsAVendorOnce: a vendor whose two products are parties of
// the case gets one notice per contact, and one warning at most.
func TestNotifyMailsAVendorOnce(t *testing.T) {
	ctx := context.Background()
	ws, _ := newMailWorkspace(t, "")
	admin := Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}
	for _, p := range []string{"Router", "Switch"} {
		for _, v := range []string{"Acme", "Globex"} {
			if _, _, err := ws.AddProduct(ctx, analyst, v, cases.Product{Name: p, Class: "network-equipment"}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var affected []findings.Affected
	for _, v := range []string{"Acme", "Globex"} {
		affected = append(affected, findings.Affected{Vendor: v, Product: "Router"}, findings.Affected{Vendor: v, Product: "Switch"})
	}
	if _, err := ws.AddFinding(ctx, analyst, findings.Finding{State: findings.Accepted, Title: "two products", Affected: affected}); err != nil {
		t.Fatal(err)
	}
	c, _, err := ws.OpenCase(ctx, analyst, 2, []string{"Acme", "Globex"}, time.Now())
	if err != nil || len(c.Targets) != 4 {
		t.Fatalf("case %+v, %v", c, err)
	}
	if _, err := ws.SetMailSettings(ctx, admin, MailSettingsInput{SMTP: "smtp://127.0.0.1:2525?tls=none", From: "security@newsroom.test"}); err != nil {
		t.Fatal(err)
	}
	res, _, err := ws.Notify(ctx, analyst, c.ID, nil, time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 4 || len(res.Mail) != 1 || res.Mail[0].Messages != 1 || len(res.Warnings) != 1 {
		t.Fatalf("notify: %+v", res)
	}
	if out, err := ws.Outbox(ctx, analyst); err != nil || len(out) != 1 {
		t.Fatalf("outbox: %+v, %v", out, err)
	}
}
