package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// gen holds the state of one generation run. All randomness comes from r, so a
// run is a function of its seed.
type gen struct {
	r        *rand.Rand
	staff    []person
	cves     map[string]bool
	cveList  []string
	products map[string]bool
	pageID   int
}

// person is one entry of the generated staff directory.
type person struct {
	First, Last, Name string
	Email             string
	Branch            string
	Phone             string
	Room              string
}

// seedSalt separates synth's stream from other users of the same seed.
const seedSalt = 0x616e7469646f7465

func newGen(seed int64, staff int) *gen {
	g := &gen{
		r:        rand.New(rand.NewPCG(uint64(seed), seedSalt)),
		cves:     map[string]bool{},
		products: map[string]bool{},
		pageID:   14680064 + int(uint64(seed)%1000)*1000,
	}
	g.staff = g.directory(staff)
	return g
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g *gen) chance(p float64) bool   { return g.r.Float64() < p }
func (g *gen) between(lo, hi int) int  { return lo + g.r.IntN(hi-lo+1) }

// directory makes n staff members with distinct names and e-mail addresses.
func (g *gen) directory(n int) []person {
	n = min(n, len(firstNames)*len(lastNames))
	seen := map[string]bool{}
	var out []person
	for len(out) < n {
		f, l := g.pick(firstNames), g.pick(lastNames)
		name := f + " " + l
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, person{
			First:  f,
			Last:   l,
			Name:   name,
			Email:  strings.ToLower(f+"."+l) + "@" + g.pick(staffDomains),
			Branch: g.pick(branches),
			Phone:  fmt.Sprintf("(703) 555-%04d", g.r.IntN(10000)),
			Room:   fmt.Sprintf("%s-%d%02d", g.pick([]string{"1C", "2B", "3A", "4F", "5E"}), g.between(1, 9), g.r.IntN(100)),
		})
	}
	return out
}

// plants collects the identifiers planted in one piece of text. File and
// Member are filled in when the text is placed in a leak.
type plants []Planted

func (p *plants) add(kind, value, canonical, form, scope string) string {
	*p = append(*p, Planted{Kind: kind, Value: value, Canonical: canonical, Form: form, Scope: scope})
	return value
}

// person picks a staff member and plants the name.
func (g *gen) person(p *plants) person {
	s := g.staff[g.r.IntN(len(g.staff))]
	p.add(KindName, s.Name, s.Name, "plain", "")
	return s
}

func (g *gen) name(p *plants) string { return g.person(p).Name }

// email plants a staff or outside address.
func (g *gen) email(p *plants) string {
	var e string
	if g.chance(0.6) {
		e = g.staff[g.r.IntN(len(g.staff))].Email
	} else {
		e = g.pick(mailboxes) + "@" + g.pick(outsideDomains)
	}
	return p.add(KindEmail, e, strings.ToLower(e), "plain", "")
}

func (g *gen) staffEmail(p *plants, s person) string {
	return p.add(KindEmail, s.Email, strings.ToLower(s.Email), "plain", "")
}

// scope picks an address scope: mostly hosts that look real or internal,
// some documentation ranges, a few special ones.
func (g *gen) scope() string {
	switch x := g.r.IntN(100); {
	case x < 38:
		return ScopePublic
	case x < 74:
		return ScopePrivate
	case x < 92:
		return ScopeDocumentation
	case x < 96:
		return ScopeLoopback
	default:
		return ScopeLinkLocal
	}
}

// publicFirstOctets are unicast /8s that hold ordinary hosts.
var publicFirstOctets = []int{23, 31, 37, 41, 45, 46, 62, 77, 78, 80, 81, 85, 88, 91, 94, 95, 103, 104, 109, 128, 139, 141, 146, 151, 176, 178, 185, 188, 193, 194, 195, 200, 201, 212, 213, 217}

func (g *gen) addr4(scope string) netip.Addr {
	host := byte(g.between(2, 254))
	b := func() byte { return byte(g.r.IntN(256)) }
	switch scope {
	case ScopePrivate:
		switch g.r.IntN(3) {
		case 0:
			return netip.AddrFrom4([4]byte{10, b(), b(), host})
		case 1:
			return netip.AddrFrom4([4]byte{172, byte(g.between(16, 31)), b(), host})
		default:
			return netip.AddrFrom4([4]byte{192, 168, b(), host})
		}
	case ScopeDocumentation:
		nets := [][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}
		n := nets[g.r.IntN(len(nets))]
		return netip.AddrFrom4([4]byte{n[0], n[1], n[2], host})
	case ScopeLoopback:
		return netip.AddrFrom4([4]byte{127, 0, byte(g.r.IntN(2)), byte(g.between(1, 9))})
	case ScopeLinkLocal:
		return netip.AddrFrom4([4]byte{169, 254, byte(g.between(1, 254)), host})
	}
	first := byte(publicFirstOctets[g.r.IntN(len(publicFirstOctets))])
	return netip.AddrFrom4([4]byte{first, b(), b(), host})
}

