// Command web-bench loads `antidote serve` with 200 concurrent connections
// on loopback: the case list (GET /api/v1/cases, a page of 50, as an
// analyst and as a vendor with bearer tokens, and the HTML page /cases
// with a session cookie), a case (GET /api/v1/cases/{id} and the HTML
// page /cases/{id}, random ids) and search (GET /api/v1/search), on a
// workspace with 10,000 cases, on SQLite and on PostgreSQL, with /healthz
// as a no-work reference. It reports per endpoint the body size,
// throughput, p50 and p99, the server's CPU time per request and the load
// average when the endpoint's run began. The server runs as a user runs
// it (a separate process, unlocked with `antidote unlock`); -bin serves
// with another build, to compare.
//
// The load generator is wrk (Debian's package; C, cheap beside the server
// on a small machine; a Lua script sets the headers and random ids and
// reports the percentiles) or, with -client go or when wrk is not
// installed, a Go HTTP client with keep-alive connections.
//
//	go run ./bench/web [-out bench/out] [-postgres URL] [-seconds 10] [-conns 200] [-client wrk|go] [-bin FILE]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/search"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/vault"
)

const (
	nCases   = 10000
	nVendors = 200
	nDocs    = 1000
	pass     = "web benchmark passphrase"
)

var t0 = time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC)

func main() {
	outDir := flag.String("out", "bench/out", "scratch directory (binary, workspaces)")
	pg := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for the second run (empty to skip)")
	seconds := flag.Int("seconds", 10, "load duration per endpoint")
	conns := flag.Int("conns", 200, "concurrent connections")
	client := flag.String("client", "", "load generator: wrk or go (default: wrk when installed)")
	prebuilt := flag.String("bin", "", "serve with this antidote binary (e.g. an older build, to compare) instead of building ./cmd/antidote")
	flag.Parse()
	switch *client {
	case "":
		*client = "go"
		if _, err := exec.LookPath("wrk"); err == nil {
			*client = "wrk"
		}
	case "wrk", "go":
	default:
		log.Fatalf("-client %q: wrk or go", *client)
	}
	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*outDir)
	bin := filepath.Join(abs, "antidote")
	if *prebuilt != "" {
		bin = *prebuilt
	} else if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		log.Fatalf("build antidote: %v\n%s", err, out)
	}
	fmt.Printf("load generator: %s, %d connections, %d s per endpoint\n\n", *client, *conns, *seconds)
	fmt.Printf("| backend | endpoint | caller | bytes | requests | errors | req/s | p50 ms | p99 ms | server CPU µs/req | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	lg := loadGen{client: *client, conns: *conns, d: time.Duration(*seconds) * time.Second, dir: abs}
	if err := runBackend(abs, bin, "sqlite", "", lg); err != nil {
		log.Fatal(err)
	}
	if *pg != "" {
		ctx := context.Background()
		admin, err := store.Open(ctx, *pg, nil)
		if err != nil {
			log.Fatalf("PostgreSQL: %v", err)
		}
		defer admin.Close()
		var rnd [4]byte
		rand.Read(rnd[:])
		db := "antidote_webbench_" + hex.EncodeToString(rnd[:])
		if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
			log.Fatal(err)
		}
		defer admin.DB().ExecContext(context.Background(), "DROP DATABASE "+db+" WITH (FORCE)")
		u, _ := url.Parse(*pg)
		u.Path = "/" + db
		if err := runBackend(abs, bin, "postgres", u.String(), lg); err != nil {
			log.Print(err)
		}
	}
}

