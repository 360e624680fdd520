// Command redact-bench measures `antidote redact` against ripgrep on the
// same generated loghub-like text (see gen.go), side by side in one run:
//
//   - antidote redact --key-file K FILE > /dev/null, and the same on stdin;
//   - rg -o with four simple IPv4, IPv6, e-mail and MAC patterns on FILE
//     (printing every match, as a grep-based redaction script would);
//
// alternating the three, several repetitions, reporting best and median
// wall time and peak RSS (GNU time). It then counts matches on both sides
// and streams inputs up to 10 GiB through antidote's stdin, without
// storing them, to show that memory does not grow with the input.
//
//	go run ./bench/redact [-size BYTES] [-reps 5] [-stream 256M,1G,10G] [-dir DIR]
//	go run ./bench/redact -gen [-size N] [-seed S] > text.log
//
// It runs from the repository root (it builds ./cmd/antidote). The text is
// cached in DIR (default: the system temp directory), written to a temp
// file and renamed, so an interrupted run never leaves a short file.
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

func main() {
	genOnly := flag.Bool("gen", false, "only write the generated text to standard output")
	size := flag.Int64("size", 256<<20, "bytes of text")
	seed := flag.Uint64("seed", 1, "random seed of the text")
	reps := flag.Int("reps", 5, "timed repetitions of each command")
	stream := flag.String("stream", "256M,1G,10G", "sizes to stream through antidote's stdin for the memory check, comma-separated, K/M/G binary suffixes (empty: skip)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "antidote-bench-redact"), "scratch directory (binary, text, key)")
	flag.Parse()
	if *genOnly {
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		if err := generate(w, *size, *seed); err != nil {
			log.Fatal(err)
		}
		return
	}
	var streams []int64
	for f := range strings.SplitSeq(*stream, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := parseSize(f)
		if err != nil {
			log.Fatalf("-stream: %v", err)
		}
		streams = append(streams, n)
	}
	if err := run(*dir, *size, *seed, *reps, streams); err != nil {
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

// textFile returns the cached text of this size and seed, generating it
// first if needed.
func textFile(dir string, size int64, seed uint64) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("text-%d-%d.log", size, seed))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	f, err := os.CreateTemp(dir, ".text-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := generate(bufio.NewWriterSize(f, 1<<20), size, seed); err != nil {
		f.Close()
		return "", fmt.Errorf("generate text: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// bench is one command being timed.
type bench struct {
	name  string
	args  []string
	stdin string // file to redirect from, or ""
	times []float64
	cpu   []float64 // user + system seconds
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

func run(dir string, size int64, seed uint64, reps int, streams []int64) error {
	if _, err := exec.LookPath("rg"); err != nil {
		return errors.New("rg not found: apt-get install ripgrep")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return errors.New("GNU time not found: apt-get install time")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	bin := filepath.Join(dir, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		return fmt.Errorf("build antidote (run from the repository root): %v\n%s", err, out)
	}
	text, err := textFile(dir, size, seed)
	if err != nil {
		return err
	}
	key := filepath.Join(dir, "bench.key")
	if _, err := os.Stat(key); err != nil {
		if out, err := exec.Command(bin, "redact", "--new-key", key).CombinedOutput(); err != nil {
			return fmt.Errorf("new key: %v %s", err, out)
		}
	}
	rgArgs := []string{"-o"}
	for _, p := range rgPatterns {
		rgArgs = append(rgArgs, "-e", p.re)
	}
	benches := []*bench{
		{name: "antidote redact FILE", args: []string{bin, "redact", "--key-file", key, text}},
		{name: "antidote redact < FILE", args: []string{bin, "redact", "--key-file", key, "-"}, stdin: text},
		{name: "rg -o (4 patterns) FILE", args: append(append([]string{"rg"}, rgArgs...), text)},
	}
	rss := filepath.Join(dir, "rss.txt")
	// One untimed round warms the page cache and the binaries.
	for _, b := range benches {
		if _, _, _, err := timeRun(b.args, b.stdin, nil, rss); err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
	}
	for r := range reps {
		for i := range benches {
			b := benches[(i+r)%len(benches)] // rotate, so no command always runs first
			s, cpu, kb, err := timeRun(b.args, b.stdin, nil, rss)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			b.times, b.cpu, b.rssKB = append(b.times, s), append(b.cpu, cpu), append(b.rssKB, kb)
		}
	}
	mb := float64(size) / 1e6
	rgBest := slices.Min(benches[2].times)
	rgVersion, _ := exec.Command("rg", "--version").Output()
	fmt.Printf("antidote: %s; text: %s (%.0f MB, seed %d); %s; %s\n\n", revision(), text, mb, seed, cpuNote(), strings.SplitN(string(rgVersion), "\n", 2)[0])
	fmt.Println("| tool | best s | median s | MB/s (best) | CPU s (median) | peak RSS MB | best / rg best |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, b := range benches {
		best := slices.Min(b.times)
		fmt.Printf("| %s | %.2f | %.2f | %.0f | %.2f | %.0f | %.2f |\n", b.name, best, median(b.times), mb/best, median(b.cpu), float64(slices.Max(b.rssKB))/1024, best/rgBest)
	}
	fmt.Println()
	if err := counts(bin, key, text, dir); err != nil {
		return err
	}
	if len(streams) > 0 {
		return streamCheck(bin, key, text, size, streams, rss, benches[1])
	}
	return nil
}

// timeRun runs args under GNU time with stdout to /dev/null and returns the
// wall time measured here, CPU time (user and system) and the peak RSS in
// KiB. GNU time measures the
// child alone (wait4 on a Go child also counts pages it shared with this
// process before exec). Input comes from the file stdinFile or, if
// feed is not nil, from what feed writes.
func timeRun(args []string, stdinFile string, feed func(io.Writer) error, rssFile string) (wall, cpu float64, kb int64, err error) {
	cmd := exec.Command("/usr/bin/time", append([]string{"-o", rssFile, "-f", "%M %U %S"}, args...)...)
	cmd.Stderr = os.Stderr
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, 0, err
	}
	defer devNull.Close()
	cmd.Stdout = devNull
	var stdin io.WriteCloser
	switch {
	case stdinFile != "":
		f, err := os.Open(stdinFile)
		if err != nil {
			return 0, 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f // an *os.File: the child reads it directly, no copy here
	case feed != nil:
		if stdin, err = cmd.StdinPipe(); err != nil {
			return 0, 0, 0, err
		}
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	var feedErr error
	if stdin != nil {
		feedErr = feed(stdin)
		stdin.Close()
	}
	err = cmd.Wait()
	secs := time.Since(t0).Seconds()
	if err != nil {
		return 0, 0, 0, err
	}
	if feedErr != nil {
		return 0, 0, 0, fmt.Errorf("feed stdin: %w", feedErr)
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, 0, 0, err
	}
	var user, sys float64
	if _, err := fmt.Sscan(string(b), &kb, &user, &sys); err != nil {
		return 0, 0, 0, fmt.Errorf("read GNU time output: %w", err)
	}
	return secs, user + sys, kb, nil
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
// together (rg reports one match where patterns overlap, as -o prints).
func counts(bin, key, text, dir string) error {
	rep := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "redact", "--key-file", key, "--report", rep, text)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("antidote redact --report: %w", err)
	}
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
		n, err := rgCount(text, p.re)
		if err != nil {
			return err
		}
		all = append(all, p.re)
		t := r.Total.Types[p.kind]
		fmt.Printf("| %s | %d | %d | %d |\n", p.kind, t.Found, t.Redacted, n)
	}
	n, err := rgCount(text, all...)
	if err != nil {
		return err
	}
	fmt.Printf("| all | %d | %d | %d |\n\n", r.Total.Found, r.Total.Redacted, n)
	return nil
}

// rgCount is the number of matches rg -o prints for the patterns.
func rgCount(text string, patterns ...string) (int64, error) {
	args := []string{"--count-matches", "--no-filename"}
	for _, p := range patterns {
		args = append(args, "-e", p)
	}
	out, err := exec.Command("rg", append(args, text)...).Output()
	if err != nil {
		return 0, fmt.Errorf("rg --count-matches: %w", err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}

// streamCheck pipes each of streams bytes (the text, repeated) into
// antidote's stdin without storing them, and prints peak RSS beside that of
// the file redirected to stdin: memory must not grow with the input.
func streamCheck(bin, key, text string, size int64, streams []int64, rss string, fileRun *bench) error {
	fmt.Println("| input to antidote redact | bytes | wall s | MB/s | peak RSS MB |")
	fmt.Println("|---|---|---|---|---|")
	med := median(fileRun.times)
	fmt.Printf("| FILE redirected to stdin (median run above) | %d | %.2f | %.0f | %.0f |\n", size, med, float64(size)/1e6/med, float64(slices.Max(fileRun.rssKB))/1024)
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
		s, _, kb, err := timeRun([]string{bin, "redact", "--key-file", key, "-"}, "", feed, rss)
		if err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		fmt.Printf("| pipe, FILE repeated | %d | %.2f | %.0f | %.0f |\n", stream, s, float64(stream)/1e6/s, float64(kb)/1024)
	}
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

// cpuNote names the machine's CPU count and load, since both tools compete
// with whatever else runs.
func cpuNote() string {
	load, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(load))
	return fmt.Sprintf("%d CPUs, load average %s", runtime.NumCPU(), strings.Join(f[:min(3, len(f))], " "))
}
