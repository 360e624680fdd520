package main

import "context"

func cmdScan(ctx context.Context, e *env, args []string) error   { return errNotBuilt }
func cmdRedact(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdVerify(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdReport(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdReveal(ctx context.Context, e *env, args []string) error { return errNotBuilt }
