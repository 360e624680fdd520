package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"antidote/internal/detect"
)

// Action is what a policy does with one identifier.
type Action uint8

// The actions. Keep leaves the identifier as it is; Redact replaces it by
// its pseudonym; PrefixPreserve replaces an IP address by another address
// so that addresses sharing a prefix still share one (Crypto-PAn). Prefix
// preservation leaks subnet structure and is never the default.
const (
	Keep Action = iota
	Redact
	PrefixPreserve
)

var actionNames = [...]string{"keep", "redact", "prefix-preserve"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", a)
}

// ParseAction is the inverse of Action.String.
func ParseAction(s string) (Action, error) {
	for i, n := range actionNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Action(i), nil
		}
	}
	return 0, fmt.Errorf("unknown action %q: use redact, keep or prefix-preserve", s)
}

const (
	nKinds  = int(detect.Secret) + 1
	nScopes = int(detect.Unspecified) + 1
)

// Policy says, per identifier type and (for IP addresses) per scope, what
// to do. The zero Policy keeps everything; start from DefaultPolicy. A
// Policy is a small value: copy it freely.
type Policy struct {
	act [nKinds][nScopes]Action
}

// DefaultPolicy redacts public IP addresses, e-mail addresses, MAC
// addresses, listed names and secrets, and keeps private, loopback,
// link-local, multicast, documentation, shared, reserved and unspecified
// addresses, which identify no one outside the network they sit in.
func DefaultPolicy() Policy {
	var p Policy
	p.act[detect.IPv4][detect.Public] = Redact
	p.act[detect.IPv6][detect.Public] = Redact
	for _, k := range []detect.Kind{detect.Email, detect.MAC, detect.Name, detect.Secret} {
		for s := range nScopes {
			p.act[k][s] = Redact
		}
	}
	return p
}

// Action returns what p does with an identifier of kind k in scope s (s is
// detect.ScopeNone for everything but IP addresses).
func (p Policy) Action(k detect.Kind, s detect.Scope) Action {
	if int(k) >= nKinds || int(s) >= nScopes {
		return Redact // an unknown kind or scope is treated with caution
	}
	return p.act[k][s]
}

// Redacts reports whether p replaces identifiers of kind k in scope s;
// verify fails on those.
func (p Policy) Redacts(k detect.Kind, s detect.Scope) bool { return p.Action(k, s) != Keep }

// ActionFor is Action for one match. An IPv6 address whose interface
// identifier is made from a MAC address (EUI-64, "fe80::21a:2bff:fe3c:4d5e"
// holds 00:1a:2b:3c:4d:5e) names the device as its MAC does: where p keeps
// the address (a link-local or private one) but redacts MAC addresses, the
// address is redacted.
func (p Policy) ActionFor(m *detect.Match) Action {
	a := p.Action(m.Kind, m.Scope)
	if a == Keep && m.Kind == detect.IPv6 && EmbedsMAC(m.Addr) && p.Action(detect.MAC, detect.ScopeNone) != Keep {
		return Redact
	}
	return a
}

// RedactsMatch is Redacts for one match, see ActionFor.
func (p Policy) RedactsMatch(m *detect.Match) bool { return p.ActionFor(m) != Keep }

// EmbedsMAC reports whether a is an IPv6 address whose interface
// identifier is a modified EUI-64 made from a MAC address: 0xff, 0xfe in
// its middle.
func EmbedsMAC(a netip.Addr) bool {
	if !a.Is6() || a.Is4In6() {
		return false
	}
	b := a.As16()
	return b[11] == 0xff && b[12] == 0xfe
}

// Set changes the action for kind k in every scope.
func (p *Policy) Set(k detect.Kind, a Action) {
	for s := range nScopes {
		p.act[k][s] = a
	}
}

// SetScope changes the action for kind k in scope s only.
func (p *Policy) SetScope(k detect.Kind, s detect.Scope, a Action) { p.act[k][s] = a }

