package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// The demo's last part: over the summer the vendors fix most findings and
// the downstream makers ship patch levels; on 1 October 2017 the release
// is published: the site, the CSAF provider, OSV and CVE records.
const (
	demoFixedAt    = "2017-06-20T00:00:00Z"
	demoDeployedAt = "2017-07-10T00:00:00Z"
	demoPublishAt  = "2017-10-01T00:00:00Z"
)

func demoPublish(ctx context.Context, e, de *env, base, staff string, kept bool) error {
	fixedAt, err := parseWhen(demoFixedAt)
	if err != nil {
		return err
	}
	deployedAt, err := parseWhen(demoDeployedAt)
	if err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, de, &wsFlags{})
	if err != nil {
		return err
	}
	res, err := ws.DemoFix(ctx, ws.actor, fixedAt, deployedAt, "2017.6", "2017-07-01")
	ws.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== Over the summer: %d vendor fixes (version 2017.6, %s) and %d downstream patch levels (2017-07-01); %d cases stay unfixed\n",
		res.Fixed, demoFixedAt[:10], res.Deployed, res.Open)
	if err := show(ctx, e, de, "The publisher's identity and OpenPGP signing key, once per workspace",
		"publish", "init", "--name", "Demo Newsroom", "--namespace", "https://newsroom.example", "--contact", "security@newsroom.example"); err != nil {
		return err
	}
	release := filepath.Join(base, "release")
	if err := show(ctx, e, de, "Publish on "+demoPublishAt[:10]+": every file checked for identifiers, signed, laid out as a CSAF trusted provider",
		"publish", "--out", release, "--at", demoPublishAt, "--names", staff, "--base-url", "https://127.0.0.1:8443"); err != nil {
		return err
	}
	if !kept {
		fmt.Fprintln(e.stdout, "\nThe release goes with the temporary directory; run 'antidote demo --keep DIR' to keep it, then open DIR/release/index.html or serve it:")
	} else {
		fmt.Fprintf(e.stdout, "\nOpen %s in a browser, or serve it as a CSAF provider:\n", filepath.Join(release, "index.html"))
	}
	fmt.Fprintf(e.stdout, "$ antidote serve --public %s --tls-cert cert.pem --tls-key key.pem --addr 127.0.0.1:8443\n", release)
	return nil
}
