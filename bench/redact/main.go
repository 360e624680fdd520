// Command redact-bench measures `antidote redact` against ripgrep and,
// when asked, gitleaks on the same inputs, side by side in one run:
//
//   - logs: generated loghub-like text (see gen.go), -size bytes;
//   - real: the real loghub samples (-loghub DIR, all *.log files,
//     concatenated and repeated -real-reps times);
//   - dense: an identifier every ~25 bytes on one long line (see
//     generateDense), -dense-size bytes;
//   - small: -small files of at most 4 KiB each, whole lines of the real
//     loghub samples, in one directory.
//
// On each it times
//
//   - antidote redact --key-file K FILE > /dev/null (a directory: --out DIR,
//     a fresh DIR each time);
//   - rg -o with four simple IPv4, IPv6, e-mail and MAC patterns (printing
//     every match, as a grep-based redaction script would);
//   - with -gitleaks, gitleaks v8 (built into the scratch directory with
//     go install from the module proxy, never into this repository) running
//     `gitleaks dir` on the same file or directory with a JSON report;
//
// alternating them over several repetitions, and reports median CPU time
// (user + system) and wall time, peak RSS (GNU time) and the ratio of CPU
// time to rg's. It then counts what each found. For logs it also streams
// inputs up to 10 GiB through antidote's stdin, without storing them, to
// show that memory does not grow with the input.
//
//	go run ./bench/redact [-sets logs,real,dense,small] [-reps 5] [-gitleaks] [-stream 256M,1G,10G] [-dir DIR]
//	go run ./bench/redact -gen [-size N] [-seed S] > text.log
//	go run ./bench/redact -gen-dense [-dense-size N] > dense.txt
//
// It runs from the repository root (it builds ./cmd/antidote). Generated
// inputs are cached in DIR (default: the system temp directory), written to
// a temp file and renamed, so an interrupted run never leaves a short file.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The ripgrep patterns: what one writes for a quick grep, without
// validation (octets over 255, IPv6 group rules, e-mail label rules, MAC
// first-byte rules) or scopes. IPv6 needs a leading group and four groups
// in all (or a "::"), so that clock times such as 12:34:56 do not match.
var rgPatterns = []struct{ kind, re string }{
	{"ipv4", `\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b`},
	{"ipv6", `[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){3,7}`},
	{"email", `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`},
	{"mac", `\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b`},
}

// gitleaksModule is the gitleaks release compared against.
const gitleaksModule = "github.com/zricethezav/gitleaks/v8@v8.30.1"

// config is what the flags ask for.
type config struct {
	dir             string
	size, denseSize int64
	seed            uint64
	reps, glReps    int
	sets            []string
	loghub          string
	realReps, small int
	gitleaks        bool
	base            string
	streams         []int64
}

