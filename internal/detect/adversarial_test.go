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
}

// allCases is every table case.
func allCases() []struct {
	note string
	tcase
} {
	return append(cases[:len(cases):len(cases)], adversarial...)
}
