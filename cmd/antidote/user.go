package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/secret"
)

// Accounts for the web console, the vendor portal and the API:
// antidote user add|list|disable|enable|password|totp and
// antidote token create|list|revoke. Holding the workspace's key is every
// power already, so these commands act as the operator (an admin).

func cmdUser(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "user", args, map[string]subcommand{
		"add": cmdUserAdd, "list": cmdUserList, "disable": cmdUserDisable, "enable": cmdUserEnable,
		"password": cmdUserPassword, "totp": cmdUserTOTP,
	})
}

func cmdToken(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "token", args, map[string]subcommand{
		"create": cmdTokenCreate, "list": cmdTokenList, "revoke": cmdTokenRevoke,
	})
}

// newPassword reads an account's new password from --password-file,
// $ANTIDOTE_NEW_PASSWORD or a prompt (twice).
func newPassword(e *env, file string) (secret.String, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return secret.String{}, fmt.Errorf("read password file: %w", err)
		}
		return secret.NewString(strings.TrimRight(string(b), "\r\n")), nil
	}
	if p, ok := e.lookupEnv("ANTIDOTE_NEW_PASSWORD"); ok && p != "" {
		return secret.NewString(p), nil
	}
	p1, err := promptPassphrase(e, "New password: ")
	if err != nil {
		return secret.String{}, errors.New("no password: use --password-file, $ANTIDOTE_NEW_PASSWORD or a terminal")
	}
	p2, err := promptPassphrase(e, "Again: ")
	if err != nil {
		return secret.String{}, err
	}
	if p1.Reveal() != p2.Reveal() {
		return secret.String{}, errors.New("the two passwords differ")
	}
	return p1, nil
}

func oneName(fs *flag.FlagSet, usage string) (string, error) {
	if fs.NArg() != 1 {
		return "", usageErrorf("usage: antidote %s", usage)
	}
	return fs.Arg(0), nil
}

