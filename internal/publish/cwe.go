package publish

import (
	_ "embed"
	"strings"
	"sync"
)

// cweNamesTSV is the CWE catalogue's names by number ("787\tOut-of-bounds
// Write"), from the list the OASIS CSAF validator checks names against
// (CSAF test 6.1.11 wants the exact name). CWE is (c) The MITRE
// Corporation, used under its terms of use.
//
//go:embed cwe_names.tsv
var cweNamesTSV string

var cweNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(cweNamesTSV, "\n") {
		if n, name, ok := strings.Cut(l, "\t"); ok {
			m["CWE-"+n] = name
		}
	}
	return m
})

// cweName returns the catalogue name of a CWE ID ("CWE-787"), "" if unknown.
func cweName(id string) string { return cweNames()[id] }
