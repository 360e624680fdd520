// Package cases owns antidote's coordination of findings with vendors:
// vendors with their security contacts and OpenPGP keys, products with a
// device class and the downstream makers that ship them, cases with a
// per-vendor, per-product status whose every change is an event in the
// case's timeline, embargo policy and clocks, and the release gate that
// decides which documents may be published.
//
// Everything here is a pure function of its inputs, time included (callers
// pass the moment to evaluate, which is how `--at` plans for the future).
// It must not import store, web, database/sql or net/http server code, and
// it does not log. Errors never carry contact notes, key material or
// document text.
package cases
