package synth

import (
	"fmt"
	"strings"
)

// A doc is format-neutral content: the same doc renders as a Confluence page,
// a PDF, a DOCX or plain text, so every format carries the same identifiers.
type doc struct {
	Title       string
	Crumbs      []string // breadcrumb trail above the page, from "Home"
	Author      string
	Editor      string
	Date        string // last modification, "Mar 10, 2016"
	PageID      int
	Blocks      []block
	Attachments []string // file names listed under the page
	ids         plants
}

type blockKind int

const (
	headingBlock blockKind = iota
	paraBlock
	tableBlock // rows[0] is the header row
	codeBlock
	listBlock
)

type block struct {
	kind  blockKind
	text  string     // heading, paragraph or code text
	rows  [][]string // table
	items []string   // list
}

func (d *doc) heading(s string) { d.Blocks = append(d.Blocks, block{kind: headingBlock, text: s}) }
func (d *doc) para(s string)    { d.Blocks = append(d.Blocks, block{kind: paraBlock, text: s}) }
func (d *doc) table(rows ...[]string) {
	d.Blocks = append(d.Blocks, block{kind: tableBlock, rows: rows})
}
func (d *doc) code(lines ...string) {
	d.Blocks = append(d.Blocks, block{kind: codeBlock, text: strings.Join(lines, "\n")})
}
func (d *doc) list(items ...string) {
	d.Blocks = append(d.Blocks, block{kind: listBlock, items: items})
}
func (d *doc) addTable(rows [][]string) { d.table(rows...) }
func (d *doc) textSize() (n int) {
	for _, b := range d.Blocks {
		n += len(b.text) + 40
		for _, r := range b.rows {
			for _, c := range r {
				n += len(c) + 40
			}
		}
		for _, it := range b.items {
			n += len(it) + 12
		}
	}
	return n
}

func (g *gen) codename() string { return g.pick(codeAdjectives) + " " + g.pick(codeNouns) }

func (g *gen) date() string {
	return fmt.Sprintf("%s %d, %d", g.pick(monthsList)[:3], g.between(1, 28), g.between(2013, 2016))
}

// newDoc starts a page under Home > Engineering Development Group.
func (g *gen) newDoc(title string, crumbs ...string) *doc {
	g.pageID += g.between(3, 900)
	d := &doc{Title: title, PageID: g.pageID, Date: g.date()}
	d.Crumbs = append([]string{"Home", "Engineering Development Group"}, crumbs...)
	d.Author = g.name(&d.ids)
	d.Editor = g.name(&d.ids)
	return d
}

