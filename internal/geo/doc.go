// Package geo answers where a public IP address is: its country (ISO 3166-1
// alpha-2) and its autonomous system (number and organisation), from a
// pinned dataset embedded in the binary (data/geo.dat, with its licence and
// attribution in data/LICENSE). Redaction uses it to show the country in a
// pseudonym and to count where addresses sit; nothing is fetched at run
// time, so a lookup never reveals an address to anyone.
//
// The dataset is a sorted table of range boundaries per address family in
// blocks of varint deltas under a block index, embedded uncompressed and
// read in place (format.go); scripts/geo regenerates it from the
// ip-location-db packages (DB-IP country lite, RouteViews/NRO/DB-IP ASN;
// CC BY 4.0). Open reads the header only; Lookup binary-searches a block
// index, narrowed by a small index built in memory as lookups need it, and
// decodes one block of the embedded bytes, so a run pays only for the
// pages its lookups touch.
//
// geo is a leaf: it imports no other antidote package, does no I/O beyond
// reading what it is given, and does not log.
package geo
