package search

import "slices"

// reranked is how many of the best BM25 hits get the proximity boost.
const reranked = 200

type scored struct {
	doc    int64
	score  float64
	clause int // the clause whose proximity counts
}

func byScore(a, b scored) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.doc < b.doc:
		return -1
	case a.doc > b.doc:
		return 1
	}
	return 0
}

// bestFirst moves the k best hits, in order, to the front of hits (a
// bounded heap: a common word's hundred thousand hits are not sorted).
func bestFirst(hits []scored, k int) []scored {
	if k == 0 {
		return hits
	}
	if len(hits) <= 4*k {
		slices.SortFunc(hits, byScore)
		return hits
	}
	// h is a min-heap (worst at the root) of the k best so far.
	h := slices.Clone(hits[:k])
	worse := func(i, j int) bool { return byScore(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(r, l) {
				m = r
			}
			if !worse(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range hits[k:] {
		if byScore(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, byScore)
	return h
}
