// Command search-bench measures antidote's sealed full-text search on a
// large corpus: documents extracted from a synthetic leak (internal/synth)
// plus real text from this machine (Debian's documentation under
// /usr/share/doc and the loghub logs), stored and indexed in a workspace
// with its own keys, on SQLite and PostgreSQL. It reports, per backend,
// the index size against the extracted text, the time to merge the
// ingest segments (index optimize), and p50/p99 latency of one page of 20
// results with snippets for one- to three-word queries, phrases and prefix
// queries, in process (a warm engine, as the web console holds it, and a
// cold one) and through the CLI, and where the merged index's bytes go. In
// the same run it builds bleve indexes of the same documents (scorch on a
// tmpfs, scored with BM25 and with TF-IDF) and reports their latency and
// the top-10 overlap on the same queries. The extracted corpus is kept in
// -out and reused by later runs at the same scale.
//
//	go run ./bench/search [-pages 90000] [-pg postgres://...] [-out bench/out] [-no-bleve] [-bleve-dir /dev/shm] [-bleve-models bm25,tf-idf]
package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"

	"antidote/internal/extract"
	"antidote/internal/search"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/synth"
	"antidote/internal/vault"
)

const pass = "search benchmark passphrase"

type doc struct {
	path      string
	mediaType string
	text      []byte
}

func main() {
	pages := flag.Int("pages", 90000, "synthetic pages (plus a tenth as many attachments)")
	pg := flag.String("pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to also run on (empty to skip)")
	outDir := flag.String("out", "bench/out", "scratch directory")
	cliRuns := flag.Int("cli", 40, "queries to time through the CLI")
	skipBleve := flag.Bool("no-bleve", false, "skip the bleve peer")
	bleveDir := flag.String("bleve-dir", "/dev/shm", "directory (a tmpfs) for the bleve peer's scorch indexes; empty for bleve.NewMemOnly (TF-IDF only)")
	bleveModels := flag.String("bleve-models", "bm25,tf-idf", "bleve scoring models to compare with, comma-separated (bm25, tf-idf)")
	corpusOnly := flag.Bool("corpus-only", false, "extract the corpus into -out and stop")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the warm queries to this file")
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o700); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*outDir)
	bin := filepath.Join(abs, "antidote")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/antidote").CombinedOutput(); err != nil {
		log.Fatalf("build antidote: %v\n%s", err, out)
	}
	t0 := time.Now()
	docs, err := corpus(abs, *pages)
	if err != nil {
		log.Fatal(err)
	}
	var textBytes int64
	for _, d := range docs {
		textBytes += int64(len(d.text))
	}
	var synthBytes int64
	for _, d := range docs[:synthCount] {
		synthBytes += int64(len(d.text))
	}
	log.Printf("synthetic: %d documents, %.1f MB of text", synthCount, float64(synthBytes)/1e6)
	log.Printf("corpus: %d documents, %.1f MB of text, built in %.0f s", len(docs), float64(textBytes)/1e6, time.Since(t0).Seconds())
	if *corpusOnly {
		return
	}
	queries := makeQueries(docs)

	var peers []*bleveRun
	if !*skipBleve {
		for _, model := range strings.Split(*bleveModels, ",") {
			t0 = time.Now()
			p, err := newBleve(docs, *bleveDir, model)
			if err != nil {
				log.Fatal(err)
			}
			defer p.close()
			indexS := time.Since(t0).Seconds()
			t0 = time.Now()
			if err := p.merge(); err != nil {
				log.Fatal(err)
			}
			log.Printf("bleve %s: indexed in %.0f s, merged into one segment in %.0f s, %.1f MB in %s (load %s)",
				model, indexS, time.Since(t0).Seconds(), float64(p.size())/1e6, cmp.Or(*bleveDir, "memory"), loadAvg())
			fmt.Printf("bleve %s (%s): indexed in %.0f s, merged in %.0f s, %.1f MB\n", model, cmp.Or(*bleveDir, "NewMemOnly"), indexS, time.Since(t0).Seconds(), float64(p.size())/1e6)
			peers = append(peers, p)
		}
	}

	fmt.Printf("load average at start: %s\n", loadAvg())
	fmt.Printf("corpus: %d documents (%d synthetic pages and attachments, the rest real text), %.1f MB of extracted text\n\n", len(docs), synthCount, float64(textBytes)/1e6)
	fmt.Println("| backend | index MB (sealed) | index / text | segments before | optimize s | class | queries | warm p50 ms | warm p99 ms | cold p50 ms | CLI p50 ms | CLI p99 ms | bleve p50 ms | bleve p99 ms | top-10 overlap |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	backends := []string{""}
	if *pg != "" {
		backends = append(backends, *pg)
	}
	for _, dsn := range backends {
		if err := runBackend(abs, bin, dsn, docs, textBytes, queries, peers, *cliRuns); err != nil {
			log.Fatal(err)
		}
	}
}

