// Command web-bench loads `antidote serve` with 200 concurrent connections
// on loopback: the case list (GET /api/v1/cases, a page of 50), a case
// (GET /api/v1/cases/{id}, random ids) and search (GET /api/v1/search),
// as an analyst with a bearer token and, for the case list, as a vendor,
// on a workspace with 10,000 cases, on SQLite and on PostgreSQL. It
// reports throughput, p50 and p99 per endpoint. The server runs as a user
// runs it (a separate process, unlocked with `antidote unlock`); the load
// generator is a Go HTTP client with keep-alive connections.
//
//	go run ./bench/web [-out bench/out] [-postgres URL] [-seconds 10] [-conns 200]
package main

import (
	"bufio"
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
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*outDir)
	bin := filepath.Join(abs, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		log.Fatalf("build antidote: %v\n%s", err, out)
	}
	fmt.Printf("| backend | endpoint | caller | requests | errors | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|\n")
	if err := runBackend(abs, bin, "sqlite", "", *seconds, *conns); err != nil {
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
		if err := runBackend(abs, bin, "postgres", u.String(), *seconds, *conns); err != nil {
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

func runBackend(dir, bin, name, dsn string, seconds, conns int) error {
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

	d := time.Duration(seconds) * time.Second
	for _, ep := range []struct {
		name, caller string
		path         func() string
	}{
		{"GET /api/v1/cases?per_page=50", "analyst", func() string { return "/api/v1/cases?per_page=50" }},
		{"GET /api/v1/cases?per_page=50", "vendor", func() string { return "/api/v1/cases?per_page=50" }},
		{"GET /cases (HTML page)", "analyst", func() string { return "/cases" }},
		{"GET /api/v1/cases/{id}", "analyst", func() string { return fmt.Sprintf("/api/v1/cases/%d", 1+mrand.IntN(nCases)) }},
		{"GET /api/v1/search?q=heap+overflow", "analyst", func() string { return "/api/v1/search?q=heap+overflow&per_page=20" }},
	} {
		authz := "Bearer " + tokens[ep.caller]
		cookie := ""
		if strings.HasPrefix(ep.name, "GET /cases") {
			c, err := login(base, "ana", "benchmark password")
			if err != nil {
				return err
			}
			authz, cookie = "", c
		}
		n, errs, rps, p50, p99 := load(base, authz, cookie, ep.path, conns, d)
		fmt.Printf("| %s | %s | %s | %d | %d | %.0f | %.1f | %.1f |\n", name, ep.name, ep.caller, n, errs, rps, p50, p99)
	}
	return nil
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