func main() {
	var c config
	genOnly := flag.Bool("gen", false, "only write the generated log text to standard output")
	genDense := flag.Bool("gen-dense", false, "only write the dense text to standard output")
	flag.Int64Var(&c.size, "size", 256<<20, "bytes of generated log text")
	flag.Int64Var(&c.denseSize, "dense-size", 32<<20, "bytes of dense text")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed of the log text")
	flag.IntVar(&c.reps, "reps", 5, "timed repetitions of antidote and rg")
	flag.IntVar(&c.glReps, "gitleaks-reps", 1, "timed repetitions of gitleaks (it is slow)")
	sets := flag.String("sets", "logs,real,dense,small", "inputs to measure, comma-separated: logs, real, dense, small")
	flag.StringVar(&c.loghub, "loghub", "../shared/corpora/loghub", "directory of the real loghub samples (*.log)")
	flag.IntVar(&c.realReps, "real-reps", 8, "times the real loghub samples are repeated in the real input")
	flag.IntVar(&c.small, "small", 2048, "number of small files")
	flag.BoolVar(&c.gitleaks, "gitleaks", false, "also time gitleaks (built with go install "+gitleaksModule+" into the scratch directory)")
	flag.StringVar(&c.base, "base", "", "another antidote binary (say, built from main) to time beside this one, with the same key")
	stream := flag.String("stream", "256M,1G,10G", "sizes to stream through antidote's stdin for the memory check, comma-separated, K/M/G binary suffixes (empty: skip)")
	flag.StringVar(&c.dir, "dir", filepath.Join(os.TempDir(), "antidote-bench-redact"), "scratch directory (binaries, inputs, key)")
	flag.Parse()
	if *genOnly || *genDense {
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		var err error
		if *genOnly {
			err = generate(w, c.size, c.seed)
		} else {
			err = generateDense(w, c.denseSize)
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}
	for f := range strings.SplitSeq(*stream, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := parseSize(f)
		if err != nil {
			log.Fatalf("-stream: %v", err)
		}
		c.streams = append(c.streams, n)
	}
	for s := range strings.SplitSeq(*sets, ",") {
		switch s = strings.TrimSpace(s); s {
		case "logs", "real", "dense", "small":
			c.sets = append(c.sets, s)
		case "":
		default:
			log.Fatalf("-sets: unknown input %q (logs, real, dense, small)", s)
		}
	}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

// generate writes size bytes of text; the last line may be cut short.
func generate(w *bufio.Writer, size int64, seed uint64) error {
	g := newGen(seed)
	var n int64
	var line []byte
	for n < size {
		line = g.line(line[:0])
		if n+int64(len(line)) > size {
			line = line[:size-n]
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		n += int64(len(line))
	}
	return w.Flush()
}

// cached returns path, first writing it with write (to a temp file then
// renamed) if it does not exist.
func cached(path string, write func(*bufio.Writer) error) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".input-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := write(bufio.NewWriterSize(f, 1<<20)); err != nil {
		f.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// loghubText is the real loghub samples, concatenated in name order.
func loghubText(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no loghub samples (*.log) in %s: pass -loghub DIR", dir)
	}
	slices.Sort(files)
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}

// smallFiles writes n files of whole lines of text, at most 4 KiB each,
// into a new directory (going round text as often as needed).
func smallFiles(dir string, text []byte, n int) (string, int64, error) {
	out := filepath.Join(dir, fmt.Sprintf("small-%d", n))
	if err := os.RemoveAll(out); err != nil {
		return "", 0, err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", 0, err
	}
	var total int64
	at := 0
	for i := range n {
		end := at
		for {
			nl := slices.Index(text[end:], '\n')
			if nl < 0 || end+nl+1-at > 4096 {
				break
			}
			end += nl + 1
		}
		if end == at { // a line longer than 4 KiB, or none left
			end = min(len(text), at+4096)
		}
		if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("f%05d.log", i)), text[at:end], 0o600); err != nil {
			return "", 0, err
		}
		total += int64(end - at)
		if at = end; at >= len(text) {
			at = 0
		}
	}
	return out, total, nil
}

// input is one thing every tool is run on: a file or a directory.
type input struct {
	name, path, note string
	bytes            int64
	dir              bool
}

// bench is one command being timed.
type bench struct {
	name  string
	args  []string
	stdin string       // file to redirect from, or ""
	exit1 bool         // exit status 1 is success (rg: no match)
	reps  int          // timed runs
	pre   func() error // before each run (a fresh output directory)
	times []float64
	cpu   []float64 // user + system seconds
	sys   []float64 // system seconds
	rssKB []int64
}

