package detect

import (
	"strings"
	"unicode"
)

// commonWords are ordinary English words that are also given names or
// surnames: a listed name made of them alone ("Will Power", "Rose Bush",
// "Mark") matches ordinary text as well as the person.
var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		will power rose bush mark may june april august grace hope joy faith
		bill frank rich brown green white black gray grey young king queen
		baker cook hunter fisher miller park lane hill wood woods rock stone
		field fields bell ball case price long short little small strong love
		cash gold silver golden penny dawn summer winter spring autumn sky
		star river brook lake ray sunny sandy holly ivy lily daisy iris
		violet ruby pearl amber crystal jewel honey candy cherry berry olive
		hazel heather fern laurel basil sage rowan ash oak birch forest glen
		dale wells moss marsh shore beach bank banks church chapel hall house
		home castle tower bridge ford ward cross page pope bishop knight
		noble earl duke prince marshal major sergeant dean chase hunt bird
		crow swan fox wolf bear lamb hawk drake finch crane robin wren jay
		nightingale best good goodman moody wise gay merry happy jolly bliss
		free freeman carter mason porter shepherd taylor turner walker weaver
		potter gardener farmer fowler archer bowman draper cooper chandler
		sawyer slater thatcher tyler wright day night morning noon storm rain
		snow frost hale gale wind north south east west english french welsh
		irish german bolt nail pike lance spear sword shield arrow bow cliff
		pierce rusty dusty ginger brandy sherry chip buck doe hart stag man
		boy lad lord lady sterling pound mint sugar spice salt pepper wolfe
		powers cole coal rice bean beans pea peas corn wheat barley prize
		roses patience prudence charity mercy constance earnest ernest`) {
		m[w] = true
	}
	return m
}()

// LikelyPhrases returns the 1-based positions of the list entries that are
// also ordinary English words or phrases: every word of the name (split at
// white space and hyphens) is a common word that is also a name, as in
// "Will Power" or "Rose Bush". Such an entry matches ordinary text ("it
// takes will power"); the option "case" ("Will Power | case") makes it
// match only as capitalised. Entries with that option are not returned.
// It never returns the names themselves, which are sensitive.
func LikelyPhrases(list []string) []int {
	var out []int
	for i, raw := range list {
		name, opts, err := parseNameEntry(raw)
		if err != nil || opts.exactCase {
			continue
		}
		words := strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || isHyphen(r) })
		all := len(words) > 0
		for _, w := range words {
			all = all && commonWords[strings.ToLower(w)]
		}
		if all {
			out = append(out, i+1)
		}
	}
	return out
}
