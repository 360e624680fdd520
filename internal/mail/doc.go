// Package mail owns antidote's e-mail with vendors: PGP/MIME notices
// (RFC 3156) encrypted to a vendor's OpenPGP keys and signed with the
// workspace key, the SMTP settings, the delivery loop over a transactional
// outbox, the reminder schedule, and the import of vendor replies (EML,
// MBOX, or an IMAP mailbox read without changing it) with decryption,
// signature checks, case matching and quarantine. mailtest runs the real
// Exim, Dovecot and GnuPG the tests talk to.
//
// It holds no plaintext on disk: a notice is composed and encrypted in
// memory and handed to the Outbox already encrypted. It does not import
// store, web or database/sql: persistence is the small interfaces it
// declares (Outbox), which store satisfies. It does not log, and its
// errors never carry message text, addresses' notes or key material.
package mail
