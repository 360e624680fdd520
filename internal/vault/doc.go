// Package vault owns encryption at rest for antidote and nothing else does it:
// the passphrase KDF (argon2id), the workspace key file that wraps a random
// master key, recovery shares for that key, the key hierarchy derived from it,
// sealing of small values (XChaCha20-Poly1305) and of large files (a chunked
// STREAM construction), and keyed hashing for deduplication and index terms.
//
// It imports only the standard library, golang.org/x/crypto and
// antidote/internal/secret. It does no file or network I/O of its own (callers
// hand it readers, writers and bytes), it never logs, and no error it returns
// contains a key, a passphrase, a share or plaintext.
//
// The hierarchy:
//
//	passphrase --argon2id--> KEK --wraps--> master key (32 random bytes)
//	recovery shares --Shamir--> master key
//	master key --HKDF-SHA256(purpose)--> Sealer / MAC keys
//
// Changing the passphrase rewraps the master key and re-encrypts no data.
// Recovery shares split the master key itself, so they survive a passphrase
// change, and cannot be revoked short of a new master key (which means
// re-sealing everything).
package vault

import "errors"

// Sentinel errors. Callers test them with errors.Is; the wrapped messages add
// what was being done, never secret material.
var (
	// ErrBadPassphrase means the passphrase did not unwrap the key file.
	ErrBadPassphrase = errors.New("wrong passphrase (or the key file has been altered)")
	// ErrBadShares means the recovery shares given cannot reconstruct the key.
	ErrBadShares = errors.New("recovery shares rejected")
	// ErrTampered means sealed data failed authentication: it was altered,
	// truncated, extended, moved to another place (different associated data),
	// or sealed under a different key.
	ErrTampered = errors.New("sealed data failed authentication (altered, truncated, moved or wrong key)")
	// ErrUnsupportedVersion means data was written in a format this build of
	// antidote does not know, usually by a newer antidote.
	ErrUnsupportedVersion = errors.New("unsupported format version; upgrade antidote")
	// ErrWrongKey means keys were used with a key file of another workspace.
	ErrWrongKey = errors.New("the keys belong to a different workspace")
)