func run(bin string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("antidote %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func runBackend(dir, bin, name, dsn string, lg loadGen) error {
	ws := filepath.Join(dir, "web-ws-"+name)
	os.RemoveAll(ws)
	env := append(os.Environ(), "ANTIDOTE_WORKSPACE="+ws, "ANTIDOTE_USER=bench", "XDG_RUNTIME_DIR="+dir)
	args := []string{"init"}
	if dsn != "" {
		args = append(args, "--database", dsn)
	}
	if _, err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), args...); err != nil {
		return err
	}
	tokens, err := fill(ws, dsn)
	if err != nil {
		return fmt.Errorf("fill %s workspace: %w", name, err)
	}
	if _, err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), "unlock", "--for", "30m"); err != nil {
		return err
	}
	defer run(bin, env, "lock")
	if _, err := run(bin, env, "redact", "--all"); err != nil {
		return err
	}
	// The server.
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = env
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/`)
	base := ""
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		return fmt.Errorf("serve did not start")
	}
	go io.Copy(io.Discard, stderr)

	for _, ep := range endpoints {
		authz, cookie := "", ""
		if tok := tokens[ep.caller]; tok != "" {
			authz = "Bearer " + tok
		}
		if strings.HasPrefix(ep.name, "GET /cases") {
			c, err := login(base, "ana", "benchmark password")
			if err != nil {
				return err
			}
			authz, cookie = "", c
		}
		// One request first: a redirect or an error is a broken run, not
		// a fast one.
		code, size, err := get(base+ep.path(), authz, cookie)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("%s as %s: HTTP %d, %v", ep.name, ep.caller, code, err)
		}
		load := loadAverage()
		cpu0 := cpuTime(cmd.Process.Pid)
		r, err := lg.run(base, authz, cookie, ep)
		if err != nil {
			return err
		}
		cpu := cpuTime(cmd.Process.Pid) - cpu0
		fmt.Printf("| %s | %s | %s | %d | %d | %d | %.0f | %.1f | %.1f | %.0f | %s |\n", name, ep.name, ep.caller, size, r.n, r.errs, r.rps, r.p50, r.p99,
			float64(cpu.Microseconds())/float64(max(r.n+r.errs, 1)), load)
	}
	return nil
}

// endpoint is one row of the table: a path (random ids: a new one per
// request) and who asks.
type endpoint struct {
	name, caller string
	path         func() string
	// prefix and maxID let wrk's script draw the ids: prefix + 1..maxID.
	prefix string
	maxID  int
}

func fixed(p string) func() string { return func() string { return p } }

func randomID(prefix string) func() string {
	return func() string { return fmt.Sprintf("%s%d", prefix, 1+mrand.IntN(nCases)) }
}

var endpoints = []endpoint{
	// No work and no login: what the machine and the load generator allow.
	{name: "GET /healthz (reference)", caller: "nobody", path: fixed("/healthz")},
	{name: "GET /api/v1/cases?per_page=50", caller: "analyst", path: fixed("/api/v1/cases?per_page=50")},
	{name: "GET /api/v1/cases?per_page=50", caller: "vendor", path: fixed("/api/v1/cases?per_page=50")},
	{name: "GET /cases (HTML page)", caller: "analyst", path: fixed("/cases")},
	{name: "GET /api/v1/cases/{id}", caller: "analyst", path: randomID("/api/v1/cases/"), prefix: "/api/v1/cases/", maxID: nCases},
	{name: "GET /cases/{id} (HTML page)", caller: "analyst", path: randomID("/cases/"), prefix: "/cases/", maxID: nCases},
	{name: "GET /api/v1/search?q=heap+overflow", caller: "analyst", path: fixed("/api/v1/search?q=heap+overflow&per_page=20")},
}

// cpuTime is the user and system CPU time process pid has used (Linux
// /proc, in clock ticks of 10 ms), 0 if unknown.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// loadAverage is the 1, 5 and 15 minute load average (Linux), or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// get sends one request and returns its status and body size.
func get(u, authz, cookie string) (int, int64, error) {
	req, _ := http.NewRequest("GET", u, nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, err
}

// loadGen drives one endpoint for d from conns connections.
type loadGen struct {
	client string // "wrk" or "go"
	conns  int
	d      time.Duration
	dir    string // for wrk's script
}

type result struct {
	n, errs       int
	rps, p50, p99 float64
}

func (lg loadGen) run(base, authz, cookie string, ep endpoint) (result, error) {
	if lg.client == "wrk" {
		return lg.wrk(base, authz, cookie, ep)
	}
	var r result
	r.n, r.errs, r.rps, r.p50, r.p99 = load(base, authz, cookie, ep.path, lg.conns, lg.d)
	return r, nil
}

// wrkScript sets the headers, draws random ids when the endpoint has them,
// counts answers other than 200 (wrk itself counts only those over 399)
// and prints the result on one line.
const wrkScript = `
local headers, prefix, maxid = {}, %q, %d
%s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function request()
  if maxid > 0 then
    return wrk.format("GET", prefix .. math.random(1, maxid), headers)
  end
  return wrk.format("GET", nil, headers)
end
function response(status, hdrs, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\n", summary.requests, bad, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
`

func (lg loadGen) wrk(base, authz, cookie string, ep endpoint) (result, error) {
	var hs []string
	if authz != "" {
		hs = append(hs, fmt.Sprintf("headers[%q] = %q", "Authorization", authz))
	}
	if cookie != "" {
		hs = append(hs, fmt.Sprintf("headers[%q] = %q", "Cookie", cookie))
	}
	script := filepath.Join(lg.dir, "web-bench.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, ep.prefix, ep.maxID, strings.Join(hs, "\n")), 0o600); err != nil {
		return result{}, err
	}
	secs := max(1, int(lg.d/time.Second))
	cmd := exec.Command("wrk", "-t", "2", "-c", fmt.Sprint(lg.conns), "-d", fmt.Sprintf("%ds", secs), "--timeout", "30s", "-s", script, base+ep.path())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`RESULT (\d+) (\d+) (\d+) (\d+) (\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		return result{}, fmt.Errorf("wrk printed no result:\n%s", out)
	}
	var n, bad, durUS, p50US, p99US int
	for i, p := range []*int{&n, &bad, &durUS, &p50US, &p99US} {
		fmt.Sscan(m[i+1], p)
	}
	return result{n: n - bad, errs: bad, rps: float64(n-bad) / (float64(durUS) / 1e6), p50: float64(p50US) / 1000, p99: float64(p99US) / 1000}, nil
}

// login posts the login form and returns the session cookie.
func login(base, name, password string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("login as %s: HTTP %d, no session", name, res.StatusCode)
}