// sentence writes one sentence of exploit-development prose about pr,
// planting the identifiers it mentions in d.
func (g *gen) sentence(d *doc, pr *product, tool string) string {
	p := &d.ids
	switch g.r.IntN(16) {
	case 0:
		return fmt.Sprintf("%s achieves %s on %s by chaining %s with a %s in %s.",
			tool, g.pick(capabilities), g.pick(pr.Ranges), g.cve(), g.pick(bugClasses), g.pick(pr.Components))
	case 1:
		return fmt.Sprintf("The implant beacons to the listening post at %s every %d minutes and falls back to %s when the primary LP is unreachable.",
			g.ipv4As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), "url"), g.between(5, 120), g.ipv4(p))
	case 2:
		return fmt.Sprintf("Tested on a %s (Wi-Fi MAC %s) in the lab range %s; the exploit succeeded in %d of %d runs.",
			g.pick(pr.Devices), g.mac(p), g.ipv4As(p, ScopePrivate, "cidr"), g.between(7, 10), 10)
	case 3:
		s := g.person(p)
		return fmt.Sprintf("Contact %s (%s) before requesting access to the %s repository.", s.Name, g.staffEmail(p, s), tool)
	case 4:
		return fmt.Sprintf("A vendor report described the %s as exploited in the wild in %s %d; treat %s as burned on anything newer than %s.",
			g.pick(bugClasses), g.pick(monthsList), g.between(2014, 2016), g.cve(), g.pick(pr.Ranges))
	case 5:
		return fmt.Sprintf("Collected data is staged on %s before transfer over %s.", g.ipv6(p), g.pick([]string{"HTTPS", "DNS tunneling", "an SMB share", "a covert TLS channel"}))
	case 6:
		return fmt.Sprintf("Persistence is achieved by %s; the implant survives %s.",
			g.pick([]string{"patching the boot loader", "a launch daemon disguised as a system update agent", "replacing a firmware module", "a scheduled task that re-registers the service", "writing to the recovery partition"}),
			g.pick([]string{"reboots", "factory resets", "firmware updates", "OS upgrades up to the next major release"}))
	case 7:
		return fmt.Sprintf("%s confirmed the sandbox escape works against %s builds with %s hardened.", g.name(p), g.family(pr), g.pick(pr.Components))
	case 8:
		return fmt.Sprintf("The loader drops the payload to /var/tmp/.%s and removes itself after %d seconds; no artifacts remain in the system logs.", g.chars("abcdefghijklmnopqrstuvwxyz", 6), g.between(5, 90))
	case 9:
		return fmt.Sprintf("Operators must not reuse LP %s after %s %d; it was reported to an abuse desk.", g.ipv4As(p, ScopePublic, g.pick([]string{"plain", "defanged", "port"})), g.pick(monthsList), g.between(2014, 2016))
	case 10:
		return fmt.Sprintf("The listening post also answers on %s for targets on IPv6-only carriers.", g.ipv6As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), "bracketed"))
	case 11:
		return fmt.Sprintf("Build server access for the %s team uses %s until the next rotation.", tool, g.password(p))
	case 12:
		return fmt.Sprintf("Note: %s holds the only copy of the signing key; ask before tagging a release.", g.name(p))
	case 13:
		return fmt.Sprintf("This capability was %s and has been used in %d operations against %s targets.", g.pick(sources), g.between(1, 40), g.family(pr))
	case 14:
		return fmt.Sprintf("The target's gateway %s (MAC %s) forwards management traffic from %s.", g.ipv4As(p, ScopePrivate, "plain"), g.mac(p), g.ipv4(p))
	default:
		return fmt.Sprintf("The %s in %s gives %s on %s; the fix shipped in a later release without an advisory.",
			g.pick(bugClasses), g.pick(pr.Components), g.pick(capabilities), g.pick(pr.Ranges))
	}
}

func (g *gen) paragraph(d *doc, pr *product, tool string) string {
	n := g.between(2, 5)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence(d, pr, tool)
	}
	return strings.Join(s, " ")
}

// capabilityTable lists exploits for pr.
func (g *gen) capabilityTable(d *doc, pr *product) {
	rows := [][]string{{"Product", "Versions", "Vector", "CVE", "Status"}}
	for range g.between(2, 5) {
		rows = append(rows, []string{g.family(pr), g.pick(pr.Ranges), g.pick(capabilities) + " via " + g.pick(pr.Components), g.cve(), g.pick(statuses)})
	}
	d.addTable(rows)
}

// deviceTable lists lab devices with their addresses.
func (g *gen) deviceTable(d *doc, pr *product) {
	p := &d.ids
	rows := [][]string{{"Device", "Firmware", "IP", "MAC", "Owner"}}
	for range g.between(2, 6) {
		ip := g.ipv4As(p, g.pick([]string{ScopePrivate, ScopePrivate, ScopeLinkLocal}), "plain")
		if g.chance(0.3) {
			ip += " / " + g.ipv6As(p, g.pick([]string{ScopePrivate, ScopeLinkLocal}), g.pick([]string{"plain", "zone"}))
		}
		rows = append(rows, []string{g.pick(pr.Devices), g.pick(pr.Ranges), ip, g.mac(p), g.name(p)})
	}
	d.addTable(rows)
}

