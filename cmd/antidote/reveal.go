package main

import (
	"context"
	"errors"
	"fmt"

	"antidote/internal/detect"
	"antidote/internal/workspace"
)

func cmdReveal(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "reveal", "reveal [workspace flags] TOKEN")
	w := addWorkspaceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("reveal takes one token, such as IPv4-US-PQOWZIJAMBDH")
	}
	tok := fs.Arg(0)
	if err := workspace.CheckToken(tok); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	kind, value, err := ws.Reveal(ctx, ws.actor, tok)
	if errors.Is(err, workspace.ErrNotFound) {
		return fmt.Errorf("no token %s in this workspace: tokens are recorded by 'antidote redact' inside the workspace", tok)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", tok, kind, value)
	return nil
}

// kindLabel names a type for people: "IP addresses" rather than "ipv4".
func kindLabel(k string) string {
	kk, err := detect.ParseKind(k)
	if err != nil {
		return k
	}
	return map[detect.Kind]string{
		detect.IPv4: "IPv4 addresses", detect.IPv6: "IPv6 addresses", detect.Email: "e-mail addresses",
		detect.MAC: "MAC addresses", detect.Name: "names", detect.Secret: "secrets",
	}[kk]
}