func cmdUserAdd(ctx context.Context, e *env, args []string) error {
	const usage = "user add NAME --role admin|analyst|reviewer|vendor [--vendor VENDOR] [--password-file F]"
	fs := newFlagSet(e, "user add", usage)
	w := addWorkspaceFlags(fs)
	role := fs.String("role", "", "admin, analyst, reviewer or vendor")
	vendor := fs.String("vendor", "", "the vendor a vendor account speaks for (name or id)")
	pwFile := fs.String("password-file", "", "read the password from this file (else $ANTIDOTE_NEW_PASSWORD or a prompt)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	name, err := oneName(fs, usage)
	if err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if r == auth.Vendor && *vendor == "" {
		return usageErrorf("a vendor account needs --vendor")
	}
	if r != auth.Vendor && *vendor != "" {
		return usageErrorf("--vendor is for vendor accounts only")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	vendorRef := ""
	if *vendor != "" {
		// Checked before the password is asked for.
		cat, err := ws.Catalog(ctx, ws.actor)
		if err != nil {
			return err
		}
		v, err := cat.Vendor(*vendor)
		if err != nil {
			return err
		}
		vendorRef = strconv.FormatInt(v.ID, 10)
	}
	pw, err := newPassword(e, *pwFile)
	if err != nil {
		return err
	}
	u, err := ws.AddUser(ctx, ws.actor, name, r, vendorRef, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added user %s (%s)\n", u.Name, u.Role)
	return nil
}

func cmdUserList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user list", "user list [--json]")
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
	us, err := ws.Users(ctx, ws.actor)
	if err != nil {
		return err
	}
	cat, err := ws.Catalog(ctx, ws.actor)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSONLines(e.stdout, us)
	}
	fmt.Fprintf(e.stdout, "%-24s  %-8s  %-16s  %-4s  %s\n", "NAME", "ROLE", "VENDOR", "TOTP", "STATE")
	for _, u := range us {
		v, state, totp := "-", "active", "no"
		if u.Vendor != 0 {
			v = cat.VendorName(u.Vendor)
		}
		if u.Disabled {
			state = "disabled"
		}
		if u.TOTP {
			totp = "yes"
		}
		fmt.Fprintf(e.stdout, "%-24s  %-8s  %-16s  %-4s  %s\n", u.Name, u.Role, v, totp, state)
	}
	return nil
}

func setDisabled(ctx context.Context, e *env, args []string, disabled bool) error {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	usage := "user " + verb + " NAME"
	fs := newFlagSet(e, "user "+verb, usage)
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	name, err := oneName(fs, usage)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.SetUserDisabled(ctx, ws.actor, name, disabled); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%sd user %s\n", verb, strings.ToLower(name))
	return nil
}

func cmdUserDisable(ctx context.Context, e *env, args []string) error {
	return setDisabled(ctx, e, args, true)
}

func cmdUserEnable(ctx context.Context, e *env, args []string) error {
	return setDisabled(ctx, e, args, false)
}

func cmdUserPassword(ctx context.Context, e *env, args []string) error {
	const usage = "user password NAME [--password-file F]"
	fs := newFlagSet(e, "user password", usage)
	w := addWorkspaceFlags(fs)
	pwFile := fs.String("password-file", "", "read the new password from this file (else $ANTIDOTE_NEW_PASSWORD or a prompt)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	name, err := oneName(fs, usage)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	pw, err := newPassword(e, *pwFile)
	if err != nil {
		return err
	}
	if err := ws.SetUserPassword(ctx, ws.actor, name, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "changed the password of %s; its sessions have ended\n", strings.ToLower(name))
	return nil
}

func cmdUserTOTP(ctx context.Context, e *env, args []string) error {
	const usage = "user totp NAME"
	fs := newFlagSet(e, "user totp", usage)
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	name, err := oneName(fs, usage)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	uri, err := ws.EnrollTOTP(ctx, ws.actor, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "Add this to the authenticator app (shown once); logins now ask for its code:")
	fmt.Fprintln(e.stdout, uri.Reveal())
	return nil
}

// parseLifetime reads 30d, 12h, 90m or 0 (no expiry).
func parseLifetime(s string) (time.Duration, error) {
	if s == "0" || s == "" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 || d > 3650 {
			return 0, usageErrorf("--expires %q: use a number of days such as 30d, hours such as 12h, or 0", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageErrorf("--expires %q: use a number of days such as 30d, hours such as 12h, or 0", s)
	}
	return d, nil
}

func cmdTokenCreate(ctx context.Context, e *env, args []string) error {
	const usage = "token create NAME [--expires 30d] [--label TEXT] [--json]"
	fs := newFlagSet(e, "token create", usage)
	w := addWorkspaceFlags(fs)
	expires := fs.String("expires", "30d", "lifetime: days (30d), a Go duration (12h), or 0 for none")
	label := fs.String("label", "", "what the token is for")
	jsonOut := fs.Bool("json", false, "print the token and its record as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	name, err := oneName(fs, usage)
	if err != nil {
		return err
	}
	ttl, err := parseLifetime(*expires)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	tok, rec, err := ws.CreateToken(ctx, ws.actor, name, *label, ttl)
	if err != nil {
		return err
	}
	if *jsonOut {
		return json.NewEncoder(e.stdout).Encode(struct {
			Value string `json:"token"`
			auth.Token
		}{tok.Reveal(), rec})
	}
	fmt.Fprintf(e.stderr, "token %d for %s (shown once; send it as 'Authorization: Bearer ...'):\n", rec.ID, rec.Name)
	fmt.Fprintln(e.stdout, tok.Reveal())
	return nil
}

func cmdTokenList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token list", "token list [--json]")
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
	ts, err := ws.Tokens(ctx, ws.actor)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSONLines(e.stdout, ts)
	}
	fmt.Fprintf(e.stdout, "%5s  %-24s  %-20s  %-10s  %-10s  %s\n", "ID", "USER", "LABEL", "CREATED", "EXPIRES", "STATE")
	now := time.Now()
	for _, t := range ts {
		exp, state := "never", "active"
		if !t.Expires.IsZero() {
			exp = t.Expires.Format("2006-01-02")
			if !now.Before(t.Expires) {
				state = "expired"
			}
		}
		if !t.Revoked.IsZero() {
			state = "revoked"
		}
		fmt.Fprintf(e.stdout, "%5d  %-24s  %-20s  %-10s  %-10s  %s\n", t.ID, t.Name, trunc(t.Label, 20), t.Created.Format("2006-01-02"), exp, state)
	}
	return nil
}

func cmdTokenRevoke(ctx context.Context, e *env, args []string) error {
	const usage = "token revoke ID"
	fs := newFlagSet(e, "token revoke", usage)
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := oneID(fs, "token ID", usage)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	if err := ws.RevokeToken(ctx, ws.actor, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked token %d\n", id)
	return nil
}