// infraTable lists listening posts and relays.
func (g *gen) infraTable(d *doc) {
	p := &d.ids
	rows := [][]string{{"Role", "IPv4", "IPv6", "Notes"}}
	for range g.between(2, 5) {
		rows = append(rows, []string{
			g.pick([]string{"LP (primary)", "LP (fallback)", "redirector", "exfil relay", "update server", "jump host"}),
			g.ipv4As(p, g.pick([]string{ScopePublic, ScopePublic, ScopeDocumentation}), g.pick([]string{"plain", "port", "defanged"})),
			g.ipv6As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), g.pick([]string{"plain", "expanded", "bracketed", "cidr"})),
			g.infraNote(p),
		})
	}
	d.addTable(rows)
}

// configCode writes a code block of commands or configuration with secrets.
func (g *gen) configCode(d *doc) {
	p := &d.ids
	switch g.r.IntN(4) {
	case 0:
		d.code(
			"# deploy the listening post",
			fmt.Sprintf("ssh -p %d operator@%s", g.pick4(ports), g.ipv4As(p, ScopePublic, "plain")),
			"export API_TOKEN="+g.token(p),
			fmt.Sprintf("curl -sk -H \"Authorization: token %s\" %s", g.token(p), g.ipv4As(p, g.scope(), "url")),
			"./lp-ctl --listen "+g.ipv6As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), "bracketed"),
		)
	case 1:
		d.code(
			"# RouterOS implant staging",
			"/ip address add address="+g.ipv4As(p, ScopePrivate, "plain")+"/24 interface=ether1",
			"/ip route add gateway="+g.ipv4As(p, ScopePrivate, "plain"),
			"/user add name=support group=full "+g.password(p),
			"/tool fetch url="+g.ipv4As(p, ScopePublic, "url")+" dst-path=flash/upd.npk",
			"/interface ethernet set ether1 mac-address="+g.macColon(p),
		)
	case 2:
		d.code(
			"[implant]",
			"beacon_url = "+g.ipv4As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), "url"),
			"fallback = "+g.ipv6As(p, ScopePublic, "url"),
			"interval = "+fmt.Sprint(g.between(60, 3600)),
			"api_key = "+g.token(p),
			g.password(p),
			"operator = "+g.email(p),
		)
	default:
		d.code(
			"import socket, struct",
			fmt.Sprintf("TARGET = (%q, %d)", g.ipv4As(p, ScopePrivate, "plain"), g.pick4(ports)),
			"LP = \""+g.ipv6(p)+"\"",
			"def spray(sock, n):",
			"    for i in range(n):",
			"        sock.send(struct.pack('<IQ', 0x41414141, i))",
			"# token for the results upload: "+g.token(p),
		)
	}
}

// macColon plants a MAC in colon notation.
func (g *gen) macColon(p *plants) string {
	for {
		before := len(*p)
		m := g.mac(p)
		if (*p)[before].Form == "colon" {
			return m
		}
		*p = (*p)[:before]
	}
}

// toolPage is the main page of a tool or exploit, grown to about target bytes
// of text.
func (g *gen) toolPage(target int) *doc {
	pr := g.product()
	tool := g.codename()
	sec := sections[g.r.IntN(len(sections)-2)]
	d := g.newDoc(tool+" - "+g.family(pr), sec.Name, sec.Sub)
	d.para(fmt.Sprintf("%s is a capability of the %s for %s. It provides %s on %s.", tool, g.pick(branches), g.family(pr), g.pick(capabilities), g.pick(pr.Ranges)))
	d.para(g.paragraph(d, pr, tool))
	d.heading("Capabilities")
	g.capabilityTable(d, pr)
	d.heading("Lab Setup")
	d.para(g.paragraph(d, pr, tool))
	g.deviceTable(d, pr)
	d.heading("Deployment")
	g.configCode(d)
	d.heading("Points of Contact")
	poc := g.person(&d.ids)
	d.list(poc.Name+" ("+g.staffEmail(&d.ids, poc)+"), developer", g.name(&d.ids)+", tester", "Tasking: "+g.email(&d.ids))
	g.grow(d, pr, tool, target)
	d.Attachments = []string{strings.ToLower(strings.ReplaceAll(tool, " ", "_")) + "_user_guide.pdf", "test_matrix.xlsx"}
	return d
}