var (
	synthCount int
	cpuProfile string
)

// corpus extracts the synthetic leak and adds real text. The extracted
// corpus is kept in dir (search-corpus-N.docs) and read back by later
// runs, so that runs at the same scale measure the same documents without
// extracting them again.
func corpus(dir string, pages int) ([]doc, error) {
	cache := filepath.Join(dir, fmt.Sprintf("search-corpus-%d.docs", pages))
	if docs, n, err := readCorpus(cache); err == nil {
		synthCount = n
		return docs, nil
	}
	docs, err := extractCorpus(dir, pages)
	if err != nil {
		return nil, err
	}
	return docs, writeCorpus(cache, docs, synthCount)
}

// The cache format: the synthetic count, then per document its path,
// media type and text, each a uvarint length and bytes.
func writeCorpus(name string, docs []doc, synthetic int) error {
	var b []byte
	b = binary.AppendUvarint(b, uint64(synthetic))
	for _, d := range docs {
		for _, f := range [][]byte{[]byte(d.path), []byte(d.mediaType), d.text} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	if err := os.WriteFile(name+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

func readCorpus(name string) ([]doc, int, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, 0, err
	}
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, 0, fmt.Errorf("%s: damaged", name)
	}
	b = b[k:]
	var docs []doc
	for len(b) > 0 {
		p, ok1 := next()
		mt, ok2 := next()
		text, ok3 := next()
		if !ok1 || !ok2 || !ok3 {
			return nil, 0, fmt.Errorf("%s: damaged", name)
		}
		docs = append(docs, doc{path: string(p), mediaType: string(mt), text: text})
	}
	return docs, int(n), nil
}

// extractCorpus generates and extracts the synthetic leak and adds real
// text.
func extractCorpus(dir string, pages int) ([]doc, error) {
	zipPath := filepath.Join(dir, fmt.Sprintf("search-corpus-%d.zip", pages))
	if _, err := os.Stat(zipPath); err != nil {
		f, err := os.Create(zipPath + ".tmp")
		if err != nil {
			return nil, err
		}
		if _, err := synth.Corpus(f, 13, pages, pages/10); err != nil {
			return nil, fmt.Errorf("generate corpus: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		if err := os.Rename(zipPath+".tmp", zipPath); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(zipPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, _ := f.Stat()
	c := &collector{}
	if err := extract.Walk(context.Background(), "leak.zip", f, fi.Size(), extract.Options{}, c); err != nil {
		return nil, err
	}
	synthCount = len(c.docs)
	// Real text: Debian's copyright files and READMEs, and log lines in
	// chunks of 50 (as a leak's log files are often cut).
	err = filepath.WalkDir("/usr/share/doc", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		if name != "copyright" && !strings.HasPrefix(name, "README") && !strings.HasSuffix(name, ".txt") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 || bytes.IndexByte(b, 0) >= 0 || len(b) > 1<<20 {
			return nil
		}
		c.docs = append(c.docs, doc{path: "debian!/" + strings.TrimPrefix(p, "/usr/share/doc/"), mediaType: "text/plain", text: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	logs, _ := filepath.Glob("internal/redact/testdata/loghub/*.log")
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			return nil, err
		}
		lines := strings.SplitAfter(string(b), "\n")
		for i := 0; i < len(lines); i += 50 {
			c.docs = append(c.docs, doc{path: fmt.Sprintf("logs!/%s!/%d", filepath.Base(l), i/50), mediaType: "text/plain",
				text: []byte(strings.Join(lines[i:min(i+50, len(lines))], ""))})
		}
	}
	return c.docs, nil
}

type collector struct{ docs []doc }

func (c *collector) Begin(d *extract.Doc) (bool, error) { return true, nil }
func (c *collector) End(d *extract.Doc) error {
	if len(d.Text) > 0 {
		c.docs = append(c.docs, doc{path: extract.DisplayPath(d.Path), mediaType: d.MediaType, text: bytes.Clone(d.Text)})
	}
	return nil
}

type query struct {
	class string
	q     string
}

// makeQueries draws queries from the corpus itself, so that they match.
func makeQueries(docs []doc) []query {
	r := mrand.New(mrand.NewPCG(42, 42))
	words := func(d doc) []string {
		var out []string
		for _, w := range strings.Fields(string(d.text)) {
			w = strings.Trim(w, `.,;:!?()[]{}<>"'*-`)
			if len([]rune(w)) >= 4 && !strings.ContainsAny(w, `"*-()#=`) && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
				out = append(out, w)
			}
		}
		return out
	}
	pick := func() []string {
		for {
			if w := words(docs[r.IntN(len(docs))]); len(w) >= 4 {
				return w
			}
		}
	}
	var qs []query
	for range 40 {
		w := pick()
		qs = append(qs, query{"1 word", w[r.IntN(len(w))]})
	}
	for range 40 {
		w := pick()
		i := r.IntN(len(w) - 1)
		qs = append(qs, query{"2 words", w[i] + " " + w[i+1+r.IntN(len(w)-i-1)]})
	}
	for range 40 {
		w := pick()
		i := r.IntN(len(w) - 2)
		qs = append(qs, query{"3 words", w[i] + " " + w[i+1] + " " + w[len(w)-1-r.IntN(len(w)-i-2)]})
	}
	for range 40 {
		w := pick()
		i := r.IntN(len(w) - 1)
		qs = append(qs, query{"phrase", `"` + w[i] + " " + w[i+1] + `"`})
	}
	for range 40 {
		w := pick()
		rs := []rune(w[r.IntN(len(w))])
		qs = append(qs, query{"prefix", string(rs[:3+r.IntN(min(3, len(rs)-3)+1)]) + "*"})
	}
	return qs
}

func runBackend(dir, bin, dsn string, docs []doc, textBytes int64, queries []query, peers []*bleveRun, cliRuns int) error {
	ctx := context.Background()
	name := "SQLite"
	if dsn != "" {
		name = "PostgreSQL"
		admin, err := store.Open(ctx, dsn, nil)
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		defer admin.Close()
		var rnd [4]byte
		rand.Read(rnd[:])
		db := "antidote_search_bench_" + hex.EncodeToString(rnd[:])
		if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
			return fmt.Errorf("create benchmark database: %w", err)
		}
		defer admin.DB().ExecContext(context.Background(), "DROP DATABASE "+db+" WITH (FORCE)")
		u, err := url.Parse(dsn)
		if err != nil {
			return err
		}
		u.Path = "/" + db
		dsn = u.String()
	}
	ws := filepath.Join(dir, "search-ws-"+strings.ToLower(name))
	os.RemoveAll(ws)
	env := append(os.Environ(), "ANTIDOTE_WORKSPACE="+ws, "ANTIDOTE_USER=bench", "XDG_RUNTIME_DIR="+dir)
	args := []string{"init"}
	if dsn != "" {
		args = append(args, "--database", dsn)
	}
	if err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), args...); err != nil {
		return err
	}
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
	key := search.TermKey(keys.MAC("index").Sum)

	// Documents and index segments in batches of 1000, as ingest writes.
	t0 := time.Now()
	for b := 0; b < len(docs); b += 1000 {
		err := st.InTx(ctx, func(tx *store.Tx) error {
			ib := search.NewBuilder()
			for i := b; i < min(b+1000, len(docs)); i++ {
				d := docs[i]
				dd := sha256.Sum256(fmt.Append(nil, "search-bench-", i))
				id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
					Meta: store.DocMeta{MediaType: d.mediaType, TextSize: int64(len(d.text))}, Text: d.text})
				if err != nil {
					return err
				}
				pk := sha256.Sum256(fmt.Append(nil, "search-bench-path-", i))
				if _, err := tx.AddPath(ctx, id, 0, pk[:], []string{d.path}); err != nil {
					return err
				}
				f := search.Fields{MediaType: d.mediaType, Status: store.StatusOK, Paths: []string{d.path}}
				if strings.HasPrefix(d.mediaType, "message/") {
					f.From, f.To, f.Date = search.MailFields(d.text)
				}
				ib.Add(id, d.text, f)
			}
			_, err := tx.AddIndexSegment(ctx, ib.Build(key))
			return err
		})
		if err != nil {
			return err
		}
	}
	fillS := time.Since(t0).Seconds()
	before, err := st.IndexStats(ctx)
	if err != nil {
		return err
	}
	eng := search.NewEngine(st, key)
	// The same queries before merging, to show why optimize matters.
	unmergedP50 := 0.0
	{
		var ms []float64
		for _, q := range queries[:40] {
			pq, _ := search.Parse(q.q)
			s := time.Now()
			if _, err := eng.Search(ctx, pq, search.Options{Limit: 20}); err != nil {
				return err
			}
			ms = append(ms, msSince(s))
		}
		unmergedP50 = pct(ms, 50)
	}
	t0 = time.Now()
	if _, err := st.MergeIndex(ctx, key); err != nil {
		return err
	}
	optimizeS := time.Since(t0).Seconds()
	after, err := st.IndexStats(ctx)
	if err != nil {
		return err
	}
	indexBytes := after.PostingsBytes + after.SegmentBytes + 24*int64(after.Blocks) // sealed blobs plus each block row's key and segment id
	log.Printf("%s: filled in %.0f s; %d segments, 1-word p50 %.1f ms before optimize", name, fillS, before.Segments, unmergedP50)

	eng = search.NewEngine(st, key)
	// Warm up: the document table is opened once per engine.
	if _, err := eng.Search(ctx, mustParse("the"), search.Options{Limit: 20}); err != nil {
		return err
	}
	classes := []string{"1 word", "2 words", "3 words", "phrase", "prefix"}
	warm := map[string][]float64{}
	cold := map[string][]float64{}
	ours := map[string][]int64{}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
	}
	cpu0 := cpuTime()
	for _, q := range queries {
		pq := mustParse(q.q)
		s := time.Now()
		res, err := eng.Search(ctx, pq, search.Options{Limit: 20})
		if err != nil {
			return fmt.Errorf("search %q: %w", q.q, err)
		}
		warm[q.class] = append(warm[q.class], msSince(s))
		for _, h := range res.Hits[:min(10, len(res.Hits))] {
			ours[q.q] = append(ours[q.q], h.Doc)
		}
	}
	warmCPU := (cpuTime() - cpu0) / float64(len(queries))
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	for i, q := range queries {
		if i%2 == 1 {
			continue // every other query, so that each class is measured
		}
		s := time.Now()
		if _, err := search.NewEngine(st, key).Search(ctx, mustParse(q.q), search.Options{Limit: 20}); err != nil {
			return err
		}
		cold[q.class] = append(cold[q.class], msSince(s))
	}
	// Through the CLI, in an unlocked session (no KDF per call).
	cli := map[string][]float64{}
	if err := run(bin, append(env, "ANTIDOTE_PASSPHRASE="+pass), "unlock", "--for", "30m"); err != nil {
		return err
	}
	defer run(bin, env, "lock")
	for i := range cliRuns {
		q := queries[(i*len(queries))/cliRuns]
		cmd := exec.Command(bin, "search", "--json", "--limit", "20", q.q)
		cmd.Env = append(env, "ANTIDOTE_PASSPHRASE=")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		s := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("antidote search %s: %v: %s", q.q, err, errb.String())
		}
		cli[q.class] = append(cli[q.class], msSince(s))
		var res struct{ Total int }
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			return fmt.Errorf("search --json: %w", err)
		}
	}
	// The first peer goes in the main table; every peer in its own.
	peerMS := make([]map[string][]float64, len(peers))
	overlaps := make([]map[string]float64, len(peers))
	for i, p := range peers {
		peerMS[i], overlaps[i] = p.compare(queries, ours, docIDs(docs, st))
	}
	var firstMS map[string][]float64
	var overlap map[string]float64
	if len(peers) > 0 {
		firstMS, overlap = peerMS[0], overlaps[0]
	}
	for i, c := range classes {
		first := ""
		if i == 0 {
			first = fmt.Sprintf("| %s | %.1f | %.2f | %d | %.1f ", name, float64(indexBytes)/1e6, float64(indexBytes)/float64(textBytes), before.Segments, optimizeS)
		} else {
			first = "| | | | | "
		}
		fmt.Printf("%s| %s | %d | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s |\n", first, c, len(warm[c]),
			pct(warm[c], 50), pct(warm[c], 99), pct(cold[c], 50), fmtPct(cli[c], 50), fmtPct(cli[c], 99),
			fmtPct(firstMS[c], 50), fmtPct(firstMS[c], 99), fmtOverlap(overlap, c))
	}
	all := func(m map[string][]float64) []float64 {
		var out []float64
		for _, v := range m {
			out = append(out, v...)
		}
		return out
	}
	fmt.Printf("| %s all | | | | | all | %d | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s |\n", name, len(queries),
		pct(all(warm), 50), pct(all(warm), 99), pct(all(cold), 50), fmtPct(all(cli), 50), fmtPct(all(cli), 99),
		fmtPct(all(firstMS), 50), fmtPct(all(firstMS), 99), fmtOverlap(overlap, "all"))
	if len(peers) > 0 {
		fmt.Printf("\n%s beside bleve, by scoring model (the same queries, one page of 20 with highlighting):\n\n", name)
		fmt.Println("| bleve model | class | bleve p50 ms | bleve p99 ms | top-10 overlap |")
		fmt.Println("|---|---|---|---|---|")
		for i, p := range peers {
			for _, c := range append(classes, "all") {
				v := peerMS[i][c]
				if c == "all" {
					v = all(peerMS[i])
				}
				fmt.Printf("| %s | %s | %s | %s | %s |\n", p.model, c, fmtPct(v, 50), fmtPct(v, 99), fmtOverlap(overlaps[i], c))
			}
		}
	}
	fmt.Printf("\n%s: load average after the queries: %s\n", name, loadAvg())
	fmt.Printf("\n%s: mean CPU time of a warm query (one page of 20 with snippets): %.1f ms\n\n", name, warmCPU)
	log.Printf("%s: index %d blocks, %.1f MB postings, %.1f MB tables and dictionaries; 1-word p50 before optimize %.1f ms",
		name, after.Blocks, float64(after.PostingsBytes)/1e6, float64(after.SegmentBytes)/1e6, unmergedP50)
	z, err := st.IndexSizes(ctx)
	if err != nil {
		return err
	}
	printSizes(name, z, indexBytes, textBytes)
	return nil
}

