package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
)

func cmdPolicy(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "policy", args, map[string]subcommand{"show": cmdPolicyShow, "set": cmdPolicySet})
}

func cmdPolicyShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy show", "policy show [--json]")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, err := ws.Policy(ctx, ws.actor)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, p)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE CLASS\tEMBARGO DAYS")
	for _, c := range p.ClassNames() {
		fmt.Fprintf(tw, "%s\t%d\n", c, p.Classes[c])
	}
	fmt.Fprintf(tw, "default\t%d\n", p.Default)
	fmt.Fprintf(tw, "exploited\t%d\t(exploited in the wild, any class)\n", p.Exploited)
	fmt.Fprintf(tw, "grace\t%d\t(extra days when the vendor announced a fix date just past the deadline)\n", p.Grace)
	if err := showReminderPolicy(ctx, ws, tw); err != nil {
		return err
	}
	return tw.Flush()
}

func cmdPolicySet(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy set", "policy set CLASS|default|exploited|grace DAYS, or policy set reminders 30,7,1 / policy set ack-days 7")
	w := addWorkspaceFlags(fs)
	jsonOut := fs.Bool("json", false, "print the resulting policy as JSON")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 2 && isReminderKey(fs.Arg(0)) {
		return policySetReminders(ctx, e, w, fs.Arg(0), fs.Arg(1))
	}
	if fs.NArg() != 2 {
		return usageErrorf("usage: antidote policy set CLASS|default|exploited|grace DAYS (e.g. policy set vehicle 365)")
	}
	days, err := strconv.Atoi(fs.Arg(1))
	if err != nil {
		return usageErrorf("DAYS must be a whole number of days, got %q", fs.Arg(1))
	}
	ws, err := openWorkspace(ctx, e, w)
	if err != nil {
		return err
	}
	defer ws.Close()
	p, key, err := ws.SetPolicy(ctx, ws.actor, fs.Arg(0), days)
	if err != nil {
		return err
	}
	if *jsonOut {
		return printJSON(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "Embargo for %s is now %d days\n", key, days)
	return nil
}
