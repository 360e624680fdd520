package extract

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// qualityFloors are the least word recall and precision, per format, of
// antidote's text against the reference extractor's over the corpus in
// testdata/corpus (documents from Debian packages and Go modules; see
// testdata/corpus/SOURCES). The references were made by regen-refs.sh.
var qualityFloors = map[string]struct{ recall, precision float64 }{
	".doc": {0.95, 0.95},
	// xls2csv prints numbers in their cell format (1234.68); antidote
	// prints the stored value (1234.6789), and sheet names.
	".xls": {0.85, 0.70},
	// catppt prints the slides' placeholders only; antidote also reads
	// text boxes of diagrams and the speaker notes, words catppt lacks:
	// precision against it says little.
	".ppt": {0.95, 0.40},
	".rtf": {0.95, 0.95},
	".odt": {0.95, 0.95},
	".ods": {0.95, 0.85},
	".odp": {0.95, 0.95},
	// msgconvert's MIME structure (boundaries, "7bit") is no text.
	".msg": {0.90, 0.70},
}

// minRefWords is the size under which a reference is not used: the
// reference tools fail silently on some documents (catppt on PowerPoint
// 2007 files, xls2csv on some workbooks).
const minRefWords = 10

var odt2txtImage = regexp.MustCompile(`\[-- Image: [^\]]*--\]`)

// missing lists up to n words of ref that ours lacks.
func missing(ours, ref map[string]int, n int) []string {
	var out []string
	for w, c := range ref {
		if ours[w] < c && len(out) < n {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// words counts the words of s: runs of letters and digits, lowercased.
func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		m[strings.ToLower(w)]++
	}
	return m
}

// overlap returns the words two counts share, and the totals of each.
func overlap(ours, ref map[string]int) (common, nOurs, nRef int) {
	for w, n := range ref {
		nRef += n
		common += min(n, ours[w])
	}
	for _, n := range ours {
		nOurs += n
	}
	return common, nOurs, nRef
}

func TestExtractionQuality(t *testing.T) {
	refs, err := filepath.Glob("testdata/corpus/*.ref.txt")
	if err != nil || len(refs) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	type tally struct{ common, ours, ref, docs int }
	per := map[string]*tally{}
	for _, refPath := range refs {
		name := strings.TrimSuffix(refPath, ".ref.txt")
		ref, err := os.ReadFile(refPath)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// odt2txt marks images with "[-- Image: name --]".
		refWords := words(odt2txtImage.ReplaceAllString(string(ref), " "))
		r := walkBytes(t, filepath.Base(name), data, Options{})
		root := r.docs[0]
		if root.err != nil {
			t.Errorf("%s: %v", name, root.err)
		}
		// The reference tools label nothing: the labels antidote adds
		// are left out of the count.
		text := root.text
		for _, l := range []string{labelComment, labelDeleted, labelNotes, labelHidden, labelSheet} {
			text = strings.ReplaceAll(text, l, " ")
		}
		ourWords := words(text)
		common, nOurs, nRef := overlap(ourWords, refWords)
		if nRef < minRefWords {
			t.Logf("%-40s reference has %d words: not counted (antidote: %d)", filepath.Base(name), nRef, nOurs)
			continue
		}
		ext := filepath.Ext(name)
		if per[ext] == nil {
			per[ext] = &tally{}
		}
		p := per[ext]
		p.common, p.ours, p.ref, p.docs = p.common+common, p.ours+nOurs, p.ref+nRef, p.docs+1
		t.Logf("%-40s recall %.3f precision %.3f (%d words, reference %d) missing %q", filepath.Base(name),
			float64(common)/float64(nRef), float64(common)/float64(max(nOurs, 1)), nOurs, nRef, missing(ourWords, refWords, 8))
	}
	exts := make([]string, 0, len(per))
	for ext := range per {
		exts = append(exts, ext)
	}
	sort.Strings(exts)
	for _, ext := range exts {
		p := per[ext]
		recall, precision := float64(p.common)/float64(p.ref), float64(p.common)/float64(max(p.ours, 1))
		t.Logf("%s: %d documents, word recall %.3f, precision %.3f", ext, p.docs, recall, precision)
		floor, ok := qualityFloors[ext]
		if !ok {
			t.Errorf("%s: no floor set", ext)
			continue
		}
		if recall < floor.recall || precision < floor.precision {
			t.Errorf("%s: recall %.3f precision %.3f, floors %.2f and %.2f", ext, recall, precision, floor.recall, floor.precision)
		}
	}
	for ext := range qualityFloors {
		if per[ext] == nil {
			t.Errorf("%s: no document in the corpus", ext)
		}
	}
}
