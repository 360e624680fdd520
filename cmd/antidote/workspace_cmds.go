package main

import "context"

func cmdInit(ctx context.Context, e *env, args []string) error       { return errNotBuilt }
func cmdUnlock(ctx context.Context, e *env, args []string) error     { return errNotBuilt }
func cmdLock(ctx context.Context, e *env, args []string) error       { return errNotBuilt }
func cmdPassphrase(ctx context.Context, e *env, args []string) error { return errNotBuilt }
func cmdRecover(ctx context.Context, e *env, args []string) error    { return errNotBuilt }

const agentCommand = "__agent"

func runAgent(ctx context.Context, e *env, args []string) error { return errNotBuilt }

func isAuthError(err error) bool { return false }
