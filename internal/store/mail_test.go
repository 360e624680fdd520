package store_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/mail"
	"antidote/internal/secret"
	"antidote/internal/store"
)

func TestMailConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const (
			password  = "smtp-password-7d1f"
			recipient = "psirt-inbox-93@acme.test"
			body      = "ENCRYPTED-BODY-STANDIN-5521"
			replyText = "we-confirm-the-overflow-8812"
			attach    = "attachment-bytes-7731"
		)
		at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

		// Settings: sealed, password kept when not given again.
		st, _ := mail.ParseSMTPURL("smtp://desk@mail.newsroom.test:587")
		st.From, st.Password = "security@newsroom.test", secret.NewString(password)
		if _, err := s.MailSettings(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no settings yet: %v", err)
		}
		if err := s.SetMailSettings(ctx, st); err != nil {
			t.Fatal(err)
		}
		st.Password, st.AllowPlain = secret.String{}, true
		if err := s.SetMailSettings(ctx, st); err != nil {
			t.Fatal(err)
		}
		got, err := s.MailSettings(ctx)
		if err != nil || got.Password.Reveal() != password || !got.AllowPlain || got.Host != "mail.newsroom.test" || got.User != "desk" {
			t.Fatalf("MailSettings = %+v, %v", got, err)
		}

		// The workspace key: stored once.
		wk := mail.WorkspaceKey{Fingerprint: "F00D", Public: []byte("PUBLIC"), Private: []byte("-----BEGIN PGP PRIVATE KEY BLOCK----- secret-key-4471")}
		if ok, err := s.PutWorkspaceKey(ctx, wk, at); !ok || err != nil {
			t.Fatalf("PutWorkspaceKey: %v %v", ok, err)
		}
		if ok, err := s.PutWorkspaceKey(ctx, mail.WorkspaceKey{Fingerprint: "BEEF", Private: []byte("x")}, at); ok || err != nil {
			t.Fatalf("second PutWorkspaceKey: %v %v", ok, err)
		}
		k, err := s.WorkspaceKey(ctx)
		if err != nil || k.Fingerprint != "F00D" || !bytes.Equal(k.Private, wk.Private) {
			t.Fatalf("WorkspaceKey = %+v %v", k, err)
		}

		// A case to notify.
		acme, _ := s.AddVendor(ctx, cases.Vendor{Name: "Acme", Created: at})
		fid, _, _ := s.AddFinding(ctx, findings.Finding{State: findings.Accepted, Title: "t", Created: at}, nil)
		cid, err := s.OpenCase(ctx, cases.Case{Finding: fid, Opened: at, OpenedBy: "ann", Targets: []cases.Target{{Vendor: acme}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		item := func(n string) store.OutboxItem {
			return store.OutboxItem{Message: mail.Message{MessageID: "<" + n + "@newsroom.test>", Case: cid, Vendor: acme, Kind: "notice",
				From: "security@newsroom.test", To: recipient, Raw: []byte(body + n), Encrypted: true},
				DedupeKey: []byte("dedupe-" + n), MessageKey: []byte("mid-" + n)}
		}
		notify := cases.Event{Case: cid, At: at, Actor: "ann", Kind: cases.EventStatus, Target: cases.Target{Vendor: acme}, Status: cases.Notified}
		ok := func(cases.Case, []cases.Event) error { return nil }
		if _, n, err := s.AddCaseEventWithMail(ctx, notify, ok, []store.OutboxItem{item("a"), item("b")}); err != nil || n != 2 {
			t.Fatalf("AddCaseEventWithMail: %d %v", n, err)
		}
		// A refused event queues nothing.
		refuse := func(cases.Case, []cases.Event) error { return cases.ErrBadEvent }
		if _, _, err := s.AddCaseEventWithMail(ctx, notify, refuse, []store.OutboxItem{item("c")}); !errors.Is(err, cases.ErrBadEvent) {
			t.Fatalf("refused event: %v", err)
		}
		if n, err := s.QueueMail(ctx, []store.OutboxItem{item("a")}, at); err != nil || n != 0 {
			t.Fatalf("queueing a again: %d %v", n, err)
		}

		lease := 10 * time.Minute
		msgs, err := s.Claim(ctx, at, lease, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("Claim = %d, %v", len(msgs), err)
		}
		a, b := msgs[0], msgs[1]
		if a.MessageID != "<a@newsroom.test>" || a.To != recipient || string(a.Raw) != body+"a" || a.Attempts != 1 || a.State != mail.Sending {
			t.Fatalf("claimed %+v", a)
		}
		if more, _ := s.Claim(ctx, at, lease, 10); len(more) != 0 {
			t.Fatalf("claimed twice: %d", len(more))
		}
		if err := s.Finish(ctx, a.ID, "stale", mail.Result{State: mail.Sent, At: at}); !errors.Is(err, mail.ErrLeaseLost) {
			t.Fatalf("stale lease: %v", err)
		}
		if err := s.Handoff(ctx, a.ID, a.Lease); err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, a.ID, a.Lease, mail.Result{State: mail.Sent, At: at.Add(time.Second), Attempt: 1, Reply: "250 2.0.0 OK id=1"}); err != nil {
			t.Fatal(err)
		}
		_, timeline, _ := s.Case(ctx, cid)
		if n := timeline[len(timeline)-1].Note; !strings.Contains(n, "<a@newsroom.test>") || !strings.Contains(n, "250 2.0.0 OK id=1") {
			t.Fatalf("timeline note %q", n)
		}
		// b: refused with 4xx, retried after the backoff.
		if err := s.Finish(ctx, b.ID, b.Lease, mail.Result{State: mail.Pending, At: at, Next: at.Add(time.Minute), Attempt: 1, Reply: "451 try later"}); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Claim(ctx, at.Add(30*time.Second), lease, 10); len(m) != 0 {
			t.Fatalf("claimed before its retry time")
		}
		m, _ := s.Claim(ctx, at.Add(time.Minute), lease, 10)
		if len(m) != 1 || m[0].ID != b.ID || m[0].Attempts != 2 {
			t.Fatalf("retry claim %+v", m)
		}
		// The sender dies before the handoff: reclaimed after the lease.
		if m, _ := s.Claim(ctx, at.Add(time.Minute+lease-time.Second), lease, 10); len(m) != 0 {
			t.Fatalf("claimed while leased")
		}
		m, _ = s.Claim(ctx, at.Add(2*time.Minute+lease), lease, 10)
		if len(m) != 1 || m[0].Attempts != 3 {
			t.Fatalf("reclaim after a dead sender: %+v", m)
		}
		// The sender dies after the handoff: uncertain, never resent.
		if err := s.Handoff(ctx, b.ID, m[0].Lease); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Claim(ctx, at.Add(time.Hour), lease, 10); len(m) != 0 {
			t.Fatalf("resent after handoff: %+v", m)
		}
		list, err := s.OutboxMessages(ctx)
		if err != nil || len(list) != 2 || list[0].State != mail.Uncertain || list[1].State != mail.Sent || list[0].Raw != nil || list[1].LastReply != "250 2.0.0 OK id=1" {
			t.Fatalf("OutboxMessages = %+v %v", list, err)
		}
		if err := s.RequeueMail(ctx, a.ID, at); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("requeue a sent message: %v", err)
		}
		if err := s.RequeueMail(ctx, b.ID, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ds, err := s.Deliveries(ctx, b.ID); err != nil || len(ds) != 1 || ds[0].Reply != "451 try later" {
			t.Fatalf("Deliveries = %+v %v", ds, err)
		}
		if c, v, found, err := s.SentMessage(ctx, []byte("mid-a")); !found || err != nil || c != cid || v != acme {
			t.Fatalf("SentMessage = %d %d %v %v", c, v, found, err)
		}
		if _, _, found, _ := s.SentMessage(ctx, []byte("nope")); found {
			t.Fatal("SentMessage found an unknown key")
		}

		// Replies: quarantined, then accepted once the vendor is known, once.
		r := mail.Reply{MessageID: "<r1@acme.test>", From: "psirt@acme.test", Subject: "Re", Text: replyText,
			Attachments: []mail.Attachment{{Name: "draft.pdf", ContentType: "application/pdf", Data: []byte(attach)}},
			Quarantine:  mail.UnknownSender, Detail: "the sender is no vendor's security contact"}
		keys := store.ReplyKeys{Content: []byte("content-1"), MessageID: []byte("msg-1")}
		raw := []byte("raw message " + replyText)
		res, err := s.ImportReply(ctx, r, keys, raw, at.Add(2*time.Hour))
		if err != nil || res.Quarantine == 0 || res.Duplicate {
			t.Fatalf("quarantine: %+v %v", res, err)
		}
		if res, _ := s.ImportReply(ctx, r, keys, raw, at.Add(2*time.Hour)); !res.Duplicate {
			t.Fatalf("quarantined twice: %+v", res)
		}
		q, err := s.Quarantine(ctx)
		if err != nil || len(q) != 1 || q[0].Reason != mail.UnknownSender || q[0].From != "psirt@acme.test" || q[0].Attachments != 1 {
			t.Fatalf("Quarantine = %+v %v", q, err)
		}
		if got, err := s.QuarantinedMessage(ctx, q[0].ID); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("QuarantinedMessage: %v", err)
		}
		r.Quarantine, r.Detail, r.Case, r.Vendor, r.Encrypted, r.Signed, r.Signer = "", "", cid, acme, true, true, "ABCD"
		res, err = s.ImportReply(ctx, r, keys, raw, at.Add(3*time.Hour))
		if err != nil || res.Reply == 0 || res.Event == 0 || res.Duplicate {
			t.Fatalf("accept: %+v %v", res, err)
		}
		if q, _ := s.Quarantine(ctx); len(q) != 0 {
			t.Fatalf("still quarantined: %+v", q)
		}
		// Same Message-ID, other bytes (another export of it): nothing added.
		if res, _ := s.ImportReply(ctx, r, store.ReplyKeys{Content: []byte("content-2"), MessageID: []byte("msg-1")}, raw, at); !res.Duplicate {
			t.Fatalf("imported twice: %+v", res)
		}
		_, timeline, _ = s.Case(ctx, cid)
		last := timeline[len(timeline)-1]
		if last.Actor != "vendor Acme" || !strings.Contains(last.Note, replyText) || !strings.Contains(last.Note, "signed by ABCD") {
			t.Fatalf("reply event %+v", last)
		}
		atts, err := s.ReplyAttachments(ctx, res.Reply)
		if err != nil || len(atts) != 1 || string(atts[0].Data) != attach || atts[0].Name != "draft.pdf" {
			t.Fatalf("ReplyAttachments = %+v %v", atts, err)
		}

		// Reminder steps: recorded once, a moved deadline is a new step.
		deadline := at.Add(90 * 24 * time.Hour)
		step := func(days int, dl time.Time) mail.Step {
			return mail.Step{Case: cid, Target: cases.Target{Vendor: acme}, Kind: mail.StepReminder, Days: days, Deadline: dl}
		}
		due := mail.Due{Step: step(7, deadline), Covers: []mail.Step{step(30, deadline), step(7, deadline)}}
		note := cases.Event{Case: cid, At: at.Add(4 * time.Hour), Actor: "antidote-mail", Kind: cases.EventNote, Note: "reminder queued"}
		if added, err := s.RecordReminder(ctx, due, []store.OutboxItem{item("rem")}, &note, at); !added || err != nil {
			t.Fatalf("RecordReminder: %v %v", added, err)
		}
		if added, err := s.RecordReminder(ctx, due, []store.OutboxItem{item("rem2")}, &note, at); added || err != nil {
			t.Fatalf("RecordReminder again: %v %v", added, err)
		}
		steps, err := s.ReminderSteps(ctx)
		if err != nil || len(steps) != 2 || !steps[step(30, deadline)] || !steps[step(7, deadline)] || steps[step(7, deadline.Add(time.Hour))] {
			t.Fatalf("ReminderSteps = %v %v", steps, err)
		}
		if list, _ := s.OutboxMessages(ctx); len(list) != 3 {
			t.Fatalf("reminder mail queued %d times", len(list)-2)
		}

		// Reminder policy: the default until set.
		if p, err := s.ReminderPolicy(ctx); err != nil || mail.FormatSteps(p.Steps) != "30,7,1" || p.AckDays != 7 {
			t.Fatalf("default ReminderPolicy = %+v %v", p, err)
		}
		if err := s.SetReminderPolicy(ctx, mail.ReminderPolicy{Steps: []int{14, 3}, AckDays: 0}); err != nil {
			t.Fatal(err)
		}
		if p, err := s.ReminderPolicy(ctx); err != nil || mail.FormatSteps(p.Steps) != "14,3" || p.AckDays != 0 {
			t.Fatalf("ReminderPolicy = %+v %v", p, err)
		}

		dump := rawDump(t, s)
		for _, secretText := range []string{password, recipient, body, replyText, attach, "secret-key-4471", "desk@mail.newsroom.test", "r1@acme.test"} {
			if bytes.Contains(dump, []byte(secretText)) {
				t.Errorf("the database holds %q in plaintext", secretText)
			}
		}
	})
}

// Two senders claiming at once never get the same message.
func TestMailClaimConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		var items []store.OutboxItem
		for i := 0; i < 40; i++ {
			id := strconv.Itoa(i)
			items = append(items, store.OutboxItem{Message: mail.Message{MessageID: "<" + id + "@x>", Kind: "notice", From: "a@x", To: "b@y", Raw: []byte("m")},
				DedupeKey: []byte("d" + id), MessageKey: []byte("m" + id)})
		}
		if n, err := s.QueueMail(ctx, items, at); err != nil || n != 40 {
			t.Fatalf("QueueMail: %d %v", n, err)
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ms, err := s.Claim(ctx, at, time.Minute, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						seen[m.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Fatalf("claimed %d distinct messages, want 40", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("message %d claimed %d times", id, n)
			}
		}
	})
}
