package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
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
	out, err := capture(ctx, de, "case", "list", "--json", "--at", demoFixedAt)
	if err != nil {
		return err
	}
	var fixed, deployed, open int
	dec := json.NewDecoder(strings.NewReader(out))
	for i := 0; dec.More(); i++ {
		var c caseView
		if err := dec.Decode(&c); err != nil {
			return fmt.Errorf("case list: %w", err)
		}
		// Every third vendor has not shipped a fix: its advisory says so.
		if i%3 == 2 {
			open++
			continue
		}
		id := strconv.FormatInt(c.ID, 10)
		for _, t := range c.Targets {
			if t.Status != "notified" || t.Product == "" {
				continue
			}
			target := t.Vendor + ":" + t.Product
			args := []string{"case", "status", id, "fixed", "--vendor", target, "--fixed-version", "2017.6", "--at", demoFixedAt}
			if t.Downstream {
				args = []string{"case", "status", id, "fix-deployed", "--vendor", target, "--patch-level", "2017-07-01", "--at", demoDeployedAt}
				deployed++
			} else {
				fixed++
			}
			if _, err := capture(ctx, de, args...); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(e.stdout, "\n== Over the summer: %d vendor fixes (version 2017.6, %s) and %d downstream patch levels (2017-07-01); %d cases stay unfixed\n",
		fixed, demoFixedAt[:10], deployed, open)
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