func (g *gen) addr6(scope string) netip.Addr {
	w := func() uint16 { return uint16(g.r.IntN(1 << 16)) }
	var s [8]uint16
	switch scope {
	case ScopePrivate:
		s = [8]uint16{0xfd00 | uint16(g.r.IntN(256)), w(), w(), uint16(g.r.IntN(16)), 0, 0, 0, uint16(g.between(1, 0x1ff))}
	case ScopeDocumentation:
		s = [8]uint16{0x2001, 0xdb8, uint16(g.r.IntN(0x100)), uint16(g.r.IntN(16)), 0, 0, 0, uint16(g.between(1, 0xff))}
	case ScopeLoopback:
		s = [8]uint16{7: 1}
	case ScopeLinkLocal:
		s = [8]uint16{0xfe80, 0, 0, 0, w() &^ 0x0200, w() | 0x00ff, 0xfe00 | uint16(g.r.IntN(256)), w()}
	default:
		firsts := []uint16{0x2a02, 0x2a03, 0x2a05, 0x2a0b, 0x2604, 0x2607, 0x2620, 0x2803}
		s = [8]uint16{firsts[g.r.IntN(len(firsts))], w(), w(), w(), w(), w(), w(), w()}
		if g.chance(0.5) {
			s[4], s[5], s[6] = 0, 0, 0
		}
	}
	var b [16]byte
	for i, v := range s {
		b[2*i], b[2*i+1] = byte(v>>8), byte(v)
	}
	return netip.AddrFrom16(b)
}

var ports = []int{22, 80, 443, 444, 1723, 4443, 5900, 8000, 8080, 8443, 8888, 9001, 31337, 49152}

var urlPaths = []string{"/", "/beacon", "/api/v2/task", "/up/c2.php", "/cgi-bin/status", "/static/img/logo.gif", "/update/fw.bin", "/jquery.min.js"}

// ipv4 plants an IPv4 address in a random scope and form and returns the text
// to write.
func (g *gen) ipv4(p *plants) string {
	forms := []string{"plain", "plain", "port", "cidr", "url", "defanged"}
	return g.ipv4As(p, g.scope(), g.pick(forms))
}

// ipv4As plants an IPv4 address of the given scope written in the given form.
func (g *gen) ipv4As(p *plants, scope, form string) string {
	a := g.addr4(scope)
	s := a.String()
	switch form {
	case "port":
		p.add(KindIPv4, s, s, form, scope)
		return fmt.Sprintf("%s:%d", s, g.pick4(ports))
	case "cidr":
		bits := []int{16, 24, 24, 28, 30}[g.r.IntN(5)]
		pre := netip.PrefixFrom(a, bits).Masked().String()
		return p.add(KindIPv4, pre, pre, form, scope)
	case "url":
		p.add(KindIPv4, s, s, form, scope)
		scheme := g.pick([]string{"http", "https"})
		if g.chance(0.5) {
			return fmt.Sprintf("%s://%s%s", scheme, s, g.pick(urlPaths))
		}
		return fmt.Sprintf("%s://%s:%d%s", scheme, s, g.pick4(ports), g.pick(urlPaths))
	case "defanged":
		i := strings.LastIndexByte(s, '.')
		d := s[:i] + "[.]" + s[i+1:]
		p.add(KindIPv4, d, s, form, scope)
		if g.chance(0.4) {
			return "hxxp://" + d + g.pick(urlPaths)
		}
		return d
	}
	return p.add(KindIPv4, s, s, "plain", scope)
}

func (g *gen) pick4(xs []int) int { return xs[g.r.IntN(len(xs))] }

var zones = []string{"eth0", "en0", "wlan0", "br-lan", "ens33"}

// ipv6 plants an IPv6 address in a random scope and form.
func (g *gen) ipv6(p *plants) string {
	scope := g.scope()
	forms := []string{"plain", "plain", "expanded", "bracketed", "url", "cidr"}
	form := g.pick(forms)
	if scope == ScopeLinkLocal && g.chance(0.7) {
		form = "zone"
	}
	if scope == ScopeLoopback && (form == "cidr" || form == "expanded") {
		form = "plain"
	}
	return g.ipv6As(p, scope, form)
}

