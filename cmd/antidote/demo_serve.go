package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"antidote/internal/auth"
	"antidote/internal/secret"
)

// demoServe ends the demo by serving its workspace: one account per role
// (and one per vendor of the demo's cases), each printed with its password.
func demoServe(ctx context.Context, e, de *env, addr string) error {
	ws, err := openWorkspace(ctx, de, &wsFlags{})
	if err != nil {
		return err
	}
	cat, err := ws.Catalog(ctx, ws.actor)
	if err != nil {
		ws.Close()
		return err
	}
	type account struct {
		name   string
		role   auth.Role
		vendor int64
		note   string
	}
	accounts := []account{
		{"admin", auth.Admin, 0, "everything, users and the audit log"},
		{"analyst", auth.Analyst, 0, "documents, search, report, findings, cases"},
		{"reviewer1", auth.Reviewer, 0, "reads, and approves releases"},
		{"reviewer2", auth.Reviewer, 0, "the second approval"},
	}
	for _, v := range cat.Vendors {
		name := "vendor-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.ToLower(v.Name))
		accounts = append(accounts, account{name, auth.Vendor, v.ID, "the portal of " + v.Name})
	}
	fmt.Fprintf(e.stdout, "\n== Serve the demo workspace: one account per role (passwords shown once)\n")
	for _, a := range accounts {
		var b [9]byte
		rand.Read(b[:])
		pw := "demo-" + hex.EncodeToString(b[:])
		vendorRef := ""
		if a.vendor != 0 {
			vendorRef = strconv.FormatInt(a.vendor, 10)
		}
		if _, err := ws.AddUser(ctx, ws.actor, a.name, a.role, vendorRef, secret.NewString(pw)); err != nil {
			ws.Close()
			return fmt.Errorf("demo account %s: %w", a.name, err)
		}
		fmt.Fprintf(e.stdout, "  %-18s %-24s %-8s %s\n", a.name, pw, a.role, a.note)
	}
	if err := ws.Close(); err != nil {
		return err
	}
	if f, ok := e.stdout.(interface{ flush() error }); ok {
		f.flush()
	}
	return cmdServe(ctx, de, []string{"--addr", addr})
}
