package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/mail"
	"antidote/internal/secret"
)

// Vendor mail: settings, the workspace's OpenPGP key, the outbox (which
// implements mail.Outbox), replies, quarantine and reminder steps. Every
// address, message and key is sealed bound to its row; lookups use keyed
// MACs that the caller computes (store does no cryptography of its own).

const mailActor = "antidote-mail"

type mailConfig struct {
	Host       string       `json:"host"`
	Port       int          `json:"port"`
	User       string       `json:"user,omitempty"`
	TLS        mail.TLSMode `json:"tls"`
	From       string       `json:"from"`
	AllowPlain bool         `json:"allow_plain"`
	Portal     string       `json:"portal,omitempty"`
}

// SetMailSettings replaces the workspace's mail settings; the whole
// configuration and the password are sealed. An empty password keeps the
// stored one.
func (s *Store) SetMailSettings(ctx context.Context, st mail.Settings) error {
	b, err := json.Marshal(mailConfig{Host: st.Host, Port: st.Port, User: st.User, TLS: st.TLS, From: st.From, AllowPlain: st.AllowPlain, Portal: st.Portal})
	if err != nil {
		return err
	}
	var pw []byte
	if !st.Password.IsZero() {
		pw = s.seal([]byte(st.Password.Reveal()), "mail_settings.password")
	}
	_, err = s.exec(ctx, `INSERT INTO mail_settings (id, config, password, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET config = excluded.config,
			password = coalesce(excluded.password, mail_settings.password), updated_at = excluded.updated_at`,
		s.seal(b, "mail_settings.config"), pw, now())
	if err != nil {
		return fmt.Errorf("store mail settings: %w", err)
	}
	return nil
}

// MailSettings returns the mail settings with the password, or ErrNotFound.
func (s *Store) MailSettings(ctx context.Context) (mail.Settings, error) {
	var cfg, pw []byte
	err := s.queryRow(ctx, `SELECT config, password FROM mail_settings WHERE id = 1`).Scan(&cfg, &pw)
	if errors.Is(err, sql.ErrNoRows) {
		return mail.Settings{}, fmt.Errorf("mail settings: %w", ErrNotFound)
	}
	if err != nil {
		return mail.Settings{}, fmt.Errorf("read mail settings: %w", err)
	}
	b, err := s.open(cfg, "mail_settings.config")
	if err != nil {
		return mail.Settings{}, err
	}
	var c mailConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return mail.Settings{}, fmt.Errorf("read mail settings: %w", err)
	}
	st := mail.Settings{Host: c.Host, Port: c.Port, User: c.User, TLS: c.TLS, From: c.From, AllowPlain: c.AllowPlain, Portal: c.Portal}
	if pw != nil {
		p, err := s.open(pw, "mail_settings.password")
		if err != nil {
			return mail.Settings{}, err
		}
		st.Password = secret.NewString(string(p))
	}
	return st, nil
}