func (g *gen) ipv6As(p *plants, scope, form string) string {
	a := g.addr6(scope)
	s := a.String()
	switch form {
	case "expanded":
		return p.add(KindIPv6, a.StringExpanded(), s, form, scope)
	case "zone":
		z := s + "%" + g.pick(zones)
		return p.add(KindIPv6, z, s, form, scope)
	case "bracketed":
		p.add(KindIPv6, s, s, form, scope)
		return fmt.Sprintf("[%s]:%d", s, g.pick4(ports))
	case "url":
		p.add(KindIPv6, s, s, form, scope)
		return fmt.Sprintf("https://[%s]:%d%s", s, g.pick4(ports), g.pick(urlPaths))
	case "cidr":
		bits := []int{48, 56, 64}[g.r.IntN(3)]
		pre := netip.PrefixFrom(a, bits).Masked().String()
		return p.add(KindIPv6, pre, pre, form, scope)
	}
	return p.add(KindIPv6, s, s, "plain", scope)
}

// ouis are vendor-looking MAC prefixes.
var ouis = [][3]byte{{0xf0, 0x18, 0x98}, {0x8c, 0x77, 0x12}, {0x00, 0x1b, 0x54}, {0x64, 0xd1, 0x54}, {0x28, 0x6c, 0x07}, {0x00, 0x0c, 0x29}, {0xb8, 0x27, 0xeb}, {0x3c, 0x5a, 0xb4}}

// mac plants a MAC address in colon, hyphen or Cisco dot notation.
func (g *gen) mac(p *plants) string {
	o := ouis[g.r.IntN(len(ouis))]
	m := [6]byte{o[0], o[1], o[2], byte(g.r.IntN(256)), byte(g.r.IntN(256)), byte(g.r.IntN(256))}
	canon := fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
	switch g.r.IntN(3) {
	case 0:
		return p.add(KindMAC, canon, canon, "colon", "")
	case 1:
		v := fmt.Sprintf("%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5])
		return p.add(KindMAC, v, canon, "hyphen", "")
	}
	v := fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", m[0], m[1], m[2], m[3], m[4], m[5])
	return p.add(KindMAC, v, canon, "dot", "")
}

const (
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upper32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	hexdig  = "0123456789abcdef"
	digits  = "0123456789"
)

func (g *gen) chars(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

// token plants an API-token-like secret and returns it.
func (g *gen) token(p *plants) string {
	var t string
	switch g.r.IntN(4) {
	case 0:
		t = "AKIA" + g.chars(upper32, 16)
	case 1:
		t = "ghp_" + g.chars(alnum, 36)
	case 2:
		t = "xoxb-" + g.chars(digits, 11) + "-" + g.chars(digits, 13) + "-" + g.chars(alnum, 24)
	default:
		t = g.chars(hexdig, 40)
	}
	return p.add(KindSecret, t, t, "token", "")
}

// password plants a password and returns a "password=..." assignment.
func (g *gen) password(p *plants) string {
	pw := g.pick(pwWords) + g.pick([]string{"!", "#", "%", "*", "_", "-"}) + fmt.Sprint(g.between(1990, 2017)) + g.chars(alnum, 3)
	p.add(KindSecret, pw, pw, "password", "")
	return g.pick([]string{"password=", "password=", "passwd=", "PASSWORD="}) + pw
}

// maxCVEs bounds the distinct CVE IDs of one run; past it IDs repeat, as they
// do across the pages of a real leak, and memory stays bounded.
const maxCVEs = 4000

// cve returns a synthetic CVE ID, fresh until maxCVEs. Numbers are 9xxxx, a
// range that held no records in the years used.
func (g *gen) cve() string {
	if len(g.cveList) >= maxCVEs {
		return g.cveList[g.r.IntN(len(g.cveList))]
	}
	for {
		id := fmt.Sprintf("CVE-%d-9%04d", g.between(2013, 2017), g.r.IntN(10000))
		if !g.cves[id] {
			g.cves[id] = true
			g.cveList = append(g.cveList, id)
			return id
		}
	}
}

// product picks a product family.
func (g *gen) product() *product { return &productList[g.r.IntN(len(productList))] }

// family records that pr is named in the leak and returns its name. Every
// product name written goes through it, so Truth.Products lists exactly the
// families a reader finds.
func (g *gen) family(pr *product) string {
	g.products[pr.Family] = true
	return pr.Family
}

func (g *gen) truthLists() (products, cves []string) {
	for k := range g.products {
		products = append(products, k)
	}
	for k := range g.cves {
		cves = append(cves, k)
	}
	slices.Sort(products)
	slices.Sort(cves)
	return products, cves
}
