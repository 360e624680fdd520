// Command release-bench measures `antidote release plan --json` on a
// workspace the size of a large leak under coordination: 100,000
// documents, 5,000 findings (each citing about 20 documents), 200 vendors
// with a product each (some shipped through downstream makers), 5,000
// cases with 20,000 timeline events, and 20,000 approvals, on SQLite and on
// PostgreSQL. The workspace is filled through the store (as ingest and the
// case commands would), unlocked with `antidote unlock`, and the command is
// timed end to end as a user runs it, including process start, loading and
// JSON output.
//
//	go run ./bench/release [-out bench/out] [-postgres postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable] [-runs 3]
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/vault"
)

const (
	nDocs      = 100000
	nFindings  = 5000
	nVendors   = 200
	nEvents    = 20000 // 4 per case, one case per finding
	linksPer   = 20
	nApprovals = 10000 // documents approved by two people
	pass       = "release benchmark passphrase"
)

var t0 = time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC)

func main() {
	outDir := flag.String("out", "bench/out", "scratch directory (binary, workspaces)")
	pg := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for the second run (empty to skip)")
	runs := flag.Int("runs", 3, "timed runs per backend")
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*outDir)
	bin := filepath.Join(abs, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		log.Fatalf("build antidote: %v\n%s", err, out)
	}
	fmt.Println("| backend | documents | findings | vendors | case events | fill s | plan --json best s | median s | peak RSS MB | output MB |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	if err := runBackend(abs, bin, "sqlite", "", *runs); err != nil {
		log.Fatal(err)
	}
	if *pg != "" {
		if err := runPostgres(abs, bin, *pg, *runs); err != nil {
			log.Fatal(err)
		}
	}
}

func runPostgres(dir, bin, dsn string, runs int) error {
	ctx := context.Background()
	admin, err := store.Open(ctx, dsn, nil)
	if err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	defer admin.Close()
	var rnd [4]byte
	rand.Read(rnd[:])
	db := "antidote_bench_" + hex.EncodeToString(rnd[:])
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
		return fmt.Errorf("create benchmark database: %w", err)
	}
	defer admin.DB().ExecContext(context.Background(), "DROP DATABASE "+db+" WITH (FORCE)")
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	u.Path = "/" + db
	return runBackend(dir, bin, "postgres", u.String(), runs)
}

func runBackend(dir, bin, name, dsn string, runs int) error {
	ws := filepath.Join(dir, "release-ws-"+name)
	os.RemoveAll(ws)
	env := append(os.Environ(), "ANTIDOTE_WORKSPACE="+ws, "ANTIDOTE_USER=bench", "XDG_RUNTIME_DIR="+dir)
	args := []string{"init"}
	if dsn != "" {
		args = append(args, "--database", dsn)
	}
	if err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), args...); err != nil {
		return err
	}
	start := time.Now()
	if err := fill(ws, dsn); err != nil {
		return fmt.Errorf("fill %s workspace: %w", name, err)
	}
	fillS := time.Since(start).Seconds()
	if err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), "unlock", "--for", "10m"); err != nil {
		return err
	}
	defer run(bin, env, "lock")
	var times []float64
	var rss, outMB float64
	for i := 0; i < runs; i++ {
		// GNU time reports the command's own peak RSS; the rusage of a
		// child forked from this (large) process would include ours.
		rssFile := filepath.Join(dir, "rss.txt")
		cmd := exec.Command("/usr/bin/time", "-f", "%M", "-o", rssFile, bin, "release", "plan", "--json", "--at", "2017-06-01T00:00:00Z")
		cmd.Env = append(env, "ANTIDOTE_PASSPHRASE=")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		s := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("release plan: %v: %s", err, errb.String())
		}
		times = append(times, time.Since(s).Seconds())
		if n := bytes.Count(out.Bytes(), []byte("\n")); n != nDocs {
			return fmt.Errorf("release plan printed %d lines, want %d", n, nDocs)
		}
		if i == 0 && !bytes.Contains(out.Bytes(), []byte(`"kind":"embargo"`)) {
			return fmt.Errorf("release plan output has no embargo reasons: the workspace is not what the benchmark means to measure")
		}
		if b, err := os.ReadFile(rssFile); err == nil {
			var kb float64
			fmt.Sscan(strings.TrimSpace(string(b)), &kb)
			rss = max(rss, kb/1024)
		}
		outMB = float64(out.Len()) / 1e6
	}
	sort.Float64s(times)
	fmt.Printf("| %s | %d | %d | %d | %d | %.1f | %.2f | %.2f | %.0f | %.1f |\n",
		name, nDocs, nFindings, nVendors, nEvents, fillS, times[0], times[len(times)/2], rss, outMB)
	return nil
}

