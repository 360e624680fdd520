package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"antidote/internal/synth"
)

// runCLI runs antidote in-process with the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err := runEnv(context.Background(), testCLIEnv(lookup, strings.NewReader(""), &out, &errb), args)
	return out.String(), errb.String(), err
}

func testEnv(t *testing.T) map[string]string {
	return map[string]string{
		"ANTIDOTE_WORKSPACE":  filepath.Join(t.TempDir(), "ws"),
		"ANTIDOTE_PASSPHRASE": "test passphrase",
		"ANTIDOTE_USER":       "tester",
	}
}

// canaries are unique words planted in every place a leak can hold text:
// contents, file names, member names, mail headers and attachments.
var canaries = []string{
	"zqxcanaryhtml", "zqxcanarytext", "zqxcanary1252", "zqxcanarymail", "zqxcanaryattach",
	"zqxcanaryzipname", "zqxcanaryzipbody", "zqxcanarytarbody", "zqxcanarydirname", "zqxcanarysubject",
}

func writeCanaryLeak(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "zqxcanarydirname"), 0o700))
	must(os.WriteFile(filepath.Join(dir, "page.html"), []byte(`<html><head><title>Wiki</title><script>var zqxnotindexed = 1;</script></head><body><p>The zqxcanaryhtml implant.</p></body></html>`), 0o600))
	must(os.WriteFile(filepath.Join(dir, "zqxcanarydirname", "notes.txt"), []byte("plain zqxcanarytext notes\n"), 0o600))
	// Windows-1252: "café" with 0xE9.
	must(os.WriteFile(filepath.Join(dir, "legacy.txt"), []byte("caf\xe9 zqxcanary1252 na\xefve\n"), 0o600))
	mail := "From: a@example.org\r\nTo: b@example.org\r\nSubject: zqxcanarysubject\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nbody zqxcanarymail\r\n" +
		"--XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=att.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"ZW1iZWRkZWQgenF4Y2FuYXJ5YXR0YWNo\r\n--XX--\r\n" // "embedded zqxcanaryattach"
	must(os.WriteFile(filepath.Join(dir, "mail.eml"), []byte(mail), 0o600))
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	f, _ := zw.Create("inner/zqxcanaryzipname.txt")
	f.Write([]byte("zip member zqxcanaryzipbody"))
	var tb bytes.Buffer
	gz := gzip.NewWriter(&tb)
	tw := tar.NewWriter(gz)
	body := []byte("tar member zqxcanarytarbody")
	tw.WriteHeader(&tar.Header{Name: "../../escape.txt", Mode: 0o600, Size: int64(len(body))})
	tw.Write(body)
	tw.Close()
	gz.Close()
	f, _ = zw.Create("nested.tar.gz")
	f.Write(tb.Bytes())
	zw.Close()
	must(os.WriteFile(filepath.Join(dir, "leak.zip"), zb.Bytes(), 0o600))
	must(os.WriteFile(filepath.Join(dir, "junk.bin"), []byte{0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7}, 0o600))
}

