package detect

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of identifier a Match holds.
type Kind uint8

// The kinds of identifier the scanner finds.
const (
	IPv4 Kind = iota + 1
	IPv6
	Email
	MAC
	Name
	Secret
)

var kindNames = [...]string{"", "ipv4", "ipv6", "email", "mac", "name", "secret"}

// String returns the kind's lower-case name, as ParseKind accepts it.
func (k Kind) String() string {
	if k >= IPv4 && k <= Secret {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind is the inverse of Kind.String; it ignores case.
func ParseKind(s string) (Kind, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for k := IPv4; k <= Secret; k++ {
		if kindNames[k] == t {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown identifier kind %q: use one of ipv4, ipv6, email, mac, name, secret", s)
}

// Scope says where an IP address routes, after the IANA IPv4 and IPv6
// special-purpose address registries. It lets a redaction policy keep, say,
// loopback and documentation addresses while pseudonymising public ones.
type Scope uint8

// The scopes ScopeOf returns. ScopeNone is the zero value, for matches that
// are not IP addresses.
const (
	ScopeNone Scope = iota
	Public
	Private
	Loopback
	LinkLocal
	Multicast
	Documentation
	Shared
	Reserved
	Unspecified
)

var scopeNames = [...]string{"", "public", "private", "loopback", "link-local", "multicast", "documentation", "shared", "reserved", "unspecified"}

// String returns the scope's name as ParseScope accepts it; ScopeNone is "".
func (s Scope) String() string {
	if int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return "scope(" + strconv.Itoa(int(s)) + ")"
}

// ParseScope is the inverse of Scope.String; it ignores case and also accepts
// "none" for ScopeNone.
func ParseScope(s string) (Scope, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "none" {
		return ScopeNone, nil
	}
	for i, n := range scopeNames {
		if n == t {
			return Scope(i), nil
		}
	}
	return 0, fmt.Errorf("unknown address scope %q: use one of public, private, loopback, link-local, multicast, documentation, shared, reserved, unspecified", s)
}