// parseSize reads a byte count with an optional K, M or G (binary) suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func run(c config) error {
	if _, err := exec.LookPath("rg"); err != nil {
		return errors.New("rg not found: apt-get install ripgrep")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return errors.New("GNU time not found: apt-get install time")
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	bin := filepath.Join(c.dir, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		return fmt.Errorf("build antidote (run from the repository root): %v\n%s", err, out)
	}
	gl := ""
	if c.gitleaks {
		var err error
		if gl, err = buildGitleaks(c.dir); err != nil {
			return err
		}
	}
	key := filepath.Join(c.dir, "bench.key")
	if _, err := os.Stat(key); err != nil {
		if out, err := exec.Command(bin, "redact", "--new-key", key).CombinedOutput(); err != nil {
			return fmt.Errorf("new key: %v %s", err, out)
		}
	}
	rgVersion, _ := exec.Command("rg", "--version").Output()
	fmt.Printf("antidote: %s; %s; %s", revision(), cpuNote(), strings.SplitN(string(rgVersion), "\n", 2)[0])
	if gl != "" {
		fmt.Printf("; gitleaks %s", strings.TrimPrefix(gitleaksModule, "github.com/zricethezav/gitleaks/v8@"))
	}
	fmt.Print("\n\n")
	for _, set := range c.sets {
		in, err := prepare(c, set)
		if err != nil {
			return err
		}
		logRun, err := measure(c, in, bin, key, gl, c.base)
		if err != nil {
			return err
		}
		if set == "logs" && len(c.streams) > 0 {
			if err := streamCheck(bin, key, in.path, in.bytes, c.streams, filepath.Join(c.dir, "rss.txt"), logRun); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepare makes (or finds cached) the input of a set.
func prepare(c config, set string) (input, error) {
	switch set {
	case "logs":
		p, err := cached(filepath.Join(c.dir, fmt.Sprintf("text-%d-%d.log", c.size, c.seed)), func(w *bufio.Writer) error { return generate(w, c.size, c.seed) })
		return input{name: "logs", path: p, bytes: c.size, note: fmt.Sprintf("generated loghub-like text, seed %d", c.seed)}, err
	case "dense":
		p, err := cached(filepath.Join(c.dir, fmt.Sprintf("dense-%d.txt", c.denseSize)), func(w *bufio.Writer) error { return generateDense(w, c.denseSize) })
		return input{name: "dense", path: p, bytes: c.denseSize, note: "an identifier every ~25 bytes, one line"}, err
	}
	text, err := loghubText(c.loghub)
	if err != nil {
		return input{}, err
	}
	if set == "small" {
		p, n, err := smallFiles(c.dir, text, c.small)
		return input{name: "small", path: p, bytes: n, dir: true, note: fmt.Sprintf("%d files of whole lines of the real loghub samples, at most 4 KiB each", c.small)}, err
	}
	p, err := cached(filepath.Join(c.dir, fmt.Sprintf("loghub-x%d.log", c.realReps)), func(w *bufio.Writer) error {
		for range c.realReps {
			if _, err := w.Write(text); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	return input{name: "real", path: p, bytes: int64(len(text)) * int64(c.realReps), note: fmt.Sprintf("the %d-byte real loghub samples of %s, %d times", len(text), c.loghub, c.realReps)}, err
}

// measure times the tools on one input, prints their table and counts,
// and returns antidote's run.
func measure(c config, in input, bin, key, gl, base string) (*bench, error) {
	rgArgs := []string{"rg", "-o"}
	for _, p := range rgPatterns {
		rgArgs = append(rgArgs, "-e", p.re)
	}
	out := filepath.Join(c.dir, "out")
	fresh := func() error { return os.RemoveAll(out) }
	ad := &bench{name: "antidote redact", args: []string{bin, "redact", "--key-file", key, in.path}, reps: c.reps}
	if in.dir {
		ad.args = []string{bin, "redact", "--key-file", key, "--out", out, in.path}
		ad.pre = fresh
	}
	benches := []*bench{ad, {name: "rg -o (4 patterns)", args: append(rgArgs, in.path), reps: c.reps, exit1: true}}
	if base != "" {
		b := &bench{name: "antidote redact (-base)", args: slices.Clone(ad.args), reps: c.reps, pre: ad.pre}
		b.args[0] = base
		benches = append(benches, b)
	}
	glReport := filepath.Join(c.dir, "gitleaks.json")
	if gl != "" {
		benches = append(benches, &bench{name: "gitleaks dir", args: []string{gl, "dir", "--no-banner", "--exit-code", "0", "--redact", "-l", "error", "-f", "json", "-r", glReport, in.path}, reps: c.glReps})
	}
	rss := filepath.Join(c.dir, "rss.txt")
	// One untimed round warms the page cache and the binaries.
	for _, b := range benches {
		if b.pre != nil {
			if err := b.pre(); err != nil {
				return nil, err
			}
		}
		if _, _, _, _, err := timeRun(b.args, b.stdin, nil, rss, b.exit1); err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
	}
	for r := range c.reps {
		for i := range benches {
			b := benches[(i+r)%len(benches)] // rotate, so no command always runs first
			if r >= b.reps {
				continue
			}
			if b.pre != nil {
				if err := b.pre(); err != nil {
					return nil, err
				}
			}
			s, cpu, sys, kb, err := timeRun(b.args, b.stdin, nil, rss, b.exit1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			b.times, b.cpu, b.sys, b.rssKB = append(b.times, s), append(b.cpu, cpu), append(b.sys, sys), append(b.rssKB, kb)
		}
	}
	mb := float64(in.bytes) / 1e6
	fmt.Printf("### %s: %s (%.1f MB, %s)\n\n", in.name, in.path, mb, in.note)
	fmt.Println("| tool | runs | CPU s (median) | of which system | wall s (median) | MB per CPU s | peak RSS MB | CPU / rg CPU |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	// GNU time counts CPU time in hundredths of a second: a ratio to
	// less than that is not shown.
	rgCPU := median(benches[1].cpu)
	ratio := func(x, y float64, prec int) string {
		if x <= 0 || y <= 0 {
			return "n/a"
		}
		return strconv.FormatFloat(x/y, 'f', prec, 64)
	}
	for _, b := range benches {
		cpu := median(b.cpu)
		fmt.Printf("| %s | %d | %.2f | %.2f | %.2f | %s | %.0f | %s |\n", b.name, len(b.cpu), cpu, median(b.sys), median(b.times), ratio(mb, cpu, 0), float64(slices.Max(b.rssKB))/1024, ratio(cpu, rgCPU, 2))
	}
	fmt.Println()
	if err := counts(bin, key, in, out, c.dir, gl, glReport); err != nil {
		return nil, err
	}
	return ad, nil
}

// buildGitleaks installs gitleaks into dir/gitleaks-bin (once) and returns
// the binary's path.
func buildGitleaks(dir string) (string, error) {
	gobin := filepath.Join(dir, "gitleaks-bin")
	bin := filepath.Join(gobin, "gitleaks")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	cmd := exec.Command("go", "install", gitleaksModule)
	// Outside this module, so that its go.mod is not consulted or changed.
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build gitleaks (go install %s): %v\n%s", gitleaksModule, err, out)
	}
	return bin, nil
}

// timeRun runs args under GNU time with stdout to /dev/null and returns the
// wall time measured here, CPU time (user and system) and the peak RSS in
// KiB. GNU time measures the
// child alone (wait4 on a Go child also counts pages it shared with this
// process before exec). Input comes from the file stdinFile or, if
// feed is not nil, from what feed writes.
func timeRun(args []string, stdinFile string, feed func(io.Writer) error, rssFile string, exit1 bool) (wall, cpu, sys float64, kb int64, err error) {
	cmd := exec.Command("/usr/bin/time", append([]string{"-o", rssFile, "-f", "%M %U %S"}, args...)...)
	cmd.Stderr = os.Stderr
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer devNull.Close()
	cmd.Stdout = devNull
	var stdin io.WriteCloser
	switch {
	case stdinFile != "":
		f, err := os.Open(stdinFile)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f // an *os.File: the child reads it directly, no copy here
	case feed != nil:
		if stdin, err = cmd.StdinPipe(); err != nil {
			return 0, 0, 0, 0, err
		}
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, 0, err
	}
	var feedErr error
	if stdin != nil {
		feedErr = feed(stdin)
		stdin.Close()
	}
	err = cmd.Wait()
	secs := time.Since(t0).Seconds()
	if ee := (*exec.ExitError)(nil); exit1 && errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if feedErr != nil {
		return 0, 0, 0, 0, fmt.Errorf("feed stdin: %w", feedErr)
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	var user float64
	// The last line: GNU time puts "Command exited with non-zero status"
	// before it.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if _, err := fmt.Sscan(lines[len(lines)-1], &kb, &user, &sys); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("read GNU time output: %w", err)
	}
	return secs, user + sys, sys, kb, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// counts prints how many identifiers antidote found, per type, next to
// how many matches each rg pattern prints on its own and all four
// together (rg reports one match where patterns overlap, as -o prints),
// and the secrets gitleaks reported beside antidote's.
func counts(bin, key string, in input, out, dir, gl, glReport string) error {
	rep := filepath.Join(dir, "report.json")
	args := []string{"redact", "--key-file", key, "--report", rep, in.path}
	if in.dir {
		if err := os.RemoveAll(out); err != nil {
			return err
		}
		args = []string{"redact", "--key-file", key, "--out", out, "--report", rep, in.path}
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("antidote redact --report: %w", err)
	}
	os.RemoveAll(out)
	b, err := os.ReadFile(rep)
	os.Remove(rep)
	if err != nil {
		return err
	}
	var r struct {
		Total struct {
			Found    int64 `json:"found"`
			Redacted int64 `json:"redacted"`
			Types    map[string]struct {
				Found    int64 `json:"found"`
				Redacted int64 `json:"redacted"`
			} `json:"types"`
		} `json:"total"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	fmt.Println("| type | antidote found | antidote redacted | rg -o matches |")
	fmt.Println("|---|---|---|---|")
	var all []string
	for _, p := range rgPatterns {
		n, err := rgCount(in.path, p.re)
		if err != nil {
			return err
		}
		all = append(all, p.re)
		t := r.Total.Types[p.kind]
		fmt.Printf("| %s | %d | %d | %d |\n", p.kind, t.Found, t.Redacted, n)
	}
	n, err := rgCount(in.path, all...)
	if err != nil {
		return err
	}
	fmt.Printf("| all | %d | %d | %d |\n\n", r.Total.Found, r.Total.Redacted, n)
	if gl != "" {
		b, err := os.ReadFile(glReport)
		if err != nil {
			return fmt.Errorf("read gitleaks report: %w", err)
		}
		var findings []struct{ RuleID string }
		if err := json.Unmarshal(b, &findings); err != nil {
			return fmt.Errorf("read gitleaks report: %w", err)
		}
		rules := map[string]int{}
		for _, f := range findings {
			rules[f.RuleID]++
		}
		fmt.Printf("Secrets: antidote %d (%d redacted); gitleaks %d findings %v\n\n", r.Total.Types["secret"].Found, r.Total.Types["secret"].Redacted, len(findings), rules)
	}
	return nil
}

// rgCount is the number of matches rg -o prints for the patterns, summed
// over the files of a directory.
func rgCount(path string, patterns ...string) (int64, error) {
	args := []string{"--count-matches", "--no-filename"}
	for _, p := range patterns {
		args = append(args, "-e", p)
	}
	out, err := exec.Command("rg", append(args, path)...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return 0, nil // no match
	}
	if err != nil {
		return 0, fmt.Errorf("rg --count-matches: %w", err)
	}
	var total int64
	for f := range strings.FieldsSeq(string(out)) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("rg --count-matches: %q", f)
		}
		total += n
	}
	return total, nil
}

// streamCheck pipes each of streams bytes (the text, repeated) into
// antidote's stdin without storing them, and prints peak RSS beside that of
// the file: memory must not grow with the input.
func streamCheck(bin, key, text string, size int64, streams []int64, rss string, fileRun *bench) error {
	fmt.Println("| input to antidote redact | bytes | wall s | MB/s | peak RSS MB |")
	fmt.Println("|---|---|---|---|---|")
	med := median(fileRun.times)
	fmt.Printf("| FILE (median run above) | %d | %.2f | %.0f | %.0f |\n", size, med, float64(size)/1e6/med, float64(slices.Max(fileRun.rssKB))/1024)
	for _, stream := range streams {
		feed := func(w io.Writer) error {
			f, err := os.Open(text)
			if err != nil {
				return err
			}
			defer f.Close()
			for left := stream; left > 0; left -= size {
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return err
				}
				if _, err := io.Copy(w, io.LimitReader(f, left)); err != nil {
					return err
				}
			}
			return nil
		}
		s, _, _, kb, err := timeRun([]string{bin, "redact", "--key-file", key, "-"}, "", feed, rss, false)
		if err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		fmt.Printf("| pipe, FILE repeated | %d | %.2f | %.0f | %.0f |\n", stream, s, float64(stream)/1e6/s, float64(kb)/1024)
	}
	fmt.Println()
	return nil
}

// revision names the commit measured, and says so when the working tree
// differs from it (others' unfinished edits are measured too).
func revision() string {
	rev, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "not a git checkout"
	}
	r := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		r += " with uncommitted changes"
	}
	return r
}

// cpuNote names the machine's CPU count and load, since every tool competes
// with whatever else runs.
func cpuNote() string {
	load, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(load))
	return fmt.Sprintf("%d CPUs, load average %s", runtime.NumCPU(), strings.Join(f[:min(3, len(f))], " "))
}
