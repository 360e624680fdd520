package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"antidote/internal/detect"
	"antidote/internal/publish"
	"antidote/internal/workspace"
)

// The publication commands: publish init, publish key and publish (the
// release), over the core's InitPublisher, PublisherInfo and Publish.

func cmdPublish(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "init" || args[0] == "key") {
		return dispatch(ctx, e, "publish", args, map[string]subcommand{"init": cmdPublishInit, "key": cmdPublishKey})
	}
	return cmdPublishRelease(ctx, e, args)
}

// noPublisher advises what to run when the workspace has no publisher.
func noPublisher(err error) error {
	if errors.Is(err, workspace.ErrNoPublisher) {
		return withExit(exitUsage, wrapAdvice(err, "run 'antidote publish init --name NAME --namespace URL' first"))
	}
	return err
}

func cmdPublishInit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish init", "publish init --name NAME --namespace URL [--contact EMAIL] [--prefix PREFIX]")
	w := addWorkspaceFlags(fs)
	name := fs.String("name", "", "the publisher's name, as advisories print it")
	ns := fs.String("namespace", "", "URL identifying the publisher (CSAF publisher namespace)")
	contact := fs.String("contact", "", "e-mail address for questions about the advisories")
	prefix := fs.String("prefix", "", "advisory ID prefix (default ANTIDOTE)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *name == "" || *ns == "" {
		return usageErrorf("usage: antidote publish init --name NAME --namespace URL [--contact EMAIL]")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.InitPublisher(ctx, ws.actor, publish.Publisher{Name: *name, Namespace: *ns, Contact: *contact, Prefix: *prefix})
	if errors.Is(err, workspace.ErrExists) {
		return withExit(exitUsage, wrapAdvice(err, "'antidote publish key' prints its public key"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "publisher %s, signing key %s\n", p.Name, p.Fingerprint)
	return nil
}

func cmdPublishKey(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish key", "publish key")
	w := addWorkspaceFlags(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("publish key takes no arguments")
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.PublisherInfo(ctx, ws.actor)
	if err != nil {
		return noPublisher(err)
	}
	_, err = e.stdout.Write(p.PublicKey)
	return err
}

func cmdPublishRelease(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "publish", "publish --out DIR [--at TIME] [--base-url URL] [--policy F] [--names F]\n"+
		"       antidote publish init --name NAME --namespace URL [--contact EMAIL]\n"+
		"       antidote publish key")
	w := addWorkspaceFlags(fs)
	out := fs.String("out", "", "directory to write the release into (created; an earlier release there is replaced)")
	base := fs.String("base-url", "", "https URL the release will be served at (default: the publisher's namespace)")
	var when timeFlag
	fs.Var(&when, "at", "publish as of this moment (default now), e.g. 2017-12-01T00:00:00Z")
	var rf redactFlags
	rf.add(fs, false)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *out == "" {
		return usageErrorf("usage: antidote publish --out DIR [--at TIME] [--base-url URL]")
	}
	pol, err := readPolicy(rf.policy)
	if err != nil {
		return err
	}
	names, err := readNames(rf.names)
	if err != nil {
		return err
	}
	sc, err := detect.New(detect.Options{Names: names})
	if err != nil {
		return withExit(exitUsage, fmt.Errorf("names file %s: %w", rf.names, err))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	res, err := ws.Publish(ctx, ws.actor, workspace.PublishOptions{Out: *out, At: when.or(time.Now()), BaseURL: *base, Scanner: sc, Policy: pol, Names: names})
	printHeld(e, res)
	var residual *publish.ResidualError
	if errors.As(err, &residual) {
		return withExit(exitLeaks, err)
	}
	if err != nil {
		return noPublisher(err)
	}
	fmt.Fprintf(e.stdout, "published %d documents and %d advisories (%d new or revised) into %s\nserve it with: antidote serve --public %s --tls-cert CERT --tls-key KEY\n",
		len(res.Documents), len(res.Advisories), res.Changed(), *out, *out)
	return nil
}

// printHeld says which documents stay out of a publication and why (the
// first reason of the first 20; the release plan has them all), and which
// documents of the previous release are not in this one.
func printHeld(e *env, res workspace.PublishResult) {
	at := res.At.Format(time.RFC3339)
	for i, d := range res.Held {
		if i == 20 {
			break
		}
		if len(d.BlockedBy) > 0 {
			fmt.Fprintf(e.stderr, "publish: doc %d stays out: %s: %s\n", d.Doc, d.BlockedBy[0].Kind, d.BlockedBy[0].Detail)
		}
	}
	if len(res.Held) > 0 {
		fmt.Fprintf(e.stderr, "publish: %d documents are not releasable at %s and stay out (see 'antidote release plan --at %s')\n", len(res.Held), at, at)
	}
	// The earlier release may still be mirrored: say so aloud.
	for _, id := range res.Withdrawn {
		fmt.Fprintf(e.stderr, "publish: doc %d was in the release of %s and is not in this one\n", id, res.PreviousAt.Format(time.RFC3339))
	}
}