func TestIngestCanariesNeverOnDisk(t *testing.T) {
	env := testEnv(t)
	leak := filepath.Join(t.TempDir(), "leak")
	writeCanaryLeak(t, leak)
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "ingest", "--quiet", "--json", leak)
	if err != nil && exitCode(err) != exitPartial {
		t.Fatalf("ingest: %v", err)
	}
	var sum struct {
		Documents, New int
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, out)
	}
	if sum.New < 9 {
		t.Fatalf("ingest stored %d documents, want every file, member and attachment: %s", sum.New, out)
	}
	// Every canary is searchable...
	for _, c := range canaries {
		if strings.Contains(c, "name") {
			continue
		}
		out, _, err := runCLI(t, env, "search", "--json", c)
		if err != nil || !strings.Contains(out, `"doc"`) {
			t.Errorf("search %s found nothing: %v %s", c, err, out)
		}
	}
	// ...and not one byte of any canary is in the workspace directory.
	ws := env["ANTIDOTE_WORKSPACE"]
	err = filepath.WalkDir(ws, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, c := range canaries {
			if strings.Contains(p, c) {
				t.Errorf("canary %s in workspace file name %s", c, p)
			}
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		low := bytes.ToLower(b)
		for _, c := range append(canaries, "zqxnotindexed", "escape.txt", "notes.txt") {
			if bytes.Contains(low, []byte(c)) {
				t.Errorf("canary %q found in plaintext in %s", c, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type listedDoc struct {
	ID        int64    `json:"id"`
	Paths     []string `json:"paths"`
	SHA256    string   `json:"sha256"`
	MediaType string   `json:"media_type"`
	Size      int64    `json:"size"`
	TextSize  int64    `json:"text_size"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason"`
	Parent    *int64   `json:"parent"`
	Complete  bool     `json:"complete"`
}

func listDocs(t *testing.T, env map[string]string) []listedDoc {
	t.Helper()
	out, _, err := runCLI(t, env, "docs", "list", "--json")
	if err != nil {
		t.Fatalf("docs list: %v", err)
	}
	var docs []listedDoc
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var d listedDoc
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

func TestIngestProvenanceDedupAndRerun(t *testing.T) {
	env := testEnv(t)
	leak := filepath.Join(t.TempDir(), "leak")
	writeCanaryLeak(t, leak)
	// The same file twice under another name: stored once, both paths kept.
	b, _ := os.ReadFile(filepath.Join(leak, "page.html"))
	os.WriteFile(filepath.Join(leak, "copy.html"), b, 0o600)
	runCLI(t, env, "init")
	if _, _, err := runCLI(t, env, "ingest", "--quiet", leak); err != nil && exitCode(err) != exitPartial {
		t.Fatal(err)
	}
	first := listDocs(t, env)
	byPath := map[string]listedDoc{}
	for _, d := range first {
		if !d.Complete {
			t.Errorf("document %d incomplete after a finished ingest", d.ID)
		}
		for _, p := range d.Paths {
			byPath[strings.TrimPrefix(p, filepath.ToSlash(leak)+"/")] = d
		}
	}
	page, ok := byPath["page.html"]
	if !ok || len(page.Paths) != 2 {
		t.Fatalf("page.html and copy.html should be one document with two paths: %+v", page)
	}
	inner, ok := byPath["leak.zip!/nested.tar.gz!/../../escape.txt"]
	if !ok {
		var keys []string
		for k := range byPath {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Fatalf("nested tar member not found by provenance; have:\n%s", strings.Join(keys, "\n"))
	}
	if inner.Parent == nil {
		t.Fatal("nested member has no parent")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(leak), "escape.txt")); err == nil {
		t.Fatal("a member named ../../escape.txt reached the file system")
	}
	if junk := byPath["junk.bin"]; junk.Status != "skipped" || junk.Reason == "" {
		t.Errorf("unknown binary should be skipped with a reason: %+v", junk)
	}
	// docs get returns the original bytes.
	out := filepath.Join(t.TempDir(), "orig.html")
	if _, _, err := runCLI(t, env, "docs", "get", itoa(page.ID), "-o", out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, b) {
		t.Fatal("docs get did not return the original bytes")
	}
	// Rerunning the same ingest adds nothing.
	sum, err := ingestJSON(t, env, leak)
	if err != nil && exitCode(err) != exitPartial {
		t.Fatal(err)
	}
	if sum.New != 0 || sum.NewPaths != 0 {
		t.Fatalf("rerun added %d documents and %d paths, want none", sum.New, sum.NewPaths)
	}
	if second := listDocs(t, env); len(second) != len(first) {
		t.Fatalf("rerun changed the document count from %d to %d", len(first), len(second))
	}
}

// ingestSummary is the part of 'ingest --json' the tests read.
type ingestSummary struct {
	Documents  int `json:"documents"`
	New        int `json:"new"`
	Duplicates int `json:"duplicates"`
	Retried    int `json:"retried"`
	NewPaths   int `json:"new_paths"`
}

// ingestJSON runs 'ingest --quiet --json' with extra arguments and returns
// its summary and error.
func ingestJSON(t *testing.T, env map[string]string, args ...string) (ingestSummary, error) {
	t.Helper()
	out, _, err := runCLI(t, env, append([]string{"ingest", "--quiet", "--json"}, args...)...)
	var sum ingestSummary
	if jerr := json.Unmarshal([]byte(out), &sum); jerr != nil && err == nil {
		t.Fatalf("ingest --json printed no summary: %v\n%s", jerr, out)
	}
	return sum, err
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestIngestKillAndRerun kills an ingest with SIGKILL at several points,
// reruns it, and checks the result equals an uninterrupted ingest.
func TestIngestKillAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "corpus.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Corpus(f, 3, 600, 60); err != nil {
		t.Fatal(err)
	}
	f.Close()
	summary := func(env map[string]string) []string {
		var out []string
		for _, d := range listDocs(t, env) {
			if !d.Complete {
				t.Errorf("document %d incomplete after rerun", d.ID)
			}
			out = append(out, d.SHA256+" "+strings.Join(d.Paths, "|")+" "+d.Status)
		}
		sort.Strings(out)
		return out
	}
	clean := testEnv(t)
	runCLI(t, clean, "init")
	if _, _, err := runCLI(t, clean, "ingest", "--quiet", zipPath); err != nil && exitCode(err) != exitPartial {
		t.Fatal(err)
	}
	want := summary(clean)

	env := testEnv(t)
	runCLI(t, env, "init")
	exe, _ := os.Executable()
	stored := 0
	// Before the first commit, mid-batch after some, and near the end; each
	// rerun starts where the killed one left off, so the points add up.
	for _, at := range []int{10, 140, 420} {
		cmd := exec.Command(exe, "ingest", "--quiet", zipPath)
		cmd.Args[0] = "antidote"
		cmd.Env = append(os.Environ(), killAtDocEnv+"="+strconv.Itoa(at))
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("ingest killed at document %d was not killed mid-run: %v\n%s", at, err, out)
		}
		n := len(listDocs(t, env))
		if n < stored || n >= len(want) {
			t.Fatalf("after a kill at document %d the workspace holds %d documents (before: %d, complete ingest: %d): the kill did not land mid-ingest", at, n, stored, len(want))
		}
		stored = n
	}
	if stored == 0 {
		t.Fatal("no kill landed after a commit: nothing was stored before the last rerun")
	}
	sum, err := ingestJSON(t, env, zipPath)
	if err != nil && exitCode(err) != exitPartial {
		t.Fatal(err)
	}
	// The summary adds up: each document is new, already stored, or one a
	// killed run left incomplete.
	if sum.New+sum.Duplicates+sum.Retried != sum.Documents || sum.Retried == 0 {
		t.Errorf("rerun summary %+v does not add up (or retried nothing after kills)", sum)
	}
	got := summary(env)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after kill -9 and rerun the workspace differs from a clean ingest: %d vs %d documents", len(got), len(want))
	}
}
