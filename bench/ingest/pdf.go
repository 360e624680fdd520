package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"antidote/internal/extract"
)

// collectPDFs copies every PDF under /usr/share/doc (gzipped or not) into
// dir, flat, and returns their number.
func collectPDFs(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	n := 0
	err := filepath.WalkDir("/usr/share/doc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		base := d.Name()
		gz := strings.HasSuffix(base, ".pdf.gz")
		if !gz && !strings.HasSuffix(base, ".pdf") {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer in.Close()
		var r io.Reader = in
		if gz {
			zr, err := gzip.NewReader(in)
			if err != nil {
				return nil
			}
			r = zr
			base = strings.TrimSuffix(base, ".gz")
		}
		name := strings.ReplaceAll(strings.TrimPrefix(filepath.Dir(p), "/usr/share/doc/"), "/", "-") + "-" + base
		out, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, r); err != nil {
			out.Close()
			return nil
		}
		n++
		return out.Close()
	})
	return n, err
}

// timed runs argv under GNU time and returns wall seconds, CPU seconds
// (user+system) and peak RSS in MB.
func timed(dir string, env []string, argv ...string) (wall, cpu, rssMB float64, err error) {
	f := filepath.Join(dir, "time.txt")
	cmd := exec.Command("/usr/bin/time", append([]string{"-o", f, "-f", "%e %U %S %M"}, argv...)...)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	runErr := cmd.Run()
	if runErr != nil && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() != 3 {
		return 0, 0, 0, fmt.Errorf("%s: %w", argv[0], runErr)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read GNU time output (apt-get install time): %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(fields) != 4 {
		return 0, 0, 0, fmt.Errorf("GNU time output %q", b)
	}
	var v [4]float64
	for i, s := range fields {
		v[i], _ = strconv.ParseFloat(s, 64)
	}
	return v[0], v[1] + v[2], v[3] / 1024, nil
}

// runPDFs ingests the PDFs of /usr/share/doc into a fresh workspace and
// runs pdftotext over the same files, each under GNU time, in one run.
func runPDFs(dir, bin string) error {
	pdfs := filepath.Join(dir, "pdfs")
	os.RemoveAll(pdfs)
	n, err := collectPDFs(pdfs)
	if err != nil {
		return err
	}
	var mb float64
	entries, _ := os.ReadDir(pdfs)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			mb += float64(fi.Size()) / 1e6
		}
	}
	ws := filepath.Join(dir, "ws-pdfs")
	os.RemoveAll(ws)
	env := append(os.Environ(), "ANTIDOTE_WORKSPACE="+ws, "ANTIDOTE_PASSPHRASE=benchmark passphrase", "ANTIDOTE_USER=bench")
	initCmd := exec.Command(bin, "init")
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		return fmt.Errorf("init: %v %s", err, out)
	}
	fmt.Printf("%d PDFs, %.1f MB, from /usr/share/doc\n\n", n, mb)
	fmt.Println("| run | files | wall s | docs/s | CPU s | peak RSS MB |")
	fmt.Println("|---|---|---|---|---|---|")
	row := func(name string, wall, cpu, rss float64) {
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %.0f |\n", name, n, wall, float64(n)/wall, cpu, rss)
	}
	wall, cpu, rss, err := timed(dir, env, bin, "ingest", "--quiet", "--ocr", "none", pdfs)
	if err != nil {
		return err
	}
	row("antidote ingest --ocr none", wall, cpu, rss)
	// Extraction alone, in this process: PDFium's compilation, then every
	// file's text, nothing stored.
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	eng := extract.NewEngines(extract.EngineConfig{})
	if err := eng.StartPDF(context.Background()); err != nil {
		return err
	}
	var ruc syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ruc)
	compileCPU := tv(ruc.Utime) + tv(ruc.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	words := 0
	for _, e := range entries {
		f, err := os.Open(filepath.Join(pdfs, e.Name()))
		if err != nil {
			return err
		}
		fi, _ := f.Stat()
		c := &textCounter{}
		err = extract.Walk(context.Background(), e.Name(), f, fi.Size(), extract.Options{Engines: eng}, c)
		f.Close()
		if err != nil {
			return err
		}
		words += c.words
	}
	eng.Close()
	wall = time.Since(t0).Seconds()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu = tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	row("extract.Walk in process (PDFium)", wall, cpu, 0)
	fmt.Printf("| of which compiling PDFium (once per run) | | | | %.1f | |\n", compileCPU)
	// pdftotext, one process per file as a script would run it.
	script := `for f in "$1"/*.pdf; do pdftotext -enc UTF-8 "$f" - >/dev/null 2>&1; done`
	wall, cpu, rss, err = timed(dir, env, "sh", "-c", script, "sh", pdfs)
	if err != nil {
		return err
	}
	row("pdftotext (per file)", wall, cpu, rss)
	fmt.Printf("\n%d words extracted in process\n", words)
	return nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// textCounter counts the words of every document's text.
type textCounter struct{ words int }

func (c *textCounter) Begin(d *extract.Doc) (bool, error) { return true, nil }
func (c *textCounter) End(d *extract.Doc) error {
	c.words += len(strings.Fields(string(d.Text)))
	return nil
}