// WithPrefixPreserving returns p with every IP address it redacts mapped
// by prefix-preserving pseudonymisation instead of a token.
func (p Policy) WithPrefixPreserving() Policy {
	for _, k := range []detect.Kind{detect.IPv4, detect.IPv6} {
		for s := range nScopes {
			if p.act[k][s] == Redact {
				p.act[k][s] = PrefixPreserve
			}
		}
	}
	return p
}

// ParsePolicy reads a policy file: a JSON object that changes the default
// policy. Its keys are identifier types (ipv4, ipv6, email, mac, name,
// secret, and ip for both address families); a value is an action
// ("redact", "keep", "prefix-preserve" for addresses) for the whole type,
// or for ipv4, ipv6 and ip an object from scope (public, private, loopback,
// link-local, multicast, documentation, shared, reserved, unspecified) to
// action. What the file does not mention keeps its default. "ip" applies
// before "ipv4" and "ipv6". For example:
//
//	{"ip": {"private": "redact", "shared": "redact"}, "mac": "keep"}
func ParsePolicy(b []byte) (Policy, error) {
	p := DefaultPolicy()
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return p, fmt.Errorf("policy is not a JSON object: %w", err)
	}
	if raw == nil {
		return p, fmt.Errorf("policy is not a JSON object")
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	// "ip" first, then the rest in order, so that specific entries win.
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "ip") != (keys[j] == "ip") {
			return keys[i] == "ip"
		}
		return keys[i] < keys[j]
	})
	for _, key := range keys {
		var kinds []detect.Kind
		if key == "ip" {
			kinds = []detect.Kind{detect.IPv4, detect.IPv6}
		} else {
			k, err := detect.ParseKind(key)
			if err != nil || strings.ToLower(key) != key {
				return p, fmt.Errorf("policy: unknown type %q: use ip, ipv4, ipv6, email, mac, name or secret", key)
			}
			kinds = []detect.Kind{k}
		}
		isIP := kinds[0] == detect.IPv4 || kinds[0] == detect.IPv6
		var one string
		if err := json.Unmarshal(raw[key], &one); err == nil {
			a, err := ParseAction(one)
			if err != nil {
				return p, fmt.Errorf("policy %q: %w", key, err)
			}
			if a == PrefixPreserve && !isIP {
				return p, fmt.Errorf("policy %q: prefix-preserve applies to IP addresses only", key)
			}
			for _, k := range kinds {
				p.Set(k, a)
			}
			continue
		}
		var per map[string]string
		if err := json.Unmarshal(raw[key], &per); err != nil || !isIP {
			hint := ""
			if isIP {
				hint = " or an object from scope to action"
			}
			return p, fmt.Errorf("policy %q: want an action such as \"redact\"%s", key, hint)
		}
		for sc, act := range per {
			s, err := detect.ParseScope(sc)
			if err != nil || s == detect.ScopeNone {
				return p, fmt.Errorf("policy %q: unknown scope %q: use public, private, loopback, link-local, multicast, documentation, shared, reserved or unspecified", key, sc)
			}
			a, err := ParseAction(act)
			if err != nil {
				return p, fmt.Errorf("policy %q scope %q: %w", key, sc, err)
			}
			for _, k := range kinds {
				p.SetScope(k, s, a)
			}
		}
	}
	return p, nil
}

// String describes p in the policy file format, listing every type.
func (p Policy) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for k := detect.IPv4; k <= detect.Secret; k++ {
		if k > detect.IPv4 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: ", k.String())
		if k == detect.IPv4 || k == detect.IPv6 {
			b.WriteByte('{')
			for s := detect.Public; s <= detect.Unspecified; s++ {
				if s > detect.Public {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q: %q", s.String(), p.act[k][s].String())
			}
			b.WriteByte('}')
		} else {
			fmt.Fprintf(&b, "%q", p.act[k][detect.ScopeNone].String())
		}
	}
	b.WriteByte('}')
	return b.String()
}
