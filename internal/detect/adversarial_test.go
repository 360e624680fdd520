package detect

// adversarial holds table cases written against the specification the way
// an attacker or a threat-intelligence analyst would probe it: defanged
// indicators, mail headers, URLs, JSON, log lines, Unicode around
// identifiers. TestScanTable runs them with the cases of detect_test.go,
// and the fuzzer starts from them.
var adversarial = []struct {
	note string
	tcase
}{
	// IPv6: RFC 4291 text forms.
	{"compressed all-zero is refused alone", tcase{in: "a :: b"}},
	{"loopback in brackets with a port", tcase{in: "http://[::1]:8080/", want: []string{"ipv6|::1"}}},
	{"embedded IPv4 after six groups, no '::'", tcase{in: "src 0:0:0:0:0:ffff:192.0.2.1 ok", want: []string{"ipv6|0:0:0:0:0:ffff:192.0.2.1|::ffff:192.0.2.1"}}},
	{"embedded IPv4 after six arbitrary groups", tcase{in: "1:2:3:4:5:6:1.2.3.4", want: []string{"ipv6|1:2:3:4:5:6:1.2.3.4|1:2:3:4:5:6:102:304"}}},
	{"IPv4-mapped in upper case", tcase{in: "::FFFF:192.0.2.1", want: []string{"ipv6|::FFFF:192.0.2.1|::ffff:192.0.2.1"}}},
	{"IPv4-mapped in hex groups", tcase{in: "::ffff:c000:201", want: []string{"ipv6|::ffff:c000:201|::ffff:192.0.2.1"}}},
	{"RFC 4291 example, mixed case", tcase{in: "2001:DB8:0:0:8:800:200C:417A", want: []string{"ipv6|2001:DB8:0:0:8:800:200C:417A|2001:db8::8:800:200c:417a"}}},
	{"eight single-letter groups", tcase{in: "a:b:c:d:e:f:0:1", want: []string{"ipv6|a:b:c:d:e:f:0:1|a:b:c:d:e:f:0:1"}}},
	{"leading zeros in every group", tcase{in: "0000:0000:0000:0000:0000:0000:0000:0001", want: []string{"ipv6|0000:0000:0000:0000:0000:0000:0000:0001|::1"}}},
	{"RFC 5952: the longest zero run is compressed", tcase{in: "2001:db8:0:0:1:0:0:1", want: []string{"ipv6|2001:db8:0:0:1:0:0:1|2001:db8::1:0:0:1"}}},
	{"RFC 5952: a single zero group is not compressed", tcase{in: "2001:db8:0:1:1:1:1:1", want: []string{"ipv6|2001:db8:0:1:1:1:1:1"}}},
	{"'::' at the end with seven groups", tcase{in: "1:2:3:4:5:6:7::", want: []string{"ipv6|1:2:3:4:5:6:7::|1:2:3:4:5:6:7:0"}}},
	{"hex words with a digit", tcase{in: "dead:beef::1", want: []string{"ipv6|dead:beef::1"}}},
	{"hex words without a digit", tcase{in: "dead:beef:: and cafe::babe"}},
	{"trailing colon ends a log message", tcase{in: "addr 2001:db8::1: connection reset", want: []string{"ipv6|2001:db8::1"}}},
	{"URL with port", tcase{in: "http://[2001:db8::1]:8080/index", want: []string{"ipv6|2001:db8::1"}}},
	{"zone index URL-encoded", tcase{in: "http://[fe80::1%25eth0]/", want: []string{"ipv6|fe80::1"}}},
	{"SMTP address literal", tcase{in: "Received: from mx.example.com ([IPv6:2001:db8::25]) by mail", want: []string{"ipv6|2001:db8::25"}}},
	{"SMTP address literal of the loopback", tcase{in: "[IPv6:::1]", want: []string{"ipv6|::1"}}},
	{"unspecified in brackets (listen socket)", tcase{in: "listen [::]:443 ssl;", want: []string{"ipv6|::"}}},
	{"unspecified as a default route", tcase{in: "route ::/0 via fe80::1", want: []string{"ipv6|::", "ipv6|fe80::1"}}},
	{"short form with a prefix length", tcase{in: "1::/16", want: []string{"ipv6|1::"}}},
	{"prefix length over 128 does not mark", tcase{in: "1::/129"}},
	{"brackets after a word index a slice", tcase{in: "x[::] y[1::]"}},
	{"too many groups", tcase{in: "1:2:3:4:5:6:7:8:9"}},
	{"too many groups after '::'", tcase{in: "fe80::1:2:3:4:5:6:7"}},
	{"two '::'", tcase{in: "2001:db8::1::"}},
	{"triple colon", tcase{in: "1:::2 and :::"}},
	{"unbracketed Java socket address", tcase{in: "/0:0:0:0:0:0:0:1:8080 closed", want: []string{"ipv6|0:0:0:0:0:0:0:1|::1"}}},
	{"port after an embedded IPv4", tcase{in: "::ffff:1.2.3.4:8080", want: []string{"ipv6|::ffff:1.2.3.4"}}},
	{"one-digit 'port' is a ninth group", tcase{in: "0:0:0:0:0:0:0:1:9"}},
	{"clock time with fraction", tcase{in: "at 12:34:56.789 and 10:30:00"}},
	{"C++ scopes", tcase{in: "std::vector Foo::bar::baz boost::asio::ip"}},
	{"Rust path with a number", tcase{in: "u8::MAX"}},
	{"NAT64", tcase{in: "64:ff9b::192.0.2.33", want: []string{"ipv6|64:ff9b::192.0.2.33|64:ff9b::c000:221"}}},
	{"documentation (RFC 9637)", tcase{in: "3fff:fff::1", want: []string{"ipv6|3fff:fff::1"}}},
	{"after a non-ASCII letter", tcase{in: "адрес2001:db8::1", want: []string{"ipv6|2001:db8::1"}}},
	{"glued to '_' on the right", tcase{in: "2001:db8::1_x"}},
	{"range of two addresses", tcase{in: "2001:db8::1-2001:db8::ff", want: []string{"ipv6|2001:db8::1", "ipv6|2001:db8::ff"}}},

	// E-mail.
	{"mailto in angle brackets", tcase{in: "<mailto:a@b.com>", want: []string{"email|a@b.com"}}},
	{"quoted display name", tcase{in: `"Doe, John" <John.Doe@Example.COM>,`, want: []string{"email|John.Doe@Example.COM"}}},
	{"trailing comma and dot", tcase{in: "to a@b.co, c@d.org.", want: []string{"email|a@b.co", "email|c@d.org"}}},
	{"one-letter top-level domain", tcase{in: "a@b.c"}},
	{"single label is a host, not an address", tcase{in: "user@localhost"}},
	{"retina image names", tcase{in: "icon@3x.webp logo@2X.png"}},
	{"npm scope and version", tcase{in: "npm i @babel/core@7.0.0"}},
	{"mention", tcase{in: "cc @alice and @bob-smith"}},
	{"percent hack routing", tcase{in: "user%host@relay.example.com", want: []string{"email|user%host@relay.example.com"}}},
	{"IDN local part and domain", tcase{in: "用户@例子.广告", want: []string{"email|用户@例子.广告"}}},
	{"upper-case IDN lower-cased", tcase{in: "ÑANDÚ@CORREO.ES", want: []string{"email|ÑANDÚ@CORREO.ES|ñandú@correo.es"}}},
	{"runs of dots in the local part are kept", tcase{in: "user..name@example.com", want: []string{"email|user..name@example.com"}}},
	{"trailing hyphen is punctuation", tcase{in: "mail user@example.com- now", want: []string{"email|user@example.com"}}},
	{"git remote", tcase{in: "git@github.com:org/repo.git", want: []string{"email|git@github.com"}}},
	{"URL user without a password is an account", tcase{in: "ssh://git@example.org/repo", want: []string{"email|git@example.org"}}},
	{"URL password is a secret, not an address", tcase{in: "https://user:hunter2@example.com/x", want: []string{"secret:password|hunter2"}}},
	{"SMTP header", tcase{in: "From: \"Alice\" <alice@example.org>\r\nTo: bob@example.net", want: []string{"email|alice@example.org", "email|bob@example.net"}}},
	{"HTML-escaped brackets around", tcase{in: "&lt;user@example.com&gt;", want: []string{"email|user@example.com"}}},
	{"defanged at and dot", tcase{in: "phish[@]bank-login[.]xyz", want: []string{"email|phish[@]bank-login[.]xyz|phish@bank-login.xyz"}}},
	{"defanged [at]", tcase{in: "contact user[at]example[.]com now", want: []string{"email|user[at]example[.]com|user@example.com"}}},
	{"defanged (at) (dot), upper case", tcase{in: "John.Doe(AT)Example(DOT)com", want: []string{"email|John.Doe(AT)Example(DOT)com|john.doe@example.com"}}},
	{"spaced obfuscation", tcase{in: "write to jane [at] example [dot] org", want: []string{"email|jane [at] example [dot] org|jane@example.org"}}},
	{"defanged dot only", tcase{in: "user@example[.]com", want: []string{"email|user@example[.]com|user@example.com"}}},
	{"URL-escaped at-sign in a query", tcase{in: "?email=john.doe%40example.com&x=1", want: []string{"email|john.doe%40example.com|john.doe@example.com"}}},
	{"URL escape before the local part is not part of it", tcase{in: "?q%3Duser%40example.com", want: []string{"email|user%40example.com|user@example.com"}}},
	{"HTML character references", tcase{in: "user&#64;example&#46;com and a&#x40;b.org", want: []string{"email|user&#64;example&#46;com|user@example.com", "email|a&#x40;b.org|a@b.org"}}},
	{"defanged address after a listed name", tcase{in: "bob[at]example.com", names: []string{"Bob"}, want: []string{"email|bob[at]example.com|bob@example.com"}}},
	{"defanged address as a password value", tcase{in: "password=bob[at]example.com", want: []string{"email|bob[at]example.com|bob@example.com"}}},
	{"IP then escaped at-sign: the address", tcase{in: "1.2.3.4%40example.com", want: []string{"email|1.2.3.4%40example.com|1.2.3.4@example.com"}}},
	{"[at] without a domain", tcase{in: "meet [at] noon and x[at]y"}},
	{"Java object hash is not an address", tcase{in: "FastLeaderElection@774 Foo@1f2e3d"}},
}

// allCases is every table case.
func allCases() []struct {
	note string
	tcase
} {
	return append(cases[:len(cases):len(cases)], adversarial...)
}
