package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/workspace"
)

// This file holds the commands that change or remove vendors, products and
// findings. Each is recorded in the audit log by the core; a finding that
// cases or publications refer to is withdrawn, never deleted.

// readKeys reads and checks ASCII-armored OpenPGP public keys.
func readKeys(files []string, now time.Time) ([]cases.Key, error) {
	var out []cases.Key
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		k, err := cases.ParseKey(b, now)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", f, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// setFlags reports which flags the command line gave.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// ifSet returns &v when the flag was given.
func ifSet[T any](set map[string]bool, name string, v T) *T {
	if set[name] {
		return &v
	}
	return nil
}

func cmdVendorEdit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "vendor edit", "vendor edit NAME [--name NEW] [--security-txt URL] [--contact 'Name <addr>' [--contact-note TEXT]]... [--key FILE]... [--json]")
	w := addWorkspaceFlags(fs)
	name := fs.String("name", "", "rename the vendor")
	secTxt := fs.String("security-txt", "", "URL of the vendor's security.txt (empty to clear)")
	var contacts contactFlags
	fs.Var(contactValue{&contacts}, "contact", "security contact; given at all, the contacts are replaced by these (repeatable)")
	fs.Var(contactNoteValue{&contacts}, "contact-note", "note on the preceding --contact; stored sealed")
	var keyFiles stringList
	fs.Var(&keyFiles, "key", "add an ASCII-armored OpenPGP public key from this file (repeatable)")
	jsonOut := fs.Bool("json", false, "print the vendor as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote vendor edit NAME [flags]")
	}
	set := setFlags(fs)
	keys, err := readKeys(keyFiles, time.Now().UTC())
	if err != nil {
		return err
	}
	edit := workspace.VendorEdit{Name: ifSet(set, "name", *name), SecurityTxt: ifSet(set, "security-txt", *secTxt), AddKeys: keys}
	if set["contact"] {
		edit.Contacts = contacts.list
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, err := ws.EditVendor(ctx, ws.actor, fs.Arg(0), edit)
	if errors.Is(err, workspace.ErrExists) {
		return fmt.Errorf("another vendor is already called %s (see 'antidote vendor list')", *name)
	}
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "Vendor %d: %s (%d contacts, %d keys)\n", v.ID, v.Name, len(v.Contacts), len(v.Keys))
	return nil
}

func cmdVendorRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "vendor remove", "vendor remove NAME   (only a vendor with no products and no cases)")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("usage: antidote vendor remove NAME")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	v, err := ws.RemoveVendor(ctx, ws.actor, fs.Arg(0))
	if errors.Is(err, workspace.ErrInUse) {
		return fmt.Errorf("vendor %s has products, ships another's product or is in a case: remove its products first ('antidote product remove'); a vendor in a case stays on record", v.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removed vendor %d: %s\n", v.ID, v.Name)
	return nil
}

func cmdProductEdit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "product edit", "product edit VENDOR NAME [--name NEW] [--class CLASS] [--cpe CPE] [--purl PURL] [--downstream VENDOR]... [--json]")
	w := addWorkspaceFlags(fs)
	name := fs.String("name", "", "rename the product")
	class := fs.String("class", "", "device class (phone-os, desktop-os, browser, smart-tv/iot, vehicle, network-equipment, server-software, ...)")
	cpe := fs.String("cpe", "", "CPE 2.3 name (empty to clear)")
	purl := fs.String("purl", "", "package URL (empty to clear)")
	var down stringList
	fs.Var(&down, "downstream", "a vendor that ships it; given at all, replaces the downstream makers (repeatable)")
	jsonOut := fs.Bool("json", false, "print the product as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("usage: antidote product edit VENDOR NAME [flags]")
	}
	set := setFlags(fs)
	edit := workspace.ProductEdit{Name: ifSet(set, "name", *name), Class: ifSet(set, "class", *class), CPE: ifSet(set, "cpe", *cpe), PURL: ifSet(set, "purl", *purl)}
	if set["downstream"] {
		d := []string(down)
		edit.Downstream = &d
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.EditProduct(ctx, ws.actor, fs.Arg(0), fs.Arg(1), edit)
	if errors.Is(err, workspace.ErrExists) {
		return fmt.Errorf("vendor %s already has a product %s (see 'antidote product list')", fs.Arg(0), *name)
	}
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "Product %d: %s %s (%s)\n", p.ID, fs.Arg(0), p.Name, p.Class)
	return nil
}

func cmdProductRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "product remove", "product remove VENDOR NAME   (only a product no case names)")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("usage: antidote product remove VENDOR NAME")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.RemoveProduct(ctx, ws.actor, fs.Arg(0), fs.Arg(1))
	if errors.Is(err, workspace.ErrInUse) {
		return fmt.Errorf("%s %s is in a case and stays on record", fs.Arg(0), p.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removed product %d: %s %s\n", p.ID, fs.Arg(0), p.Name)
	return nil
}

func cmdFindingEdit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "finding edit", "finding edit ID [--title T] [--summary S] [--affected VENDOR:PRODUCT[@RANGE]]... [--cve ID]... [--cwe ID]... [--cvss VECTOR]... [--exploited=true|false] [--json]")
	w := addWorkspaceFlags(fs)
	title := fs.String("title", "", "new title (stored sealed)")
	summary := fs.String("summary", "", "new summary (stored sealed)")
	var affected, cves, cwes, vectors stringList
	fs.Var(&affected, "affected", "affected product; given at all, replaces the list (repeatable)")
	fs.Var(&cves, "cve", "CVE ID; given at all, replaces the list (repeatable)")
	fs.Var(&cwes, "cwe", "CWE ID; given at all, replaces the list (repeatable)")
	fs.Var(&vectors, "cvss", "CVSS v3.1 or v4.0 vector; given at all, replaces the list (repeatable)")
	exploited := fs.Bool("exploited", false, "exploited in the wild (--exploited=false to clear)")
	jsonOut := fs.Bool("json", false, "print the finding as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := oneID(fs, "finding ID", "finding edit ID [flags]")
	if err != nil {
		return err
	}
	set := setFlags(fs)
	edit := workspace.FindingEdit{Title: ifSet(set, "title", *title), Summary: ifSet(set, "summary", *summary), Exploited: ifSet(set, "exploited", *exploited)}
	if set["affected"] {
		var list []findings.Affected
		for _, a := range affected {
			af, err := parseAffected(a)
			if err != nil {
				return withExit(exitUsage, err)
			}
			list = append(list, af)
		}
		edit.Affected = &list
	}
	if set["cve"] {
		c := []string(cves)
		edit.CVEs = &c
	}
	if set["cwe"] {
		c := []string(cwes)
		edit.CWEs = &c
	}
	if set["cvss"] {
		var sc []findings.Score
		for _, v := range vectors {
			sc = append(sc, findings.Score{Vector: v})
		}
		edit.CVSS = &sc
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	f, err := ws.EditFinding(ctx, ws.actor, id, edit)
	if err != nil {
		return notFoundHint(err, "finding "+strconv.FormatInt(id, 10), "finding list")
	}
	if *jsonOut {
		return printJSON(e.stdout, f)
	}
	fmt.Fprintf(e.stdout, "Finding %d (%s): %s\n", f.ID, f.State, f.Title)
	return nil
}

func cmdFindingRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "finding remove", "finding remove ID   (a finding with cases or publications is withdrawn instead)")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := oneID(fs, "finding ID", "finding remove ID")
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	withdrawn, err := ws.RemoveFinding(ctx, ws.actor, id)
	if err != nil {
		return notFoundHint(err, "finding "+strconv.FormatInt(id, 10), "finding list")
	}
	if withdrawn {
		fmt.Fprintf(e.stdout, "Finding %d has cases or was published: withdrawn (rejected), kept on record\n", id)
		return nil
	}
	fmt.Fprintf(e.stdout, "Removed finding %d\n", id)
	return nil
}
