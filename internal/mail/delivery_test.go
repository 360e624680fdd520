package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/mail"
	"antidote/internal/mail/mailtest"
	"antidote/internal/store"
)

const findingTitle = "Heap overflow in the Acme router's firmware updater"

func mac(s string) []byte {
	h := hmac.New(sha256.New, testKey())
	h.Write([]byte(s))
	return h.Sum(nil)
}

// world is a workspace with one case against Acme, whose PSIRT has a
// GnuPG key, and a running Exim.
type world struct {
	s        *store.Store
	dbPath   string
	ws       *openpgp.Entity
	wsKey    mail.WorkspaceKey
	vendor   cases.Vendor
	caseID   int64
	exim     *mailtest.Exim
	gpg      *mailtest.GPG
	fpr      string
	settings mail.Settings
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{exim: mailtest.StartExim(t), gpg: mailtest.NewGPG(t)}
	var pub string
	w.fpr, pub = w.gpg.NewKey(t, "Acme PSIRT <psirt@acme.test>")
	now := time.Now() // after the key's creation (whole seconds), or it is not valid yet
	key, err := cases.ParseKey([]byte(pub), now)
	if err != nil {
		t.Fatalf("GnuPG's key does not parse: %v", err)
	}
	w.dbPath = filepath.Join(t.TempDir(), "antidote.db")
	w.s = openStore(t, w.dbPath, testKey())
	ctx := context.Background()
	w.vendor = cases.Vendor{Name: "Acme", Contacts: []cases.Contact{{Email: "psirt@acme.test"}, {Email: "security@acme.test"}}, Keys: []cases.Key{key}, Created: now}
	if w.vendor.ID, err = w.s.AddVendor(ctx, w.vendor); err != nil {
		t.Fatal(err)
	}
	fid, _, err := w.s.AddFinding(ctx, findings.Finding{State: findings.Accepted, Title: findingTitle, Created: now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.caseID, err = w.s.OpenCase(ctx, cases.Case{Finding: fid, Opened: now, OpenedBy: "ann", Targets: []cases.Target{{Vendor: w.vendor.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.wsKey, err = mail.GenerateKey("Newsroom security desk", "security@newsroom.test", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.ws, _ = mail.ReadPrivateKey(w.wsKey.Private)
	if _, err := w.s.PutWorkspaceKey(ctx, w.wsKey, now); err != nil {
		t.Fatal(err)
	}
	w.settings, err = mail.ParseSMTPURL(fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", w.exim.Port))
	if err != nil {
		t.Fatal(err)
	}
	w.settings.From = "security@newsroom.test"
	return w
}

// notify composes the notice for each contact and queues it with the
// notification event, as `case notify` does.
func (w *world) notify(t *testing.T, contacts ...string) []string {
	t.Helper()
	keys, err := mail.ReadPublicKeys(w.vendor.Keys[0].Armored)
	if err != nil {
		t.Fatal(err)
	}
	n := mail.Notice{Case: w.caseID, Vendor: w.vendor.Name, Title: findingTitle, CVEs: []string{"CVE-2026-12345"},
		Products: []string{"Acme Router X (< 2.4)"}, Deadline: time.Now().Add(90 * 24 * time.Hour)}
	var items []store.OutboxItem
	var ids []string
	for _, to := range contacts {
		c, err := mail.Compose(mail.Envelope{From: w.settings.From, To: to, Subject: n.Subject(), Body: n.Body(), Recipients: keys, Signer: w.ws})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(c.Raw, []byte(findingTitle)) {
			t.Fatal("the composed message holds the finding in clear")
		}
		items = append(items, store.OutboxItem{Message: mail.Message{MessageID: c.MessageID, Case: w.caseID, Vendor: w.vendor.ID, Kind: "notice",
			From: c.From, To: c.To, Raw: c.Raw, Encrypted: c.Encrypted}, DedupeKey: mac("notice:" + to), MessageKey: mac(c.MessageID)})
		ids = append(ids, c.MessageID)
	}
	ev := cases.Event{Case: w.caseID, At: time.Now(), Actor: "ann", Kind: cases.EventStatus, Target: cases.Target{Vendor: w.vendor.ID}, Status: cases.Notified}
	if _, n, err := w.s.AddCaseEventWithMail(context.Background(), ev, func(cases.Case, []cases.Event) error { return nil }, items); err != nil || n != len(items) {
		t.Fatalf("queue notices: %d %v", n, err)
	}
	return ids
}

func (w *world) deliverer(at time.Time) *mail.Deliverer {
	return &mail.Deliverer{Outbox: w.s, Sender: &mail.SMTP{Settings: w.settings, Timeout: 30 * time.Second}, Now: func() time.Time { return at }}
}

var armored = regexp.MustCompile(`(?s)-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----`)

func TestDeliverThroughEximAndDecryptWithGnuPG(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ids := w.notify(t, "psirt@acme.test", "security@acme.test")
	rep, err := w.deliverer(time.Now()).Run(ctx)
	if err != nil || rep.Sent != 2 {
		t.Fatalf("Run = %+v, %v", rep, err)
	}
	got := w.exim.Delivered(t, 2)
	if len(got) != 2 {
		t.Fatalf("%d messages arrived, want 2", len(got))
	}
	if _, st, err := w.gpg.Run(t, w.wsKey.Public, "--import"); err != nil {
		t.Fatalf("import the workspace key: %v %s", err, st)
	}
	seen := map[string]bool{}
	for _, raw := range got {
		if bytes.Contains(raw, []byte(findingTitle)) || bytes.Contains(raw, []byte("CVE-2026-12345")) {
			t.Fatal("the finding crossed the network in clear")
		}
		for _, want := range []string{"multipart/encrypted", "application/pgp-encrypted", "Version: 1", "[antidote case " + strconv.FormatInt(w.caseID, 10) + "]"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("arrived message lacks %q", want)
			}
		}
		for _, id := range ids {
			if bytes.Contains(raw, []byte("Message-Id: "+id)) || bytes.Contains(raw, []byte("Message-ID: "+id)) {
				seen[id] = true
			}
		}
		block := armored.Find(raw)
		out, status, err := w.gpg.Run(t, block, "--decrypt")
		if err != nil {
			t.Fatalf("gpg --decrypt: %v\n%s", err, status)
		}
		for _, want := range []string{"DECRYPTION_OKAY", "GOODSIG", "VALIDSIG " + w.wsKey.Fingerprint} {
			if !strings.Contains(status, want) {
				t.Errorf("gpg status lacks %q:\n%s", want, status)
			}
		}
		for _, want := range []string{"Content-Type: multipart/mixed", findingTitle, "CVE-2026-12345", "Acme Router X (< 2.4)", "application/pgp-keys"} {
			if !strings.Contains(out, want) {
				t.Errorf("decrypted notice lacks %q", want)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("Message-IDs arrived: %v, want %v", seen, ids)
	}
	_, timeline, _ := w.s.Case(ctx, w.caseID)
	delivered := 0
	for _, e := range timeline {
		if strings.Contains(e.Note, "delivered to") && strings.Contains(e.Note, " 250 ") || strings.Contains(e.Note, ": 250") {
			delivered++
		}
	}
	if delivered != 2 {
		t.Errorf("%d delivery notes in the timeline, want 2", delivered)
	}

	// The vendor answers with GnuPG: signed, encrypted to the workspace.
	inner := "Content-Type: text/plain; charset=utf-8\r\n\r\nWe confirm the overflow. A fix ships in 2.4.\r\n"
	enc, st, err := w.gpg.Run(t, []byte(inner), "--armor", "--encrypt", "--sign", "-u", w.fpr, "-r", w.wsKey.Fingerprint)
	if err != nil {
		t.Fatalf("gpg --encrypt --sign: %v %s", err, st)
	}
	replyRaw := []byte(pgpmime("From: Acme PSIRT <psirt@acme.test>\r\nTo: security@newsroom.test\r\nSubject: Re: Security vulnerability report\r\nMessage-ID: <reply-1@acme.test>\r\nIn-Reply-To: "+ids[0]+"\r\n", enc))
	// Someone else's key signs: quarantine.
	mfpr, _ := w.gpg.NewKey(t, "Mallory <mallory@evil.test>")
	forged, _, err := w.gpg.Run(t, []byte(inner), "--armor", "--encrypt", "--sign", "-u", mfpr, "-r", w.wsKey.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	forgedRaw := []byte(pgpmime("From: psirt@acme.test\r\nSubject: Re: [antidote case "+strconv.FormatInt(w.caseID, 10)+"]\r\nMessage-ID: <forged@acme.test>\r\n", forged))
	// Encrypted to the vendor's own key by mistake: quarantine.
	wrong, _, _ := w.gpg.Run(t, []byte(inner), "--armor", "--encrypt", "-r", w.fpr)
	wrongRaw := []byte(pgpmime("From: psirt@acme.test\r\nSubject: Re: [antidote case "+strconv.FormatInt(w.caseID, 10)+"]\r\nMessage-ID: <wrong@acme.test>\r\n", wrong))
	mbox := "From psirt@acme.test Sat Dec  5 10:00:00 2026\n" + string(replyRaw) + "\nFrom psirt@acme.test Sat Dec  5 10:00:00 2026\n" + string(forgedRaw) + "\nFrom psirt@acme.test Sat Dec  5 10:00:00 2026\n" + string(wrongRaw)

	vendors, _ := w.s.Vendors(ctx, true)
	sent := func(id string) (int64, int64, bool) {
		c, v, ok, _ := w.s.SentMessage(ctx, mac(id))
		return c, v, ok
	}
	caseOf := func(id int64) ([]int64, bool) {
		c, _, err := w.s.Case(ctx, id)
		if err != nil {
			return nil, false
		}
		var vs []int64
		for _, tg := range c.Targets {
			vs = append(vs, tg.Vendor)
		}
		return vs, true
	}
	im, err := mail.NewImporter(w.ws, vendors, sent, caseOf)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		msgs, err := mail.SplitMessages([]byte(mbox))
		if err != nil || len(msgs) != 3 {
			t.Fatalf("SplitMessages: %d %v", len(msgs), err)
		}
		var results []store.ImportedReply
		var reasons []mail.Reason
		for _, raw := range msgs {
			r := im.Parse(raw, time.Now())
			reasons = append(reasons, r.Quarantine)
			if r.Quarantine == "" && (!r.Signed || r.Signer != w.fpr || !r.Encrypted || r.Case != w.caseID || !strings.Contains(r.Text, "A fix ships in 2.4.")) {
				t.Errorf("GnuPG reply read as %+v", r)
			}
			sum := sha256.Sum256(raw)
			res, err := w.s.ImportReply(ctx, r, store.ReplyKeys{Content: mac(string(sum[:])), MessageID: mac(r.MessageID)}, raw, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			results = append(results, res)
		}
		if reasons[0] != "" || reasons[1] != mail.BadSignature || reasons[2] != mail.Undecryptable {
			t.Fatalf("reasons %q", reasons)
		}
		for i, res := range results {
			if res.Duplicate != (round == 1) {
				t.Errorf("round %d message %d: %+v", round, i, res)
			}
		}
	}
	if q, _ := w.s.Quarantine(ctx); len(q) != 2 {
		t.Errorf("quarantine holds %d, want 2", len(q))
	}
}

func TestOutboxServerDownThenRefusingThenAccepting(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.notify(t, "psirt@acme.test")
	at := time.Now()

	// The server is down: a refused connection is retried later.
	up := w.settings
	down := w.settings
	down.Port = closedPort(t)
	d := w.deliverer(at)
	d.Sender = &mail.SMTP{Settings: down}
	if rep, err := d.Run(ctx); err != nil || rep.Retrying != 1 {
		t.Fatalf("server down: %+v %v", rep, err)
	}
	if rep, _ := d.Run(ctx); rep.Retrying+rep.Sent != 0 {
		t.Fatalf("retried before the backoff: %+v", rep)
	}

	// The server is up but refuses with 451.
	os.WriteFile(w.exim.Refuse, nil, 0o644)
	at = at.Add(mail.Backoff(0, 1))
	d = w.deliverer(at)
	if rep, err := d.Run(ctx); err != nil || rep.Retrying != 1 {
		t.Fatalf("451: %+v %v", rep, err)
	}
	list, _ := w.s.OutboxMessages(ctx)
	if len(list) != 1 || list[0].State != mail.Pending || list[0].Attempts != 2 || !strings.Contains(list[0].LastReply, "451") {
		t.Fatalf("after 451: %+v", list)
	}
	if n := len(w.exim.Delivered(t, 0)); n != 0 {
		t.Fatalf("%d messages arrived while refused", n)
	}

	// Then it accepts: delivered exactly once.
	os.Remove(w.exim.Refuse)
	at = at.Add(mail.Backoff(0, 2))
	if rep, err := w.deliverer(at).Run(ctx); err != nil || rep.Sent != 1 {
		t.Fatalf("accept: %+v %v", rep, err)
	}
	if rep, _ := w.deliverer(at.Add(24 * time.Hour)).Run(ctx); rep != (mail.Report{}) {
		t.Fatalf("sent again: %+v", rep)
	}
	if n := len(w.exim.Delivered(t, 2)); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
	ds, _ := w.s.Deliveries(ctx, list[0].ID)
	if len(ds) != 3 || ds[0].Result != mail.Pending || ds[1].Result != mail.Pending || ds[2].Result != mail.Sent {
		t.Fatalf("deliveries %+v", ds)
	}
	_ = up

	// A server that keeps refusing: given up after MaxAttempts, reported failed.
	w.notify(t, "security@acme.test")
	os.WriteFile(w.exim.Refuse, nil, 0o644)
	d = w.deliverer(at)
	d.MaxAttempts = 2
	d.Run(ctx)
	d.Now = func() time.Time { return at.Add(time.Hour) }
	if rep, _ := d.Run(ctx); rep.Failed != 1 {
		t.Fatalf("not given up: %+v", rep)
	}
	_, timeline, _ := w.s.Case(ctx, w.caseID)
	if n := timeline[len(timeline)-1].Note; !strings.Contains(n, "failed after 2 attempt(s)") {
		t.Fatalf("last timeline note %q", n)
	}
}

func closedPort(t *testing.T) int {
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(interface{ String() string }).String()
	l.Close()
	_, port, _ := strings.Cut(p, ":")
	n, _ := strconv.Atoi(port)
	return n
}

// TestSenderKilled kills the sender (kill -9) at the two moments that
// matter, then lets a new sender run once the lease has run out.
func TestSenderKilled(t *testing.T) {
	for _, c := range []struct {
		at        string
		sent      int
		state     mail.State
		delivered int
	}{
		// Mid-DATA, before the final dot: the server drops the partial
		// message; the next sender delivers it.
		{at: "handoff", sent: 1, state: mail.Sent, delivered: 1},
		// After the server's 250, before the outbox records it: never
		// resent, reported uncertain.
		{at: "accepted", sent: 0, state: mail.Uncertain, delivered: 1},
	} {
		t.Run(c.at, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			w.notify(t, "psirt@acme.test")
			cmd := exec.Command(os.Args[0], "-test.run=^TestSenderChild$")
			cmd.Env = append(os.Environ(), "ANTIDOTE_MAIL_CHILD="+c.at, "ANTIDOTE_MAIL_DB="+w.dbPath, "ANTIDOTE_MAIL_PORT="+strconv.Itoa(w.exim.Port))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if sc.Text() == "READY" {
						ready <- true
						return
					}
				}
				ready <- false
			}()
			select {
			case ok := <-ready:
				if !ok {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatal("the sender ended before the moment to kill it")
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the sender never reached the moment to kill it")
			}
			cmd.Process.Kill() // SIGKILL
			cmd.Wait()

			rep, err := w.deliverer(time.Now().Add(11 * time.Minute)).Run(ctx)
			if err != nil || rep.Sent != c.sent {
				t.Fatalf("after the kill: %+v %v", rep, err)
			}
			list, _ := w.s.OutboxMessages(ctx)
			if len(list) != 1 || list[0].State != c.state {
				t.Fatalf("outbox %+v", list)
			}
			if n := len(w.exim.Delivered(t, c.delivered+1)); n != c.delivered {
				t.Fatalf("%d messages arrived, want %d", n, c.delivered)
			}
		})
	}
}

// stall wraps the store's outbox so that the child stops, for its parent
// to kill it, at the chosen moment.
type stall struct {
	*store.Store
	at string
}

func (s stall) Handoff(ctx context.Context, id int64, lease string) error {
	if s.at == "handoff" {
		fmt.Println("READY")
		time.Sleep(5 * time.Minute)
	}
	return s.Store.Handoff(ctx, id, lease)
}

func (s stall) Finish(ctx context.Context, id int64, lease string, r mail.Result) error {
	if s.at == "accepted" && r.State == mail.Sent {
		fmt.Println("READY")
		time.Sleep(5 * time.Minute)
	}
	return s.Store.Finish(ctx, id, lease, r)
}

// TestSenderChild is the sender process TestSenderKilled kills.
func TestSenderChild(t *testing.T) {
	at := os.Getenv("ANTIDOTE_MAIL_CHILD")
	if at == "" {
		t.Skip("run by TestSenderKilled")
	}
	s := openStore(t, os.Getenv("ANTIDOTE_MAIL_DB"), testKey())
	st, err := mail.ParseSMTPURL("smtp://127.0.0.1:" + os.Getenv("ANTIDOTE_MAIL_PORT") + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	d := &mail.Deliverer{Outbox: stall{s, at}, Sender: &mail.SMTP{Settings: st}}
	d.Run(context.Background())
}

// A notice mailed signed only (plain mail allowed) verifies with GnuPG over
// the part as a mail client canonicalises it.
func TestSignedOnlyVerifiesWithGnuPG(t *testing.T) {
	g := mailtest.NewGPG(t)
	k := newKeys(t)
	c, err := mail.Compose(mail.Envelope{From: "security@newsroom.test", To: "psirt@acme.test", Subject: "s", Body: "plain notice\nsecond line\n", Signer: k.ws, Date: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(c.Raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("bare LF in a composed message")
	}
	m := regexp.MustCompile(`boundary="?([^";\r\n]+)`).FindSubmatch(c.Raw)
	if m == nil {
		t.Fatal("no boundary")
	}
	b := "--" + string(m[1])
	parts := strings.Split(string(c.Raw), "\r\n"+b)
	first := strings.SplitN(string(c.Raw), b+"\r\n", 2)[1]
	first = first[:strings.Index(first, "\r\n"+b)]
	sig := parts[2][strings.Index(parts[2], "-----BEGIN PGP SIGNATURE-----"):]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "part"), []byte(first), 0o600)
	os.WriteFile(filepath.Join(dir, "sig.asc"), []byte(sig), 0o600)
	if _, st, err := g.Run(t, k.wsKey.Public, "--import"); err != nil {
		t.Fatal(err, st)
	}
	_, st, err := g.Run(t, nil, "--verify", filepath.Join(dir, "sig.asc"), filepath.Join(dir, "part"))
	if err != nil || !strings.Contains(st, "GOODSIG") || !strings.Contains(st, "VALIDSIG "+k.wsKey.Fingerprint) {
		t.Fatalf("gpg --verify: %v\n%s", err, st)
	}
}
