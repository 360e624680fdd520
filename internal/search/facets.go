package search

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

func (f *Filter) match(d *DocEntry, finding bool) bool {
	if len(f.MediaTypes) > 0 && !slices.ContainsFunc(f.MediaTypes, func(t string) bool {
		return t == d.MediaType || strings.HasSuffix(t, "/") && strings.HasPrefix(d.MediaType, t)
	}) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, d.Status) {
		return false
	}
	if f.PathPrefix != "" && !slices.ContainsFunc(d.Paths, func(p string) bool { return strings.HasPrefix(p, f.PathPrefix) }) {
		return false
	}
	if f.From != "" && !containsFolded(d.From, f.From) {
		return false
	}
	if f.To != "" && !containsFolded(d.To, f.To) {
		return false
	}
	if !f.After.IsZero() && (d.Date.IsZero() || d.Date.Before(f.After)) {
		return false
	}
	if !f.Before.IsZero() && (d.Date.IsZero() || !d.Date.Before(f.Before)) {
		return false
	}
	if f.HasFinding != nil && *f.HasFinding != finding {
		return false
	}
	return true
}

func containsFolded(l []string, s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(l, func(v string) bool { return strings.Contains(v, s) })
}

// facetTop is how many values a facet lists at most.
const facetTop = 10

type facets struct {
	mediaType, status, from, to map[string]int
	year                        map[int]int
	finding                     [2]int
}

func newFacets() *facets {
	return &facets{mediaType: map[string]int{}, status: map[string]int{}, from: map[string]int{}, to: map[string]int{}, year: map[int]int{}}
}

func (f *facets) add(d *DocEntry, finding bool) {
	if d.MediaType != "" {
		f.mediaType[d.MediaType]++
	}
	if d.Status != "" {
		f.status[d.Status]++
	}
	for _, s := range d.From {
		f.from[s]++
	}
	for _, s := range d.To {
		f.to[s]++
	}
	if !d.Date.IsZero() {
		f.year[d.Date.Year()]++
	}
	if finding {
		f.finding[1]++
	} else {
		f.finding[0]++
	}
}

func (f *facets) result() map[string][]FacetCount {
	years := map[string]int{}
	for y, n := range f.year {
		years[strconv.Itoa(y)] = n
	}
	out := map[string][]FacetCount{}
	for name, m := range map[string]map[string]int{"media_type": f.mediaType, "status": f.status, "from": f.from, "to": f.to, "year": years,
		"has_finding": {"false": f.finding[0], "true": f.finding[1]}} {
		l := make([]FacetCount, 0, len(m))
		for v, n := range m {
			if n > 0 {
				l = append(l, FacetCount{v, n})
			}
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Count != l[j].Count {
				return l[i].Count > l[j].Count
			}
			return l[i].Value < l[j].Value
		})
		if len(l) > facetTop {
			l = l[:facetTop]
		}
		out[name] = l
	}
	return out
}