// grow adds sections until the doc holds about target bytes of text.
func (g *gen) grow(d *doc, pr *product, tool string, target int) {
	heads := []string{"Notes", "Known Issues", "Test Results", "Operational Use", "Detection Risk", "History", "Open Questions"}
	for d.textSize() < target {
		d.heading(g.pick(heads))
		d.para(g.paragraph(d, pr, tool))
		switch g.r.IntN(4) {
		case 0:
			g.deviceTable(d, pr)
		case 1:
			g.configCode(d)
		case 2:
			g.infraTable(d)
		default:
			d.para(g.paragraph(d, pr, tool))
		}
	}
}

// meetingPage is a page of meeting notes with attendees and action items.
func (g *gen) meetingPage(target int) *doc {
	pr := g.product()
	tool := g.codename()
	d := g.newDoc(fmt.Sprintf("%s %d Sync", g.pick(monthsList), g.between(2014, 2016)), "Meeting Notes", "2016")
	p := &d.ids
	d.heading("Attendees")
	var att []string
	for range g.between(3, 6) {
		att = append(att, g.name(p))
	}
	d.list(att...)
	d.heading("Discussion")
	d.para(g.paragraph(d, pr, tool))
	d.heading("Action Items")
	rows := [][]string{{"Owner", "Item", "Due"}}
	for range g.between(2, 5) {
		rows = append(rows, []string{g.name(p), g.pick([]string{"port the exploit to", "retest against", "write the user guide for", "retire the LP used for", "ask the vendor liaison about"}) + " " + g.family(pr), g.date()})
	}
	d.addTable(rows)
	g.grow(d, pr, tool, target)
	return d
}

// infraPage describes listening posts and credentials.
func (g *gen) infraPage(target int) *doc {
	pr := g.product()
	tool := g.codename()
	d := g.newDoc("Listening Post Infrastructure", "Lab Infrastructure", "Test Range")
	d.para("Addresses below are live. Do not paste them into tickets; use the LP handle instead.")
	g.infraTable(d)
	d.heading("Credentials")
	d.code("# jump host", "host = "+g.ipv4As(&d.ids, ScopePublic, "port"), "user = ops", g.password(&d.ids), "token = "+g.token(&d.ids))
	d.heading("Range")
	d.para(g.paragraph(d, pr, tool))
	g.grow(d, pr, tool, target)
	return d
}

// staffPage is the directory of every staff member.
func (g *gen) staffPage() *doc {
	d := g.newDoc("EDG Staff Directory", "Operational Support Branch")
	d.para("Internal directory of the Engineering Development Group. Keep it current; badge office reconciles it quarterly.")
	rows := [][]string{{"Name", "Branch", "E-mail", "Phone", "Room"}}
	for _, s := range g.staff {
		d.ids.add(KindName, s.Name, s.Name, "plain", "")
		rows = append(rows, []string{s.Name, s.Branch, g.staffEmail(&d.ids, s), s.Phone, s.Room})
	}
	d.addTable(rows)
	return d
}

// homePage links the other pages.
func (g *gen) homePage(children []*doc) *doc {
	d := g.newDoc("Engineering Development Group")
	d.Crumbs = []string{"Home"}
	d.para("Welcome to the EDG space. Tools, exploits and lab notes are organised by branch; see the staff directory for points of contact.")
	d.heading("Child Pages")
	var items []string
	for _, c := range children {
		items = append(items, c.Title)
	}
	d.list(items...)
	return d
}

func (g *gen) infraNote(p *plants) string {
	if g.chance(0.3) {
		return "admin: " + g.email(p)
	}
	return g.pick([]string{"rotated monthly", "shared with OSB", "burned, do not use", "hosted by a front company"})
}
