package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"antidote/internal/cases"
	"antidote/internal/workspace"
)

func cmdVendor(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "vendor", args, map[string]subcommand{
		"add": cmdVendorAdd, "list": cmdVendorList, "show": cmdVendorShow,
		"edit": cmdVendorEdit, "remove": cmdVendorRemove,
	})
}

func cmdProduct(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "product", args, map[string]subcommand{
		"add": cmdProductAdd, "list": cmdProductList,
		"edit": cmdProductEdit, "remove": cmdProductRemove,
	})
}

// contactFlags collects --contact and --contact-note in command-line
// order: a note belongs to the contact before it.
type contactFlags struct{ list []cases.Contact }

type contactValue struct{ c *contactFlags }
type contactNoteValue struct{ c *contactFlags }

func (v contactValue) String() string { return "" }
func (v contactValue) Set(s string) error {
	v.c.list = append(v.c.list, cases.Contact{Email: s})
	return nil
}
func (v contactNoteValue) String() string { return "" }
func (v contactNoteValue) Set(s string) error {
	if len(v.c.list) == 0 {
		return errors.New("--contact-note must follow the --contact it describes")
	}
	n := &v.c.list[len(v.c.list)-1].Notes
	if *n != "" {
		*n += "\n"
	}
	*n += s
	return nil
}

func cmdVendorAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "vendor add", "vendor add NAME [--contact 'Name <addr>' [--contact-note TEXT]]... [--key FILE]... [--security-txt URL] [--json]")
	w := addWorkspaceFlags(fs)
	var contacts contactFlags
	fs.Var(contactValue{&contacts}, "contact", "security contact e-mail, optionally 'Name <addr>' (repeatable)")
	fs.Var(contactNoteValue{&contacts}, "contact-note", "note on the preceding --contact; stored sealed")
	var keyFiles stringList
	fs.Var(&keyFiles, "key", "file with the vendor's ASCII-armored OpenPGP public key (repeatable)")
	secTxt := fs.String("security-txt", "", "URL of the vendor's security.txt (RFC 9116)")
	jsonOut := fs.Bool("json", false, "print the vendor as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote vendor add NAME [flags] (quote names with spaces)")
	}
	now := time.Now().UTC()
	v := cases.Vendor{Name: fs.Arg(0), Contacts: contacts.list, SecurityTxt: *secTxt, Created: now}
	keys, err := readKeys(keyFiles, now)
	if err != nil {
		return err
	}
	v.Keys = keys
	if err := v.Validate(); err != nil {
		return withExit(exitUsage, err)
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, err = ws.AddVendor(ctx, ws.actor, v)
	if errors.Is(err, workspace.ErrExists) {
		return fmt.Errorf("vendor %s already exists (see 'antidote vendor show %s')", v.Name, quoteName(v.Name))
	}
	if err != nil {
		return err
	}
	id := v.ID
	if *jsonOut {
		return printJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "Added vendor %d: %s (%d contacts, %d keys)\n", id, v.Name, len(v.Contacts), len(v.Keys))
	return nil
}

type vendorListJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	SecurityTxt string   `json:"security_txt,omitempty"`
	Keys        []string `json:"key_fingerprints"`
	Products    []string `json:"products"`
}

func cmdVendorList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "vendor list", "vendor list [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	cat, err := ws.ListVendors(ctx, ws.actor)
	if err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "ID\tNAME\tKEYS\tPRODUCTS\tSECURITY.TXT")
	}
	for _, v := range cat.Vendors {
		j := vendorListJSON{ID: v.ID, Name: v.Name, SecurityTxt: v.SecurityTxt, Keys: []string{}, Products: []string{}}
		for _, k := range v.Keys {
			j.Keys = append(j.Keys, k.Fingerprint)
		}
		for _, p := range cat.Products {
			if p.Vendor == v.ID {
				j.Products = append(j.Products, p.Name)
			}
		}
		if *jsonOut {
			if err := out.put(j); err != nil {
				return err
			}
			continue
		}
		sec := v.SecurityTxt
		if sec == "" {
			sec = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", v.ID, v.Name, len(v.Keys), strings.Join(j.Products, ", "), sec)
	}
	tw.Flush()
	return out.flush()
}

func cmdVendorShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "vendor show", "vendor show NAME|ID [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print as JSON (includes contacts' notes and armored keys)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote vendor show NAME|ID")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, prods, _, err := ws.Vendor(ctx, ws.actor, fs.Arg(0))
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, struct {
			cases.Vendor
			Products []cases.Product `json:"products"`
		}{v, prods})
	}
	fmt.Fprintf(e.stdout, "vendor %d: %s\n", v.ID, v.Name)
	if v.SecurityTxt != "" {
		fmt.Fprintf(e.stdout, "security.txt: %s\n", v.SecurityTxt)
	}
	for _, c := range v.Contacts {
		name := c.Name
		if name != "" {
			name += " "
		}
		fmt.Fprintf(e.stdout, "contact: %s<%s>\n", name, c.Email)
		for _, line := range strings.Split(c.Notes, "\n") {
			if line != "" {
				fmt.Fprintf(e.stdout, "  note: %s\n", line)
			}
		}
	}
	for _, k := range v.Keys {
		fmt.Fprintf(e.stdout, "key: %s %s\n", k.Fingerprint, strings.Join(k.UserIDs, "; "))
	}
	for _, p := range prods {
		fmt.Fprintf(e.stdout, "product %d: %s (%s)\n", p.ID, p.Name, p.Class)
	}
	return nil
}

func cmdProductAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "product add", "product add VENDOR NAME [--class CLASS] [--cpe CPE] [--purl PURL] [--downstream VENDOR]... [--json]")
	w := addWorkspaceFlags(fs)
	class := fs.String("class", "", "device class: phone-os, desktop-os, browser, smart-tv/iot, vehicle, network-equipment, server-software, or a new one (default: from the product dictionary)")
	cpe := fs.String("cpe", "", "CPE 2.3 name")
	purl := fs.String("purl", "", "package URL")
	var down stringList
	fs.Var(&down, "downstream", "a vendor that ships this product to users and must deploy fixes (repeatable)")
	jsonOut := fs.Bool("json", false, "print the product as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("usage: antidote product add VENDOR NAME [flags]")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p := cases.Product{Name: fs.Arg(1), Class: cases.DeviceClass(*class), CPE: *cpe, PURL: *purl}
	p, v, err := ws.AddProduct(ctx, ws.actor, fs.Arg(0), p, down)
	if errors.Is(err, workspace.ErrExists) {
		return fmt.Errorf("vendor %s already has a product %s (see 'antidote product list')", v.Name, p.Name)
	}
	if err != nil {
		return err
	}
	id := p.ID
	if *jsonOut {
		return printJSON(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "Added product %d: %s %s (%s)", id, v.Name, p.Name, p.Class)
	if len(down) > 0 {
		fmt.Fprintf(e.stdout, ", shipped through %s", strings.Join(down, ", "))
	}
	fmt.Fprintln(e.stdout)
	return nil
}

type productJSON struct {
	ID         int64    `json:"id"`
	Vendor     string   `json:"vendor"`
	Name       string   `json:"name"`
	Class      string   `json:"class"`
	CPE        string   `json:"cpe,omitempty"`
	PURL       string   `json:"purl,omitempty"`
	Downstream []string `json:"downstream"`
}

func cmdProductList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "product list", "product list [--vendor NAME] [--json]")
	w := addWorkspaceFlags(fs)
	vendor := fs.String("vendor", "", "only this vendor's products")
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	cat, only, err := ws.ListProducts(ctx, ws.actor, *vendor)
	if err != nil {
		return err
	}
	out := newJSONLines(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if !*jsonOut {
		fmt.Fprintln(tw, "ID\tVENDOR\tPRODUCT\tCLASS\tDOWNSTREAM")
	}
	for _, p := range cat.Products {
		if only != 0 && p.Vendor != only {
			continue
		}
		j := productJSON{ID: p.ID, Vendor: cat.VendorName(p.Vendor), Name: p.Name, Class: string(p.Class), CPE: p.CPE, PURL: p.PURL, Downstream: []string{}}
		for _, d := range p.Downstream {
			j.Downstream = append(j.Downstream, cat.VendorName(d))
		}
		if *jsonOut {
			if err := out.put(j); err != nil {
				return err
			}
			continue
		}
		ds := strings.Join(j.Downstream, ", ")
		if ds == "" {
			ds = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.ID, j.Vendor, p.Name, p.Class, ds)
	}
	tw.Flush()
	return out.flush()
}
