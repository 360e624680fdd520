package main

import "context"

func cmdIngest(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdDocs(ctx context.Context, e *env, args []string) error   { return errNotBuilt }
func cmdSearch(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdAudit(ctx context.Context, e *env, args []string) error  { return errNotBuilt }
func cmdDemo(ctx context.Context, e *env, args []string) error   { return errNotBuilt }
