package main

import "context"

func cmdVendor(ctx context.Context, e *env, args []string) error   { return errNotBuilt }
func cmdProduct(ctx context.Context, e *env, args []string) error  { return errNotBuilt }
func cmdFinding(ctx context.Context, e *env, args []string) error  { return errNotBuilt }
func cmdFindings(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdCase(ctx context.Context, e *env, args []string) error     { return errNotBuilt }
func cmdPolicy(ctx context.Context, e *env, args []string) error   { return errNotBuilt }
func cmdRelease(ctx context.Context, e *env, args []string) error  { return errNotBuilt }
