package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// bleveRun is the peer: a bleve index (default mapping, its standard
// analyser, scored with BM25 or TF-IDF) of the same documents. It exists
// only in this benchmark; antidote never writes a bleve index.
//
// bleve.NewMemOnly is the upsidedown index over a gtreap key-value store:
// it indexed 40 MB in 856 s in an earlier run, and it cannot score with
// BM25 (upsidedown does not count field lengths, so bleve's BM25 sees an
// average document length of zero). The peer is therefore scorch, bleve's
// default index, in a directory on a tmpfs (/dev/shm): held in memory,
// merged by scorch's own merger, then forced into one segment as
// antidote's index optimize merges into one.
type bleveRun struct {
	model string // "bm25" or "tf-idf"
	idx   bleve.Index
	dir   string
}

// newBleve indexes docs into a new scorch index under dir, scored by
// model ("bm25" or "tf-idf"); with no dir, into bleve.NewMemOnly (TF-IDF
// only).
func newBleve(docs []doc, dir, model string) (*bleveRun, error) {
	m := bleve.NewIndexMapping()
	if model == "bm25" {
		m.ScoringModel = "bm25"
	}
	var idx bleve.Index
	var err error
	var path string
	if dir == "" {
		if model == "bm25" {
			return nil, fmt.Errorf("bleve.NewMemOnly cannot score with BM25: give -bleve-dir")
		}
		idx, err = bleve.NewMemOnly(m)
	} else {
		path = filepath.Join(dir, fmt.Sprintf("antidote-search-bench-bleve-%s-%d", model, os.Getpid()))
		os.RemoveAll(path)
		idx, err = bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
	}
	if err != nil {
		return nil, err
	}
	for b := 0; b < len(docs); b += 1000 {
		batch := idx.NewBatch()
		for i := b; i < min(b+1000, len(docs)); i++ {
			if err := batch.Index(strconv.Itoa(i), map[string]any{"text": string(docs[i].text)}); err != nil {
				return nil, err
			}
		}
		if err := idx.Batch(batch); err != nil {
			return nil, err
		}
	}
	return &bleveRun{model: model, idx: idx, dir: path}, nil
}

// merge forces a scorch index into one segment.
func (p *bleveRun) merge() error {
	if p.dir == "" {
		return nil
	}
	adv, err := p.idx.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return fmt.Errorf("bleve index is %T, not scorch", adv)
	}
	return s.ForceMerge(context.Background(), nil)
}

// size is the index's bytes on the tmpfs.
func (p *bleveRun) size() int64 {
	var n int64
	filepath.WalkDir(p.dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func (p *bleveRun) close() {
	p.idx.Close()
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// bleveQuery writes q in bleve's query-string syntax with every part
// required, as antidote's implied AND.
func bleveQuery(q string) bquery.Query {
	var parts []string
	for _, f := range splitQuery(q) {
		parts = append(parts, "+"+f)
	}
	return bleve.NewQueryStringQuery(strings.Join(parts, " "))
}

// splitQuery cuts a benchmark query into words and quoted phrases and
// escapes bleve's operator characters inside them.
func splitQuery(q string) []string {
	var out []string
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		if q[0] == '"' {
			end := strings.IndexByte(q[1:], '"') + 1
			out = append(out, `"`+escape(q[1:end])+`"`)
			q = q[end+1:]
			continue
		}
		end := strings.IndexByte(q, ' ')
		if end < 0 {
			end = len(q)
		}
		w := q[:end]
		q = q[end:]
		if strings.HasSuffix(w, "*") {
			out = append(out, escape(strings.TrimSuffix(w, "*"))+"*")
		} else {
			out = append(out, escape(w))
		}
	}
	return out
}

func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`+-=&|><!(){}[]^"~*?:\/ `, r) && r != ' ' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// compare runs the queries on bleve (one page of 20 with highlighted
// fragments) and returns per class its latencies and the mean top-10
// overlap with antidote's hits (ours, by query; corpus maps a store id to
// a corpus index).
func (p *bleveRun) compare(queries []query, ours map[string][]int64, corpus func(int64) int) (map[string][]float64, map[string]float64) {
	ms := map[string][]float64{}
	sum := map[string]float64{}
	n := map[string]int{}
	for _, q := range queries {
		req := bleve.NewSearchRequestOptions(bleveQuery(q.q), 20, 0, false)
		req.Highlight = bleve.NewHighlight()
		s := time.Now()
		res, err := p.idx.Search(req)
		if err != nil {
			panic(fmt.Sprintf("bleve %q: %v", q.q, err))
		}
		ms[q.class] = append(ms[q.class], msSince(s))
		theirs := map[int]bool{}
		for _, h := range res.Hits[:min(10, len(res.Hits))] {
			i, _ := strconv.Atoi(h.ID)
			theirs[i] = true
		}
		mine := ours[q.q]
		if len(mine) == 0 && len(theirs) == 0 {
			continue
		}
		common := 0
		for _, id := range mine {
			if theirs[corpus(id)] {
				common++
			}
		}
		o := float64(common) / float64(max(len(mine), len(theirs)))
		sum[q.class] += o
		sum["all"] += o
		n[q.class]++
		n["all"]++
	}
	out := map[string]float64{}
	for c, s := range sum {
		out[c] = s / float64(n[c])
	}
	return ms, out
}