// printSizes says where the merged index's bytes go.
func printSizes(name string, z search.Sizes, total, text int64) {
	sealing := total - z.BlockBytes - z.DocTable - z.Dict
	fmt.Printf("%s: where the index's %.1f MB go (%d terms, %d of them in one document only; %d blocks):\n\n", name, float64(total)/1e6, z.Terms, z.OneDocTerms, z.Blocks)
	fmt.Println("| part | MB | of the index | of the text |")
	fmt.Println("|---|---|---|---|")
	for _, p := range []struct {
		part  string
		bytes int64
	}{
		{"term keys in blocks (96-bit)", z.Keys},
		{"entry lengths in blocks", z.Lengths},
		{"documents and frequencies", z.Docs},
		{"positions", z.Positions},
		{fmt.Sprintf("document tables (%.1f MB uncompressed, %.1f MB of it strings)", float64(z.DocTableRaw)/1e6, float64(z.DocStrings)/1e6), z.DocTable},
		{fmt.Sprintf("dictionaries (%.1f MB uncompressed, %.1f MB of it one-document terms)", float64(z.DictRaw)/1e6, float64(z.OneDocDict)/1e6), z.Dict},
		{"sealing and row keys (nonce, tag, version, 24 B a block row)", sealing},
	} {
		fmt.Printf("| %s | %.1f | %.1f%% | %.1f%% |\n", p.part, float64(p.bytes)/1e6, 100*float64(p.bytes)/float64(total), 100*float64(p.bytes)/float64(text))
	}
	fmt.Println()
}

// docIDs maps the store's document ids back to corpus indexes (ids are
// assigned in insertion order from 1 in a fresh workspace).
func docIDs(docs []doc, _ *store.Store) func(int64) int {
	return func(id int64) int { return int(id - 1) }
}

func mustParse(q string) search.Query {
	pq, err := search.Parse(q)
	if err != nil {
		log.Fatalf("parse %q: %v", q, err)
	}
	return pq
}

// cpuTime returns this process's user and system CPU time in ms: on a
// machine shared with other work, wall-clock latency includes waiting for
// a core, CPU time does not.
func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// loadAvg is the machine's load average (1, 5, 15 minutes), to print
// beside wall-clock latencies on a shared machine.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func pct(v []float64, p int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p+99)/100-1)
	return s[max(i, 0)]
}

func fmtPct(v []float64, p int) string {
	if len(v) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", pct(v, p))
}

func fmtOverlap(o map[string]float64, c string) string {
	if o == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", o[c])
}

func run(bin string, env []string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("antidote %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
