// Package redact turns text and the identifiers detect finds in it into
// redacted text: each identifier the policy redacts is replaced by a typed,
// keyed, consistent pseudonym (IPv4-US-K7Q3F2XAMB4D), or for addresses in
// prefix-preserving mode by a Crypto-PAn address. Everything outside the
// identifier spans is copied byte for byte. It also counts what it found
// (per type, scope, country, ASN and document) and checks redacted output
// for identifiers that remain.
//
// Pseudonyms are HMAC-SHA256 under a 32-byte key of the identifier's type
// and canonical value, truncated to 60 bits and written in base32: the same
// value gives the same token in every document and run with the same key,
// and nothing about the value can be learnt from the token without the key.
// An IP token carries the address's country (or its scope when it is not
// public); that much is disclosed on purpose.
//
// redact owns the policy, the token format, prefix-preserving address
// mapping and the streaming loop. It does no I/O beyond the io.Reader and
// io.Writer it is given, keeps nothing on disk, does not log, and never
// imports store: whoever keeps the token->value mapping receives it through
// Options.OnToken and seals it.
package redact