// load sends requests from conns goroutines for d and returns the count,
// the errors, throughput and the 50th and 99th percentile latency in ms.
func load(base, authz, cookie string, path func() string, conns int, d time.Duration) (int, int, float64, float64, float64) {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second,
		// A redirect (to the login page) is a failure, not a page.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var lat []float64
	errs := 0
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			bad := 0
			for time.Now().Before(stop) {
				req, _ := http.NewRequest("GET", base+path(), nil)
				if authz != "" {
					req.Header.Set("Authorization", authz)
				}
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				s := time.Now()
				res, err := client.Do(req)
				if err != nil {
					bad++
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					bad++
					continue
				}
				mine = append(mine, float64(time.Since(s).Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return len(lat), errs, float64(len(lat)) / el, pct(0.50), pct(0.99)
}

// fill writes 1,000 documents, 200 vendors with a product each, and 10,000
// findings each with a case of two events, through the store; it adds an
// analyst and a vendor account and returns a bearer token for each.
func fill(ws, dsn string) (map[string]string, error) {
	ctx := context.Background()
	kb, err := os.ReadFile(filepath.Join(ws, "keys.json"))
	if err != nil {
		return nil, err
	}
	kf, err := vault.UnmarshalKeyFile(kb)
	if err != nil {
		return nil, err
	}
	keys, err := kf.Unlock(secret.NewString(pass))
	if err != nil {
		return nil, err
	}
	if dsn == "" {
		dsn = filepath.Join(ws, "antidote.db")
	}
	st, err := store.Open(ctx, dsn, keys.Sealer("store"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	words := []string{"heap", "overflow", "implant", "bypass", "sandbox", "kernel", "exploit", "payload"}
	var docs []int64
	var texts []string
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < nDocs; i++ {
			text := fmt.Sprintf("Report %d: a %s %s in the %s, seen from 198.51.100.%d.", i, words[i%8], words[(i/8)%8], words[(i/64)%8], i%250)
			dd := sha256.Sum256([]byte(text))
			id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
				Meta: store.DocMeta{MediaType: "text/plain", Size: int64(len(text)), TextSize: int64(len(text))}, Text: []byte(text)})
			if err != nil {
				return err
			}
			docs = append(docs, id)
			texts = append(texts, text)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The search index: one segment, as an ingest batch writes it.
	mac := keys.MAC("index")
	seg := search.NewBuilder()
	for i, id := range docs {
		seg.Add(id, []byte(texts[i]), search.Fields{MediaType: "text/plain", Status: store.StatusOK})
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AddIndexSegment(ctx, seg.Build(func(t string) [32]byte { return mac.Sum([]byte(t)) }))
		return err
	}); err != nil {
		return nil, err
	}
	var vendors, products []int64
	for v := 0; v < nVendors; v++ {
		id, err := st.AddVendor(ctx, cases.Vendor{Name: fmt.Sprintf("Vendor %03d", v), Created: t0})
		if err != nil {
			return nil, err
		}
		vendors = append(vendors, id)
		p, err := st.AddProduct(ctx, cases.Product{Vendor: id, Name: "Product", Class: cases.PhoneOS}, t0)
		if err != nil {
			return nil, err
		}
		products = append(products, p)
	}
	for c := 0; c < nCases; c++ {
		fid, _, err := st.AddFinding(ctx, findings.Finding{State: findings.Accepted, Title: fmt.Sprintf("Finding %d", c), Summary: "sealed summary",
			CWEs: []string{"CWE-787"}, Created: t0, Sources: []findings.Source{{Doc: docs[c%nDocs], Start: 0, End: 10}}}, nil)
		if err != nil {
			return nil, err
		}
		v := c % nVendors
		tgt := cases.Target{Vendor: vendors[v], Product: products[v]}
		at := t0.Add(time.Duration(c%90) * 24 * time.Hour)
		evs := []cases.Event{
			{At: at, Actor: "bench", Kind: cases.EventStatus, Target: tgt, Status: cases.Notified},
			{At: at.Add(48 * time.Hour), Actor: "bench", Kind: cases.EventStatus, Target: tgt, Status: cases.Acknowledged, Note: "sealed note"},
		}
		if _, err := st.OpenCase(ctx, cases.Case{Finding: fid, Opened: at, OpenedBy: "bench", Targets: []cases.Target{tgt}}, evs); err != nil {
			return nil, err
		}
	}
	svc := auth.NewService(st, keys.MAC("auth"))
	svc.Password = vault.InsecurePasswordParams()
	tokens := map[string]string{}
	for _, u := range []struct {
		name   string
		role   auth.Role
		vendor int64
	}{{"ana", auth.Analyst, 0}, {"psirt", auth.Vendor, vendors[0]}} {
		if _, err := svc.AddUser(ctx, u.name, u.role, u.vendor, []byte("benchmark password")); err != nil {
			return nil, err
		}
		tok, _, err := svc.CreateToken(ctx, u.name, "bench", time.Hour)
		if err != nil {
			return nil, err
		}
		key := "analyst"
		if u.role == auth.Vendor {
			key = "vendor"
		}
		tokens[key] = tok.Reveal()
	}
	return tokens, nil
}