func run(bin string, env []string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("antidote %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// fill writes the benchmark's workspace through the store, sealed with
// the workspace's own keys.
func fill(ws, dsn string) error {
	ctx := context.Background()
	kb, err := os.ReadFile(filepath.Join(ws, "keys.json"))
	if err != nil {
		return err
	}
	kf, err := vault.UnmarshalKeyFile(kb)
	if err != nil {
		return err
	}
	keys, err := kf.Unlock(secret.NewString(pass))
	if err != nil {
		return err
	}
	if dsn == "" {
		dsn = filepath.Join(ws, "antidote.db")
	}
	st, err := store.Open(ctx, dsn, keys.Sealer("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	// Tag the gate's rows as the workspace does, or the plan would block
	// every document as unauthentic.
	st.AuthenticateRows(keys.MAC("rows"))
	// Documents, in batches as ingest writes them.
	text := []byte(strings.Repeat("Notes on a remote code execution exploit. ", 8))
	docs := make([]int64, 0, nDocs)
	for b := 0; b < nDocs; b += 5000 {
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for i := b; i < b+5000; i++ {
				dd := sha256.Sum256([]byte(fmt.Sprint("bench-doc-", i)))
				id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
					Meta: store.DocMeta{MediaType: "text/html", Size: int64(len(text)), TextSize: int64(len(text))}, Text: text})
				if err != nil {
					return err
				}
				docs = append(docs, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Vendors and products: every tenth product ships through two
	// downstream makers.
	var vendors, products []int64
	for v := 0; v < nVendors; v++ {
		id, err := st.AddVendor(ctx, cases.Vendor{Name: fmt.Sprintf("Vendor %03d", v), Created: t0,
			Contacts: []cases.Contact{{Email: fmt.Sprintf("psirt@vendor%03d.example", v), Notes: "sealed note"}}})
		if err != nil {
			return err
		}
		vendors = append(vendors, id)
	}
	classes := []cases.DeviceClass{cases.PhoneOS, cases.DesktopOS, cases.Browser, cases.SmartTVIoT, cases.Vehicle, cases.NetworkEquipment, cases.ServerSoftware}
	for v, vid := range vendors {
		p := cases.Product{Vendor: vid, Name: "Product", Class: classes[v%len(classes)]}
		if v%10 == 0 {
			p.Downstream = []int64{vendors[(v+1)%nVendors], vendors[(v+2)%nVendors]}
		}
		id, err := st.AddProduct(ctx, p, t0)
		if err != nil {
			return err
		}
		products = append(products, id)
	}
	// Findings citing about 20 documents each, one case each with four
	// events: opened, notified, acknowledged, then a mix of outcomes.
	for f := 0; f < nFindings; f++ {
		fi := findings.Finding{State: findings.Accepted, Title: fmt.Sprintf("Finding %d", f), Summary: "sealed summary",
			CVEs: []string{fmt.Sprintf("CVE-2017-%04d", 1000+f)}, Exploited: f%50 == 0, Created: t0}
		for k := 0; k < linksPer; k++ {
			d := docs[(f*linksPer+k*7919)%nDocs]
			fi.Sources = append(fi.Sources, findings.Source{Doc: d, Start: k * 10, End: k*10 + 9})
		}
		fid, _, err := st.AddFinding(ctx, fi, nil)
		if err != nil {
			return err
		}
		v := f % nVendors
		tgt := cases.Target{Vendor: vendors[v], Product: products[v]}
		notified := t0.Add(time.Duration(f%60) * 24 * time.Hour)
		evs := []cases.Event{
			{At: notified.Add(-time.Hour), Actor: "bench", Kind: cases.EventNote, Note: "case opened"},
			{At: notified, Actor: "bench", Kind: cases.EventStatus, Target: tgt, Status: cases.Notified, Note: "mailed"},
			{At: notified.Add(48 * time.Hour), Actor: "bench", Kind: cases.EventStatus, Target: tgt, Status: cases.Acknowledged},
		}
		last := cases.Event{At: notified.Add(20 * 24 * time.Hour), Actor: "bench", Kind: cases.EventStatus, Target: tgt}
		switch f % 4 {
		case 0:
			last.Status, last.FixedVersion = cases.Fixed, "2.0"
		case 1:
			last.Status, last.Justification = cases.NotAffected, cases.VulnerableCodeNotPresent
		case 2:
			last.Status, last.ExpectedFix = cases.FixInProgress, notified.Add(95*24*time.Hour)
		default:
			last = cases.Event{At: last.At, Actor: "bench", Kind: cases.EventPublic, Evidence: "https://example.org/writeup"}
		}
		evs = append(evs, last)
		if _, err := st.OpenCase(ctx, cases.Case{Finding: fid, Opened: notified.Add(-time.Hour), OpenedBy: "bench", Targets: []cases.Target{tgt}}, evs); err != nil {
			return err
		}
	}
	for i := 0; i < nApprovals; i++ {
		for _, who := range []string{"ana", "ben"} {
			if _, err := st.Approve(ctx, docs[i*(nDocs/nApprovals)], who, t0); err != nil {
				return err
			}
		}
	}
	return nil
}
