package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two ingests make two index segments; search pages through ranked hits
// with a total and facets, filters them, and index optimize merges the
// segments without changing an answer.
func TestSearchPagesFiltersAndOptimize(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range 5 {
		body := fmt.Sprintf("report %d on the implant", i)
		if i == 3 {
			body = "the weeping angel implant, the weeping angel implant"
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("a%d.txt", i)), []byte(body), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "m.eml"), []byte("From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nDate: Tue, 7 Mar 2017 10:00:00 +0000\r\nSubject: x\r\n\r\nthe implant is ready\r\n"), 0o600)
	if _, _, err := runCLI(t, env, "ingest", filepath.Join(dir, "a0.txt"), filepath.Join(dir, "a1.txt")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "ingest", dir); err != nil {
		t.Fatal(err)
	}
	type result struct {
		Total int `json:"total"`
		Hits  []struct {
			Doc      int64   `json:"doc"`
			Score    float64 `json:"score"`
			Paths    []string
			Snippets []struct {
				Text       string   `json:"text"`
				Highlights [][2]int `json:"highlights"`
			} `json:"snippets"`
		} `json:"hits"`
		Facets map[string][]struct {
			Value string
			Count int
		} `json:"facets"`
	}
	search := func(args ...string) result {
		t.Helper()
		out, _, err := runCLI(t, env, append([]string{"search", "--json"}, args...)...)
		if err != nil {
			t.Fatalf("search %v: %v", args, err)
		}
		var r result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("search --json: %v\n%s", err, out)
		}
		return r
	}
	check := func(stage string) {
		all := search("--limit", "2", "angel implant OR implant")
		if all.Total != 6 || len(all.Hits) != 2 || !strings.HasSuffix(all.Hits[0].Paths[0], "a3.txt") {
			t.Fatalf("%s: first page = %+v", stage, all)
		}
		s := all.Hits[0].Snippets[0]
		if h := s.Highlights[0]; s.Text[h[0]:h[1]] != "weeping" && s.Text[h[0]:h[1]] != "angel" && s.Text[h[0]:h[1]] != "implant" {
			t.Fatalf("%s: highlight %v in %q", stage, h, s.Text)
		}
		last := search("--limit", "2", "--offset", "4", "angel implant OR implant")
		if last.Total != 6 || len(last.Hits) != 2 || last.Hits[1].Score > all.Hits[0].Score {
			t.Fatalf("%s: last page = %+v", stage, last)
		}
		mail := search("--from", "alice@", "--after", "2017-03-01", "implant")
		if mail.Total != 1 || mail.Facets["media_type"][0].Value != "message/rfc822" || mail.Facets["to"][0].Value != "bob@example.org" {
			t.Fatalf("%s: mail filter = %+v", stage, mail)
		}
		if r := search("--type", "text/plain", "--path", filepath.ToSlash(dir)+"/a4", "implant"); r.Total != 1 {
			t.Fatalf("%s: type and path filters = %+v", stage, r)
		}
	}
	check("two segments")
	out, _, err := runCLI(t, env, "index", "optimize")
	if err != nil || !strings.Contains(out, "merged 2 segments") {
		t.Fatalf("index optimize: %v\n%s", err, out)
	}
	check("optimized")
}

// A workspace whose index predates positional segments: search finds
// nothing until the upgrade, and migrate rebuilds the index so the same
// search finds the document again.
func TestMigrateRebuildsIndex(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "memo.txt"), []byte("the weeping angel implant"), 0o600)
	if _, _, err := runCLI(t, env, "ingest", dir); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(env["ANTIDOTE_WORKSPACE"], "antidote.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TABLE index_postings`,
		`DROP TABLE index_segments`,
		`CREATE TABLE postings (term BLOB NOT NULL, docs BLOB NOT NULL)`,
		`DELETE FROM schema_version WHERE version = 10`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if _, _, err := runCLI(t, env, "search", "angel"); err == nil || !strings.Contains(err.Error(), "antidote migrate") {
		t.Fatalf("search on the older schema: %v; want the advice to migrate", err)
	}
	out, _, err := runCLI(t, env, "migrate")
	if err != nil || !strings.Contains(out, "rebuilding it") || !strings.Contains(out, "indexed 1 documents") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, env, "search", "angel"); err != nil || !strings.Contains(out, "memo.txt") || !strings.Contains(out, "1 documents match") {
		t.Fatalf("search after migrate: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, env, "migrate"); err != nil || strings.Contains(out, "Full-text index") {
		t.Fatalf("a second migrate rebuilt again: %v\n%s", err, out)
	}
}
