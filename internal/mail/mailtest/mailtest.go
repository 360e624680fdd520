// Package mailtest runs the real programs that antidote's mail tests talk
// to: Debian's Exim as an SMTP server on loopback, delivering to a Maildir,
// and GnuPG as a vendor's mail client. It is for tests only.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file runs a real SMTP server, Debian's Exim, on loopback for the
// delivery tests, and GnuPG for the vendor's side.

// NeedTool skips (or, in CI, fails) a test that needs a program.
func NeedTool(t testing.TB, path string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (.ci/run installs it): %v", path, err)
		}
		t.Skipf("%s not installed", path)
	}
}

// Exim is one Exim daemon in a temporary directory, delivering every
// message to one Maildir. Creating the file Refuse makes it answer the
// end of DATA with 451 (a temporary refusal).
type Exim struct {
	Port    int
	TLSPort int    // implicit TLS (SMTPS), when started with TLS
	CA      []byte // the PEM certificate the test server presents
	Maildir string
	Refuse  string
	cmd     *exec.Cmd
}

func StartExim(t testing.TB) *Exim { return StartEximWith(t, Options{}) }

// Options: TLS offers STARTTLS on Port and implicit TLS on TLSPort
// with a certificate for 127.0.0.1; a Password makes AUTH PLAIN as User
// mandatory.
type Options struct {
	TLS            bool
	User, Password string
}

func FreePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func StartEximWith(t testing.TB, o Options) *Exim {
	t.Helper()
	NeedTool(t, "/usr/sbin/exim4")
	if os.Geteuid() != 0 {
		t.Skip("the Exim test server runs as root (CI does)")
	}
	dir, err := os.MkdirTemp("", "antidote-exim-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Exim delivers as an unprivileged user (never as root): nobody.
	nobody, err := osuser.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	os.Chmod(dir, 0o755)
	e := &Exim{Maildir: filepath.Join(dir, "Maildir"), Refuse: filepath.Join(dir, "refuse")}
	for _, d := range []string{e.Maildir, filepath.Join(e.Maildir, "new"), filepath.Join(e.Maildir, "cur"), filepath.Join(e.Maildir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chown(d, uid, gid)
	}
	e.Port = FreePort(t)
	ports := strconv.Itoa(e.Port)
	extra, auth, rcpt := "tls_advertise_hosts =\n", "", "  accept\n"
	if o.TLS {
		e.TLSPort = FreePort(t)
		ports += " : " + strconv.Itoa(e.TLSPort)
		var key []byte
		e.CA, key = SelfSigned(t)
		os.WriteFile(filepath.Join(dir, "cert.pem"), e.CA, 0o600)
		os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600)
		extra = fmt.Sprintf("tls_advertise_hosts = *\ntls_certificate = %[1]s/cert.pem\ntls_privatekey = %[1]s/key.pem\ntls_on_connect_ports = %[2]d\n", dir, e.TLSPort)
	}
	if o.Password != "" {
		auth = fmt.Sprintf("begin authenticators\nplain:\n  driver = plaintext\n  public_name = PLAIN\n  server_prompts = :\n  server_condition = ${if and{{eq{$auth2}{%s}}{eq{$auth3}{%s}}}}\n  server_set_id = $auth2\n", o.User, o.Password)
		rcpt = "  deny !authenticated = *\n       message = authentication required\n  accept\n"
	}
	spool := filepath.Join(dir, "spool")
	conf := fmt.Sprintf(`spool_directory = %[1]s
log_file_path = %[1]s/%%slog
pid_file_path = %[1]s/exim.pid
exim_user = root
exim_group = root
keep_environment =
primary_hostname = mx.test
host_lookup =
rfc1413_hosts =
daemon_smtp_ports = %[2]s
local_interfaces = 127.0.0.1
%[7]sacl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
begin acl
acl_rcpt:
%[8]sacl_data:
  defer condition = ${if exists{%[3]s}}
        message = mailbox busy, try again later
  accept
begin routers
all:
  driver = accept
  transport = maildir
begin transports
maildir:
  driver = appendfile
  directory = %[4]s
  maildir_format
  user = %[5]s
  group = %[6]s
begin retry
* * F,1m,1m
%[9]s`, spool, ports, e.Refuse, e.Maildir, nobody.Uid, nobody.Gid, extra, rcpt, auth)
	cf := filepath.Join(dir, "exim.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	e.cmd = exec.Command("/usr/sbin/exim4", "-C", cf, "-bdf", "-odi")
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cmd.Process.Kill(); e.cmd.Wait() })
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(e.Port))); err == nil {
			c.Close()
			return e
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(spool, "paniclog"))
	t.Fatalf("exim did not start listening: %s", log)
	return nil
}