// PutWorkspaceKey stores the workspace's OpenPGP key unless one exists;
// it reports whether k was stored (false: the existing key stays).
func (s *Store) PutWorkspaceKey(ctx context.Context, k mail.WorkspaceKey, at time.Time) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO mail_workspace_key (id, fingerprint, public_key, secret_key, created_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, k.Fingerprint, string(k.Public), s.seal(k.Private, "mail_workspace_key.secret_key"), fmtTime(at))
	if err != nil {
		return false, fmt.Errorf("store workspace OpenPGP key: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// WorkspaceKey returns the workspace's OpenPGP key, or ErrNotFound.
func (s *Store) WorkspaceKey(ctx context.Context) (mail.WorkspaceKey, error) {
	var k mail.WorkspaceKey
	var pub string
	var sealed []byte
	err := s.queryRow(ctx, `SELECT fingerprint, public_key, secret_key FROM mail_workspace_key WHERE id = 1`).Scan(&k.Fingerprint, &pub, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("workspace OpenPGP key: %w", ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("read workspace OpenPGP key: %w", err)
	}
	k.Public = []byte(pub)
	k.Private, err = s.open(sealed, "mail_workspace_key.secret_key")
	return k, err
}

// OutboxItem is a composed message to queue. DedupeKey is a keyed MAC of
// what the message is for (case, vendor, contact, event or reminder step):
// queueing the same item twice adds nothing. MessageKey is a keyed MAC of
// its Message-ID, by which replies find their case.
type OutboxItem struct {
	Message    mail.Message
	DedupeKey  []byte
	MessageKey []byte
}

type envelope struct {
	MessageID string `json:"message_id"`
	From      string `json:"from"`
	To        string `json:"to"`
}

func (s *Store) queueTx(ctx context.Context, tx *Tx, items []OutboxItem, at time.Time) (int, error) {
	n := 0
	for _, it := range items {
		m := it.Message
		if len(it.DedupeKey) == 0 || len(it.MessageKey) == 0 || len(m.Raw) == 0 {
			return n, errors.New("queue mail: a message needs its keys and its body")
		}
		var exists int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE dedupe_key = ?`, it.DedupeKey).Scan(&exists); err != nil {
			return n, fmt.Errorf("queue mail: %w", err)
		}
		if exists > 0 {
			continue
		}
		kind := m.Kind
		if kind == "" {
			kind = "notice"
		}
		id, err := tx.InsertID(ctx, `INSERT INTO mail_outbox (dedupe_key, message_key, case_id, vendor_id, kind, encrypted, envelope, raw, state, attempts, next_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
			it.DedupeKey, it.MessageKey, m.Case, m.Vendor, kind, boolInt(m.Encrypted), []byte{}, []byte{}, fmtTime(at), fmtTime(at), fmtTime(at))
		if err != nil {
			return n, fmt.Errorf("queue mail: %w", err)
		}
		env, _ := json.Marshal(envelope{MessageID: m.MessageID, From: m.From, To: m.To})
		if _, err := tx.Exec(ctx, `UPDATE mail_outbox SET envelope = ?, raw = ? WHERE id = ?`,
			s.seal(env, adRow("mail_outbox", "envelope", id)), s.seal(m.Raw, adRow("mail_outbox", "raw", id)), id); err != nil {
			return n, fmt.Errorf("queue mail: %w", err)
		}
		n++
	}
	return n, nil
}

// QueueMail puts messages into the outbox in one transaction and returns
// how many were new.
func (s *Store) QueueMail(ctx context.Context, items []OutboxItem, at time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		n, err = s.queueTx(ctx, tx, items, at)
		return err
	})
	return n, err
}

// AddCaseEventWithMail appends a case event, as AddCaseEvent does, and
// queues its messages in the same transaction: a notification is recorded
// if and only if its mail is queued.
func (s *Store) AddCaseEventWithMail(ctx context.Context, e cases.Event, check func(c cases.Case, timeline []cases.Event) error, items []OutboxItem) (int64, int, error) {
	var id int64
	var n int
	err := s.inTx(ctx, func(tx *Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.Exec(ctx, `SELECT id FROM cases WHERE id = ? FOR UPDATE`, e.Case); err != nil {
				return fmt.Errorf("lock case %d: %w", e.Case, err)
			}
		}
		c, evs, err := s.readCase(ctx, tx, e.Case)
		if err != nil {
			return err
		}
		if err := check(c, evs); err != nil {
			return err
		}
		if e.Kind == cases.EventStatus {
			if _, err := tx.Exec(ctx, `INSERT INTO case_targets (case_id, vendor_id, product_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, e.Case, e.Target.Vendor, e.Target.Product); err != nil {
				return fmt.Errorf("add vendor to case %d: %w", e.Case, err)
			}
		}
		if id, err = s.insertEvent(ctx, tx, e); err != nil {
			return err
		}
		if n, err = s.queueTx(ctx, tx, items, e.At); err != nil {
			return err
		}
		return s.retagCase(ctx, tx, e.Case)
	})
	return id, n, err
}

func newLease() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Claim implements mail.Outbox.
func (s *Store) Claim(ctx context.Context, at time.Time, lease time.Duration, limit int) ([]mail.Message, error) {
	var out []mail.Message
	err := s.inTx(ctx, func(tx *Tx) error {
		nowS := fmtTime(at)
		// A sender that died after the handoff may have delivered: never resend.
		if _, err := tx.Exec(ctx, `UPDATE mail_outbox SET state = 'uncertain', lease = '', updated_at = ?
			WHERE state = 'sending' AND handoff = 1 AND lease_until < ?`, nowS, nowS); err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `SELECT id FROM mail_outbox
			WHERE (state = 'pending' AND next_at <= ?) OR (state = 'sending' AND handoff = 0 AND lease_until < ?)
			ORDER BY next_at, id LIMIT ?`+lock, nowS, nowS, limit)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := fmtTime(at.Add(lease))
		for _, id := range ids {
			tok := newLease()
			if _, err := tx.Exec(ctx, `UPDATE mail_outbox SET state = 'sending', lease = ?, lease_until = ?, handoff = 0,
				attempts = attempts + 1, updated_at = ? WHERE id = ?`, tok, until, nowS, id); err != nil {
				return fmt.Errorf("claim mail: %w", err)
			}
			m, err := s.readOutbox(ctx, tx, id, true)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

const outboxCols = `id, case_id, vendor_id, kind, encrypted, envelope, state, attempts, next_at, created_at, last_reply, lease`

func (s *Store) scanOutbox(r scanner) (mail.Message, error) {
	var m mail.Message
	var enc int
	var env, reply []byte
	var next, created string
	if err := r.Scan(&m.ID, &m.Case, &m.Vendor, &m.Kind, &enc, &env, &m.State, &m.Attempts, &next, &created, &reply, &m.Lease); err != nil {
		return m, err
	}
	m.Encrypted = enc != 0
	b, err := s.open(env, adRow("mail_outbox", "envelope", m.ID))
	if err != nil {
		return m, err
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return m, fmt.Errorf("read outbox message %d: %w", m.ID, err)
	}
	m.MessageID, m.From, m.To = e.MessageID, e.From, e.To
	if m.State == mail.Pending {
		m.NextAt, _ = parseTime(next)
	}
	m.Created, _ = parseTime(created)
	if reply != nil {
		r, err := s.open(reply, adRow("mail_outbox", "last_reply", m.ID))
		if err != nil {
			return m, err
		}
		m.LastReply = string(r)
	}
	return m, nil
}

func (s *Store) readOutbox(ctx context.Context, tx *Tx, id int64, raw bool) (mail.Message, error) {
	m, err := s.scanOutbox(tx.QueryRow(ctx, `SELECT `+outboxCols+` FROM mail_outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("outbox message", id)
	}
	if err != nil {
		return m, fmt.Errorf("read outbox message %d: %w", id, err)
	}
	if raw {
		var sealed []byte
		if err := tx.QueryRow(ctx, `SELECT raw FROM mail_outbox WHERE id = ?`, id).Scan(&sealed); err != nil {
			return m, fmt.Errorf("read outbox message %d: %w", id, err)
		}
		if m.Raw, err = s.open(sealed, adRow("mail_outbox", "raw", id)); err != nil {
			return m, err
		}
	}
	return m, nil
}

// Handoff implements mail.Outbox.
func (s *Store) Handoff(ctx context.Context, id int64, lease string) error {
	res, err := s.exec(ctx, `UPDATE mail_outbox SET handoff = 1 WHERE id = ? AND lease = ? AND state = 'sending'`, id, lease)
	if err != nil {
		return fmt.Errorf("record handoff of message %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return mail.ErrLeaseLost
	}
	return nil
}

// Finish implements mail.Outbox. A sent message of a case adds a note to
// the case's timeline (Message-ID, time, server reply) in the same
// transaction.
func (s *Store) Finish(ctx context.Context, id int64, lease string, r mail.Result) error {
	return s.inTx(ctx, func(tx *Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM mail_outbox WHERE id = ? AND lease = ?`, id, lease).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != string(mail.Sending)) {
			return mail.ErrLeaseLost
		}
		if err != nil {
			return fmt.Errorf("finish message %d: %w", id, err)
		}
		switch r.State {
		case mail.Sent, mail.Pending, mail.Failed, mail.Uncertain:
		default:
			return fmt.Errorf("finish message %d: %q is not an end state of an attempt", id, r.State)
		}
		next := ""
		if r.State == mail.Pending {
			next = fmtTime(r.Next)
		}
		if _, err := tx.Exec(ctx, `UPDATE mail_outbox SET state = ?, next_at = CASE WHEN ? = '' THEN next_at ELSE ? END, lease = '', lease_until = '',
			handoff = 0, last_reply = ?, updated_at = ? WHERE id = ?`,
			string(r.State), next, next, s.seal([]byte(r.Reply), adRow("mail_outbox", "last_reply", id)), fmtTime(r.At), id); err != nil {
			return fmt.Errorf("finish message %d: %w", id, err)
		}
		did, err := tx.InsertID(ctx, `INSERT INTO mail_deliveries (outbox_id, attempt, at, result) VALUES (?, ?, ?, ?)`, id, r.Attempt, fmtTime(r.At), string(r.State))
		if err != nil {
			return fmt.Errorf("record delivery of message %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE mail_deliveries SET reply = ? WHERE id = ?`, s.seal([]byte(r.Reply), adRow("mail_deliveries", "reply", did)), did); err != nil {
			return fmt.Errorf("record delivery of message %d: %w", id, err)
		}
		if r.State != mail.Sent && r.State != mail.Failed && r.State != mail.Uncertain {
			return nil
		}
		m, err := s.readOutbox(ctx, tx, id, false)
		if err != nil || m.Case == 0 {
			return err
		}
		var note string
		switch r.State {
		case mail.Sent:
			note = fmt.Sprintf("mail %s %s delivered to %s at %s: %s", m.Kind, m.MessageID, m.To, r.At.UTC().Format(time.RFC3339), r.Reply)
		case mail.Failed:
			note = fmt.Sprintf("mail %s %s to %s failed after %d attempt(s): %s", m.Kind, m.MessageID, m.To, r.Attempt, r.Reply)
		default:
			note = fmt.Sprintf("mail %s %s to %s may have been delivered (the sender stopped after handing it to the server): check before resending", m.Kind, m.MessageID, m.To)
		}
		if _, err = s.insertEvent(ctx, tx, cases.Event{Case: m.Case, At: r.At, Actor: mailActor, Kind: cases.EventNote, Target: cases.Target{Vendor: m.Vendor}, Note: note}); err != nil {
			return err
		}
		return s.retagCase(ctx, tx, m.Case)
	})
}

// OutboxMessages lists the outbox, newest first, without message bodies.
func (s *Store) OutboxMessages(ctx context.Context) ([]mail.Message, error) {
	rows, err := s.query(ctx, `SELECT `+outboxCols+` FROM mail_outbox ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []mail.Message
	for rows.Next() {
		m, err := s.scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		m.Lease = ""
		out = append(out, m)
	}
	return out, rows.Err()
}

// RequeueMail puts a failed or uncertain message back to pending, due at
// at: an analyst's decision after checking it did not arrive.
func (s *Store) RequeueMail(ctx context.Context, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE mail_outbox SET state = 'pending', next_at = ?, updated_at = ? WHERE id = ? AND state IN ('failed', 'uncertain')`, fmtTime(at), fmtTime(at), id)
	if err != nil {
		return fmt.Errorf("requeue message %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("requeue message %d: %w (only failed or uncertain messages are requeued)", id, ErrNotFound)
	}
	return nil
}

// Delivery is one recorded attempt of an outbox message.
type Delivery struct {
	Attempt int        `json:"attempt"`
	At      time.Time  `json:"at"`
	Result  mail.State `json:"result"`
	Reply   string     `json:"reply"`
}

// Deliveries lists the attempts of an outbox message in order.
func (s *Store) Deliveries(ctx context.Context, outboxID int64) ([]Delivery, error) {
	rows, err := s.query(ctx, `SELECT id, attempt, at, result, reply FROM mail_deliveries WHERE outbox_id = ? ORDER BY id`, outboxID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var id int64
		var at string
		var reply []byte
		if err := rows.Scan(&id, &d.Attempt, &at, &d.Result, &reply); err != nil {
			return nil, err
		}
		d.At, _ = parseTime(at)
		r, err := s.open(reply, adRow("mail_deliveries", "reply", id))
		if err != nil {
			return nil, err
		}
		d.Reply = string(r)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SentMessage finds the case and vendor of an outbox message by the keyed
// MAC of its Message-ID.
func (s *Store) SentMessage(ctx context.Context, messageKey []byte) (caseID, vendorID int64, ok bool, err error) {
	err = s.queryRow(ctx, `SELECT case_id, vendor_id FROM mail_outbox WHERE message_key = ?`, messageKey).Scan(&caseID, &vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("find sent message: %w", err)
	}
	return caseID, vendorID, true, nil
}

// ReplyKeys are the keyed MACs that make reply import idempotent: of the
// raw message, and of its Message-ID (nil when it has none).
type ReplyKeys struct {
	Content   []byte
	MessageID []byte
}

type replyDetail struct {
	From      string      `json:"from"`
	Subject   string      `json:"subject"`
	Date      time.Time   `json:"date,omitzero"`
	MessageID string      `json:"message_id,omitempty"`
	Encrypted bool        `json:"encrypted"`
	Signed    bool        `json:"signed"`
	Signer    string      `json:"signer,omitempty"`
	Reason    mail.Reason `json:"reason,omitempty"`
	Detail    string      `json:"detail,omitempty"`
	Text      string      `json:"text"`
}

// ImportedReply says what ImportReply did.
type ImportedReply struct {
	Duplicate  bool  `json:"duplicate"`            // seen before: nothing added
	Reply      int64 `json:"reply,omitempty"`      // accepted: its id
	Event      int64 `json:"event,omitempty"`      // the case event that shows it
	Quarantine int64 `json:"quarantine,omitempty"` // quarantined: its id
}

// ImportReply records a reply read by mail.Importer in one transaction:
// accepted, it becomes a note in its case's timeline from the vendor
// (text sealed in the event) with its attachments sealed; otherwise it
// joins the quarantine with the raw message sealed. A message whose
// content or Message-ID was seen before adds nothing, except that a
// quarantined message that now matches a case leaves the quarantine.
func (s *Store) ImportReply(ctx context.Context, r mail.Reply, keys ReplyKeys, raw []byte, at time.Time) (ImportedReply, error) {
	var out ImportedReply
	if len(keys.Content) == 0 {
		return out, errors.New("import reply: no content key")
	}
	var mkey any
	if len(keys.MessageID) > 0 {
		mkey = keys.MessageID
	}
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM mail_replies WHERE content_key = ? OR message_key = ?`, keys.Content, mkey).Scan(&n); err != nil {
			return fmt.Errorf("import reply: %w", err)
		}
		if n > 0 {
			out.Duplicate = true
			return nil
		}
		var qid int64
		err := tx.QueryRow(ctx, `SELECT id FROM mail_quarantine WHERE (content_key = ? OR message_key = ?) AND resolved_at = ''`, keys.Content, mkey).Scan(&qid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import reply: %w", err)
		}
		d := replyDetail{From: r.From, Subject: r.Subject, Date: r.Date, MessageID: r.MessageID, Encrypted: r.Encrypted,
			Signed: r.Signed, Signer: r.Signer, Reason: r.Quarantine, Detail: r.Detail, Text: r.Text}
		db, _ := json.Marshal(d)
		if r.Quarantine != "" {
			if qid != 0 {
				out.Duplicate, out.Quarantine = true, qid
				return nil
			}
			var done int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM mail_quarantine WHERE content_key = ? OR message_key = ?`, keys.Content, mkey).Scan(&done); err != nil {
				return fmt.Errorf("import reply: %w", err)
			}
			if done > 0 {
				out.Duplicate = true
				return nil
			}
			id, err := tx.InsertID(ctx, `INSERT INTO mail_quarantine (content_key, message_key, reason, detail, raw, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
				keys.Content, mkey, string(r.Quarantine), []byte{}, []byte{}, fmtTime(at))
			if err != nil {
				return fmt.Errorf("quarantine reply: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE mail_quarantine SET detail = ?, raw = ? WHERE id = ?`,
				s.seal(db, adRow("mail_quarantine", "detail", id)), s.seal(raw, adRow("mail_quarantine", "raw", id)), id); err != nil {
				return fmt.Errorf("quarantine reply: %w", err)
			}
			out.Quarantine = id
			return s.insertAttachments(ctx, tx, "quarantine_id", id, r.Attachments)
		}
		var vendor string
		if err := tx.QueryRow(ctx, `SELECT name FROM vendors WHERE id = ?`, r.Vendor).Scan(&vendor); err != nil {
			return fmt.Errorf("import reply: vendor %d: %w", r.Vendor, err)
		}
		var note strings.Builder
		fmt.Fprintf(&note, "reply from %s", r.From)
		switch {
		case r.Encrypted && r.Signed:
			fmt.Fprintf(&note, " (encrypted, signed by %s)", r.Signer)
		case r.Signed:
			fmt.Fprintf(&note, " (signed by %s, not encrypted)", r.Signer)
		case r.Encrypted:
			note.WriteString(" (encrypted, not signed)")
		default:
			note.WriteString(" (neither encrypted nor signed)")
		}
		if len(r.Attachments) > 0 {
			fmt.Fprintf(&note, ", %d attachment(s)", len(r.Attachments))
		}
		note.WriteString(":\n")
		note.WriteString(r.Text)
		ev, err := s.insertEvent(ctx, tx, cases.Event{Case: r.Case, At: at, Actor: "vendor " + vendor, Kind: cases.EventNote,
			Target: cases.Target{Vendor: r.Vendor}, Note: note.String()})
		if err != nil {
			return err
		}
		if err := s.retagCase(ctx, tx, r.Case); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO mail_replies (content_key, message_key, case_id, vendor_id, event_id, detail, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			keys.Content, mkey, r.Case, r.Vendor, ev, []byte{}, fmtTime(at))
		if err != nil {
			return fmt.Errorf("import reply: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE mail_replies SET detail = ? WHERE id = ?`, s.seal(db, adRow("mail_replies", "detail", id)), id); err != nil {
			return fmt.Errorf("import reply: %w", err)
		}
		if qid != 0 {
			if _, err := tx.Exec(ctx, `UPDATE mail_quarantine SET resolved_at = ? WHERE id = ?`, fmtTime(at), qid); err != nil {
				return fmt.Errorf("import reply: %w", err)
			}
		}
		out.Reply, out.Event = id, ev
		return s.insertAttachments(ctx, tx, "reply_id", id, r.Attachments)
	})
	return out, err
}

type attachmentMeta struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

func (s *Store) insertAttachments(ctx context.Context, tx *Tx, col string, owner int64, atts []mail.Attachment) error {
	for _, a := range atts {
		id, err := tx.InsertID(ctx, `INSERT INTO mail_attachments (`+col+`, meta, data) VALUES (?, ?, ?)`, owner, []byte{}, []byte{})
		if err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		mb, _ := json.Marshal(attachmentMeta{Name: a.Name, ContentType: a.ContentType, Size: len(a.Data)})
		if _, err := tx.Exec(ctx, `UPDATE mail_attachments SET meta = ?, data = ? WHERE id = ?`,
			s.seal(mb, adRow("mail_attachments", "meta", id)), s.seal(a.Data, adRow("mail_attachments", "data", id)), id); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
	}
	return nil
}

// ReplyAttachments returns the attachments of an accepted reply.
func (s *Store) ReplyAttachments(ctx context.Context, replyID int64) ([]mail.Attachment, error) {
	rows, err := s.query(ctx, `SELECT id, meta, data FROM mail_attachments WHERE reply_id = ? ORDER BY id`, replyID)
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	defer rows.Close()
	var out []mail.Attachment
	for rows.Next() {
		var id int64
		var meta, data []byte
		if err := rows.Scan(&id, &meta, &data); err != nil {
			return nil, err
		}
		mb, err := s.open(meta, adRow("mail_attachments", "meta", id))
		if err != nil {
			return nil, err
		}
		var m attachmentMeta
		json.Unmarshal(mb, &m)
		d, err := s.open(data, adRow("mail_attachments", "data", id))
		if err != nil {
			return nil, err
		}
		out = append(out, mail.Attachment{Name: m.Name, ContentType: m.ContentType, Data: d})
	}
	return out, rows.Err()
}

// QuarantineEntry is a reply kept for an analyst.
type QuarantineEntry struct {
	ID          int64       `json:"id"`
	Reason      mail.Reason `json:"reason"`
	Detail      string      `json:"detail"`
	From        string      `json:"from"`
	Subject     string      `json:"subject"`
	Received    time.Time   `json:"received"`
	Attachments int         `json:"attachments"`
}

// Quarantine lists the replies waiting for an analyst, oldest first.
func (s *Store) Quarantine(ctx context.Context) ([]QuarantineEntry, error) {
	rows, err := s.query(ctx, `SELECT q.id, q.reason, q.detail, q.received_at, (SELECT count(*) FROM mail_attachments a WHERE a.quarantine_id = q.id)
		FROM mail_quarantine q WHERE q.resolved_at = '' ORDER BY q.id`)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantineEntry
	for rows.Next() {
		var e QuarantineEntry
		var detail []byte
		var at string
		if err := rows.Scan(&e.ID, &e.Reason, &detail, &at, &e.Attachments); err != nil {
			return nil, err
		}
		b, err := s.open(detail, adRow("mail_quarantine", "detail", e.ID))
		if err != nil {
			return nil, err
		}
		var d replyDetail
		json.Unmarshal(b, &d)
		e.Detail, e.From, e.Subject = d.Detail, d.From, d.Subject
		e.Received, _ = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// QuarantinedMessage returns the raw message of a quarantine entry, for an
// analyst to read or re-import.
func (s *Store) QuarantinedMessage(ctx context.Context, id int64) ([]byte, error) {
	var sealed []byte
	err := s.queryRow(ctx, `SELECT raw FROM mail_quarantine WHERE id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("quarantined message", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read quarantined message %d: %w", id, err)
	}
	return s.open(sealed, adRow("mail_quarantine", "raw", id))
}

// ReminderSteps returns every reminder step already sent, for
// mail.DueReminders.
func (s *Store) ReminderSteps(ctx context.Context) (map[mail.Step]bool, error) {
	rows, err := s.query(ctx, `SELECT case_id, vendor_id, product_id, kind, days, deadline FROM mail_reminders`)
	if err != nil {
		return nil, fmt.Errorf("read reminder steps: %w", err)
	}
	defer rows.Close()
	out := map[mail.Step]bool{}
	for rows.Next() {
		var st mail.Step
		var kind, dl string
		if err := rows.Scan(&st.Case, &st.Target.Vendor, &st.Target.Product, &kind, &st.Days, &dl); err != nil {
			return nil, err
		}
		st.Kind = mail.StepKind(kind)
		t, err := parseTime(dl)
		if err != nil {
			return nil, fmt.Errorf("read reminder steps: %w", err)
		}
		st.Deadline = t.UTC()
		out[st] = true
	}
	return out, rows.Err()
}

// RecordReminder records a due reminder's steps and, in the same
// transaction, queues its messages and adds its case note (either may be
// empty). If its step was recorded before (a concurrent run), nothing is
// added and it returns false.
func (s *Store) RecordReminder(ctx context.Context, d mail.Due, items []OutboxItem, note *cases.Event, at time.Time) (bool, error) {
	added := false
	err := s.inTx(ctx, func(tx *Tx) error {
		steps := d.Covers
		if len(steps) == 0 {
			steps = []mail.Step{d.Step}
		}
		res, err := tx.Exec(ctx, `INSERT INTO mail_reminders (case_id, vendor_id, product_id, kind, days, deadline, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, d.Case, d.Target.Vendor, d.Target.Product, string(d.Kind), d.Days, fmtTime(d.Deadline), fmtTime(at))
		if err != nil {
			return fmt.Errorf("record reminder: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, st := range steps {
			if _, err := tx.Exec(ctx, `INSERT INTO mail_reminders (case_id, vendor_id, product_id, kind, days, deadline, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, st.Case, st.Target.Vendor, st.Target.Product, string(st.Kind), st.Days, fmtTime(st.Deadline), fmtTime(at)); err != nil {
				return fmt.Errorf("record reminder: %w", err)
			}
		}
		if _, err := s.queueTx(ctx, tx, items, at); err != nil {
			return err
		}
		if note != nil {
			if _, err := s.insertEvent(ctx, tx, *note); err != nil {
				return err
			}
			if err := s.retagCase(ctx, tx, note.Case); err != nil {
				return err
			}
		}
		added = true
		return nil
	})
	return added, err
}

// SetReminderPolicy stores when reminders are due.
func (s *Store) SetReminderPolicy(ctx context.Context, p mail.ReminderPolicy) error {
	_, err := s.exec(ctx, `INSERT INTO mail_reminder_policy (id, steps, ack_days, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET steps = excluded.steps, ack_days = excluded.ack_days, updated_at = excluded.updated_at`,
		mail.FormatSteps(p.Steps), p.AckDays, now())
	if err != nil {
		return fmt.Errorf("store reminder policy: %w", err)
	}
	return nil
}

// ReminderPolicy returns the stored reminder policy, or the default
// (30, 7 and 1 days; 7 silent days) when none was set.
func (s *Store) ReminderPolicy(ctx context.Context) (mail.ReminderPolicy, error) {
	var steps string
	var ack int
	err := s.queryRow(ctx, `SELECT steps, ack_days FROM mail_reminder_policy WHERE id = 1`).Scan(&steps, &ack)
	if errors.Is(err, sql.ErrNoRows) {
		return mail.DefaultReminders(), nil
	}
	if err != nil {
		return mail.ReminderPolicy{}, fmt.Errorf("read reminder policy: %w", err)
	}
	p := mail.ReminderPolicy{AckDays: ack}
	if p.Steps, err = mail.ParseSteps(steps); err != nil {
		return mail.ReminderPolicy{}, fmt.Errorf("read reminder policy: %w", err)
	}
	return p, nil
}
