// Package auth owns who may do what in antidote: accounts and their roles,
// the table of what each role may do (Allowed), the Identity every use case
// of the core receives, and the mechanics of proving one: argon2id password
// hashes (through vault), TOTP second factors, bearer tokens and browser
// sessions stored only as keyed hashes, and login rate limits with lockout.
//
// It persists through the small Store interface that package store
// satisfies; it never imports store, database/sql or net/http, and it
// neither logs nor writes audit events: the core records those.
package auth
