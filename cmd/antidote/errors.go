package main

import "errors"

// errNotBuilt is returned by subcommands whose implementation has not landed.
var errNotBuilt = errors.New("this command is not available in this build")
