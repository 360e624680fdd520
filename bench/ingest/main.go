// Command ingest-bench measures antidote's full ingest (extract, hash,
// encrypt, index) on a generated Vault-7-sized corpus: 10,000
// Confluence-like HTML pages plus 1,000 attachments (PDF, DOCX, mail) in one
// zip, at 1x and 5x, reporting documents/s, MB/s and peak RSS; and compares
// the extract-and-hash stage with `unzip -p | sha256sum` on the same zip in
// the same run. With -pdfs it instead ingests every PDF under
// /usr/share/doc and runs pdftotext over the same files (pdf.go).
//
//	go run ./bench/ingest [-scale 1,5] [-out bench/out]
//	go run ./bench/ingest -pdfs [-out bench/out]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"antidote/internal/extract"
	"antidote/internal/synth"
)

func main() {
	scales := flag.String("scale", "1,5", "corpus sizes to run, as multiples of 10,000 pages + 1,000 attachments")
	outDir := flag.String("out", "bench/out", "scratch directory (corpora, workspaces)")
	pdfs := flag.Bool("pdfs", false, "compare ingest of /usr/share/doc's PDFs with pdftotext instead")
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		log.Fatal(err)
	}
	bin := filepath.Join(*outDir, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		log.Fatalf("build antidote: %v\n%s", err, out)
	}
	if *pdfs {
		if err := runPDFs(*outDir, bin); err != nil {
			log.Fatal(err)
		}
		return
	}
	fmt.Println("| corpus | documents | zip MB | ingest s | docs/s | MB/s | peak RSS MB | extract+hash s | unzip -p \\| sha256sum s | ratio |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range strings.Split(*scales, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("bad scale %q", s)
		}
		if err := runScale(*outDir, bin, n); err != nil {
			log.Fatal(err)
		}
	}
}

func runScale(dir, bin string, n int) error {
	zipPath := filepath.Join(dir, fmt.Sprintf("corpus-%dx.zip", n))
	if _, err := os.Stat(zipPath); err != nil {
		f, err := os.Create(zipPath + ".tmp")
		if err != nil {
			return err
		}
		if _, err := synth.Corpus(f, int64(n), 10000*n, 1000*n); err != nil {
			return fmt.Errorf("generate corpus: %w", err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(zipPath+".tmp", zipPath); err != nil {
			return err
		}
	}
	fi, _ := os.Stat(zipPath)
	zipMB := float64(fi.Size()) / 1e6

	// Stage 1: extract and hash, in process, no storage.
	t0 := time.Now()
	docs, err := extractAndHash(zipPath)
	if err != nil {
		return err
	}
	extractS := time.Since(t0).Seconds()

	// The peer: unzip every member to a pipe and hash the stream.
	t0 = time.Now()
	if out, err := exec.Command("sh", "-c", "unzip -p '"+zipPath+"' | sha256sum").CombinedOutput(); err != nil {
		return fmt.Errorf("unzip | sha256sum: %v %s", err, out)
	}
	unzipS := time.Since(t0).Seconds()

	// Full ingest in a fresh workspace, as the analyst runs it.
	ws := filepath.Join(dir, fmt.Sprintf("ws-%dx", n))
	os.RemoveAll(ws)
	env := append(os.Environ(), "ANTIDOTE_WORKSPACE="+ws, "ANTIDOTE_PASSPHRASE=benchmark passphrase", "ANTIDOTE_USER=bench")
	initCmd := exec.Command(bin, "init")
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		return fmt.Errorf("init: %v %s", err, out)
	}
	// Peak RSS comes from GNU time: a Go child's own rusage also counts the
	// pages it shared with this (large) parent before exec.
	rssFile := filepath.Join(dir, "rss.txt")
	cmd := exec.Command("/usr/bin/time", "-o", rssFile, "-f", "%M", bin, "ingest", "--quiet", zipPath)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	t0 = time.Now()
	err = cmd.Run()
	ingestS := time.Since(t0).Seconds()
	if err != nil && cmd.ProcessState.ExitCode() != 3 {
		return fmt.Errorf("ingest: %w", err)
	}
	rb, err := os.ReadFile(rssFile)
	if err != nil {
		return fmt.Errorf("read peak RSS (is GNU time installed? apt-get install time): %w", err)
	}
	kb, _ := strconv.ParseFloat(strings.TrimSpace(string(rb)), 64)
	rss := kb / 1024
	fmt.Printf("| %dx | %d | %.0f | %.1f | %.0f | %.1f | %.0f | %.2f | %.2f | %.2f |\n",
		n, docs, zipMB, ingestS, float64(docs)/ingestS, zipMB/ingestS, rss, extractS, unzipS, extractS/unzipS)
	return nil
}

type counter struct{ n int }

func (c *counter) Begin(d *extract.Doc) (bool, error) { c.n++; return true, nil }
func (c *counter) End(d *extract.Doc) error           { return nil }

func extractAndHash(zipPath string) (int, error) {
	f, err := os.Open(zipPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, _ := f.Stat()
	c := &counter{}
	err = extract.Walk(context.Background(), filepath.Base(zipPath), f, fi.Size(), extract.Options{}, c)
	return c.n, err
}