// Delivered returns the messages in the Maildir once it holds at least
// want, or what it holds after a bounded wait (Exim delivers just after
// it answers 250).
func (e *Exim) Delivered(t testing.TB, want int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; i < 160; i++ {
		out = out[:0]
		ents, _ := os.ReadDir(filepath.Join(e.Maildir, "new"))
		for _, en := range ents {
			b, err := os.ReadFile(filepath.Join(e.Maildir, "new", en.Name()))
			if err == nil {
				out = append(out, b)
			}
		}
		if len(out) >= want {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out
}

// GPG runs GnuPG in a private home as the vendor would.
type GPG struct{ Home string }

func NewGPG(t testing.TB) *GPG {
	t.Helper()
	NeedTool(t, "gpg")
	home, err := os.MkdirTemp("", "antidote-gpg-")
	if err != nil {
		t.Fatal(err)
	}
	g := &GPG{Home: home}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	return g
}

func (g *GPG) Run(t testing.TB, stdin []byte, args ...string) (stdout, status string, err error) {
	t.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", g.Home, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", "--trust-model", "always", "--status-fd", "2"}, args...)...)
	if stdin != nil {
		cmd.Stdin = strings.NewReader(string(stdin))
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// NewKey makes a vendor key pair (Ed25519 signing, Curve25519 encryption)
// and returns its fingerprint and armored public key.
func (g *GPG) NewKey(t testing.TB, uid string) (string, string) {
	t.Helper()
	if _, st, err := g.Run(t, nil, "--quick-gen-key", uid, "ed25519", "sign", "never"); err != nil {
		t.Fatalf("gpg key generation: %v\n%s", err, st)
	}
	out, _, err := g.Run(t, nil, "--with-colons", "--list-keys", uid)
	if err != nil {
		t.Fatal(err)
	}
	var fpr string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "fpr:") {
			fpr = strings.Split(l, ":")[9]
			break
		}
	}
	if _, st, err := g.Run(t, nil, "--quick-add-key", fpr, "cv25519", "encr", "never"); err != nil {
		t.Fatalf("gpg subkey: %v\n%s", err, st)
	}
	pub, _, err := g.Run(t, nil, "--armor", "--export", fpr)
	if err != nil {
		t.Fatal(err)
	}
	return fpr, pub
}

// SelfSigned makes a certificate and key for 127.0.0.1.
func SelfSigned(t testing.TB) (certPEM, keyPEM []byte) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "antidote test SMTP"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

// Dovecot is one Dovecot IMAP server on loopback (plain text login, for
// tests only) serving one Maildir to one user.
type Dovecot struct {
	Port    int
	Maildir string
	cmd     *exec.Cmd
}

// StartDovecot runs Dovecot for user with password; it delivers nothing
// itself: tests drop messages into Maildir with Put.
func StartDovecot(t testing.TB, user, password string) *Dovecot {
	t.Helper()
	NeedTool(t, "/usr/sbin/dovecot")
	if os.Geteuid() != 0 {
		t.Skip("the Dovecot test server runs as root (CI does)")
	}
	dir, err := os.MkdirTemp("", "antidote-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	nobody, err := osuser.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	d := &Dovecot{Port: FreePort(t), Maildir: filepath.Join(dir, "Maildir")}
	for _, sub := range []string{"", "new", "cur", "tmp", "../state", "../home"} {
		p := filepath.Join(d.Maildir, sub)
		os.MkdirAll(p, 0o700)
		os.Chown(p, uid, gid)
	}
	os.WriteFile(filepath.Join(dir, "passwd"), []byte(user+":{PLAIN}"+password+"\n"), 0o644)
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:%[1]s/Maildir
passdb {
  driver = passwd-file
  args = %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[3]s gid=%[4]s home=%[1]s/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, dir, d.Port, nobody.Uid, nobody.Gid)
	cf := filepath.Join(dir, "dovecot.conf")
	os.WriteFile(cf, []byte(conf), 0o644)
	d.cmd = exec.Command("/usr/sbin/dovecot", "-F", "-c", cf)
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cmd.Process.Signal(os.Interrupt); d.cmd.Wait() })
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(d.Port))); err == nil {
			c.Close()
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
	t.Fatalf("dovecot did not start listening: %s", log)
	return nil
}

// Put delivers raw into the Maildir as a new message.
func (d *Dovecot) Put(t testing.TB, name string, raw []byte) {
	t.Helper()
	p := filepath.Join(d.Maildir, "new", name)
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	nobody, _ := osuser.Lookup("nobody")
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	os.Chown(p, uid, gid)
}
