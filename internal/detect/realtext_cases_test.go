package detect

// realText holds table cases taken from real text nobody in this project
// wrote (loghub, Debian changelogs and control files, man pages), the
// places where the scanner used to leak an address beside its own token or
// redact a version number.
var realText = []struct {
	note string
	tcase
}{
	// Addresses in host names: the label is the span, the address the value,
	// so the token is the one the dotted form gets.
	{"dashed, with prefix and suffix words (loghub OpenSSH)", tcase{in: "getaddrinfo for customer-187-141-143-180-sta.uninet-ide.com.mx [187.141.143.180] failed",
		want: []string{"ipv4|customer-187-141-143-180-sta|187.141.143.180", "ipv4|187.141.143.180"}}},
	{"dashed after a prefix word (loghub OpenSSH)", tcase{in: "rhost=ip-216-69-169-168.ip.secureserver.net", want: []string{"ipv4|ip-216-69-169-168|216.69.169.168"}}},
	{"dashed, no prefix, domain after", tcase{in: "for 195-154-37-122.rev.poneytelecom.eu [x]", want: []string{"ipv4|195-154-37-122|195.154.37.122"}}},
	{"dashed inside a longer label (loghub Linux)", tcase{in: "(lns-vlq-45-tou-82-252-162-81.adsl.proxad.net)", want: []string{"ipv4|lns-vlq-45-tou-82-252-162-81|82.252.162.81"}}},
	{"AWS internal host name without a domain", tcase{in: "Connected to ip-172-31-16-5 ok", want: []string{"ipv4|ip-172-31-16-5|172.31.16.5"}}},
	{"dashed alone is not a host name", tcase{in: "codes 1-2-3-4 and 10-20-30-40"}},
	{"dashed with a fifth number is none", tcase{in: "ip-1-2-3-4-5.example.com"}},
	{"dashed after a prefix word that ends in digits (Amazon EC2)", tcase{in: "ec2-54-12-34-56.compute-1.amazonaws.com and ec2-3-5-7-9.eu-west-1.compute.amazonaws.com",
		want: []string{"ipv4|ec2-54-12-34-56|54.12.34.56", "ipv4|ec2-3-5-7-9|3.5.7.9"}}},
	{"a date with a time is no dashed address", tcase{in: "at 2015-07-29-12-30 and x2015-07-29-12"}},
	{"dotted, glued to a prefix word (loghub OpenSSH)", tcase{in: "rhost=host129.206.196.21.maximumasp.com", want: []string{"ipv4|host129.206.196.21|129.206.196.21"}}},
	{"dotted, after a dashed prefix", tcase{in: "static-059.45.101.203.example.net", want: []string{"ipv4|static-059.45.101.203|59.45.101.203"}}},
	{"IPv6 with dashes in a host name (full, compressed, after a prefix word)", tcase{in: "2a00-1450-4001-81b-0-0-0-200e.example.net ip-2a00-1450-4001-81b--200e.example.net",
		want: []string{"ipv6|2a00-1450-4001-81b-0-0-0-200e|2a00:1450:4001:81b::200e", "ipv6|ip-2a00-1450-4001-81b--200e|2a00:1450:4001:81b::200e"}}},
	{"IPv6 as a Windows UNC name", tcase{in: `\\fe80--1s4.ipv6-literal.net\share`, want: []string{"ipv6|fe80--1s4|fe80::1"}}},
	{"IPv6 with dashes, not in a host name, or not an address", tcase{in: "2a00-1450-4001-81b--200e alone; 550e8400-e29b-41d4-a716-446655440000; 2015-07-29-12-30-00; a--b; --be--ef.example.com"}},
	{"two numbers around a \"--\" are prose (Debian changelogs)", tcase{in: "types are 2--4x faster, pages 10--20, fe80--1.example.com"}},
	{"IPv6 PTR name, nibbles backwards", tcase{in: "e.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.b.1.8.0.1.0.0.4.0.5.4.1.0.0.a.2.IP6.ARPA. PTR",
		want: []string{"ipv6|e.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.b.1.8.0.1.0.0.4.0.5.4.1.0.0.a.2|2a00:1450:4001:81b::200e"}}},
	{"IPv6 PTR zone, fewer nibbles, is a network", tcase{in: "1.0.0.4.0.5.4.1.0.0.a.2.ip6.arpa. SOA"}},
	{"PTR name read backwards", tcase{in: "168.169.69.216.IN-ADDR.ARPA. PTR", want: []string{"ipv4|168.169.69.216|216.69.169.168"}}},
	// Glue.
	{"underscores on both sides", tcase{in: "x _8.8.8.8_ and 8.8.8.8_", want: []string{"ipv4|8.8.8.8", "ipv4|8.8.8.8"}}},
	{"letters glued on the left", tcase{in: "srcIP8.8.8.8 dst", want: []string{"ipv4|srcIP8.8.8.8|8.8.8.8"}}},
	{"troff font escapes (man pages)", tcase{in: `\fB8.8.8.8\fR and \fI10.1.2.3\fP`, want: []string{"ipv4|8.8.8.8", "ipv4|10.1.2.3"}}},
	{"troff string escapes (man pages)", tcase{in: `\*(Aq127.0.0.1\*(Aq and \(aq1.2.3.4\(aq`, want: []string{"ipv4|127.0.0.1", "ipv4|1.2.3.4"}}},
	{"troff font escape before a host name", tcase{in: `\fBhost1.2.3.4\fR`, want: []string{"ipv4|host1.2.3.4|1.2.3.4"}}},
	{"MAC after a troff string escape", tcase{in: `\*(Aq00:1a:2b:3c:4d:5e\*(Aq`, want: []string{"mac|00:1a:2b:3c:4d:5e"}}},
	{"URL-escaped space before an address", tcase{in: "q=%208.8.8.8&x", want: []string{"ipv4|8.8.8.8"}}},
	{"URL escape that is not one before an address", tcase{in: "100%10.0.0.1", want: []string{"ipv4|10.0.0.1"}}},
	{"URL escape before a host label", tcase{in: "%20host1.2.3.4 %2Fip-1-2-3-4", want: []string{"ipv4|host1.2.3.4|1.2.3.4", "ipv4|ip-1-2-3-4|1.2.3.4"}}},
	{"a match that ends inside a word", tcase{in: "0.0.0.0A0.0.0.0", want: []string{"ipv4|0.0.0.0A|0.0.0.0", "ipv4|0.0.0.0"}}},
	{"a range after a host label", tcase{in: "1.2.3.4-to-5.6.7.8", want: []string{"ipv4|1.2.3.4-to|1.2.3.4", "ipv4|5.6.7.8"}}},
	// IPv6 in colon-separated records.
	{"passwd line: no address", tcase{in: "alice:x:1000:1000::/home/alice:/bin/sh"}},
	{"a prefix length after '::' still marks an address", tcase{in: "route 2001:db8::/32 via", want: []string{"ipv6|2001:db8::"}}},
	// Secrets: code and placeholders are not secrets (man pages, docs).
	{"a call is no token", tcase{in: "token = strtok_r(NULL, \" \", &save);"}},
	{"an allocation is no secret", tcase{in: "secret = OPENSSL_zalloc(len);"}},
	{"an environment lookup is no password", tcase{in: "db_password = os.environ['DB_PASSWORD']"}},
	{"nsswitch sources are no password", tcase{in: "passwd:         files systemd"}},
	{"placeholder words", tcase{in: "api_key=your-api-key-here password: changeme"}},
	{"a password with a parenthesis stays one", tcase{in: "password=Summer(2024", want: []string{"secret:password|Summer(2024"}}},
	{"mysql password glued to -p", tcase{in: "mysql -u root -pSummer2024! db", want: []string{"secret:password|Summer2024!"}}},
	{"mysqldump, quoted", tcase{in: "/usr/bin/mysqldump -uroot -p'S3cr3t x' --all", want: []string{"secret:password|S3cr3t x"}}},
	{"-p without mysql is no password", tcase{in: "mkdir -pv /tmp/x; ssh -p2222 host"}},
	{"quoted password in prose", tcase{in: "use the password 'Summer2024!' to log in", want: []string{"secret:password|Summer2024!"}}},
	{"quoted password in prose, double quotes", tcase{in: `Password "hunter2" works`, want: []string{"secret:password|hunter2"}}},
	{"a _pw key (ldap.conf): the value runs to white space", tcase{in: "ldap_bind_pw: E@9I0MyT&LUy", want: []string{"secret:password|E@9I0MyT&LUy"}}},
	{"key: value in YAML, trailing comma dropped", tcase{in: "{password: s3cr3t<x>, user: bob}", want: []string{"secret:password|s3cr3t<x>"}}},
	{"placeholder token", tcase{in: "SLACK_TOKEN=xoxb-your-bot-token-here", want: nil}},
	// Zero-padded quads: decimal, as everywhere.
	{"zero-padded quad is decimal", tcase{in: "010.000.015.001", want: []string{"ipv4|010.000.015.001|10.0.15.1"}}},
	{"zero-padded embedded IPv4: the IPv4 part (netip refuses the IPv6 form)", tcase{in: "::ffff:1.2.03.4", want: []string{"ipv4|1.2.03.4|1.2.3.4"}}},
	// Versions: found, kept, and the reason said.
	{"Debian epoch and suffix (changelog)", tcase{in: "erlang (1:24.3.4.5+dfsg-1)", want: []string{"ipv4!version|24.3.4.5|24.3.4.5"}}},
	{"Standards-Version (control file)", tcase{in: "Standards-Version: 3.9.3.0", want: []string{"ipv4!version|3.9.3.0"}}},
	{"Standards-Version in prose", tcase{in: "Bump Standards-Version 3.9.3.0", want: []string{"ipv4!version|3.9.3.0"}}},
	{"version comparison with an epoch", tcase{in: "zlib1g (>= 1:1.2.3.4)", want: []string{"ipv4!version|1.2.3.4"}}},
	{"version comparison", tcase{in: "libfoo (>= 2.0.0.1), bar (<<3.0.0.0)", want: []string{"ipv4!version|2.0.0.1", "ipv4!version|3.0.0.0"}}},
	{"package revision in parentheses", tcase{in: "foo (1.2.3.4-1) and (1.2.3.4-2ubuntu1)", want: []string{"ipv4!version|1.2.3.4", "ipv4!version|1.2.3.4"}}},
	{"changelog header", tcase{in: "libfoo (2.4.1.3) unstable; urgency=medium", want: []string{"ipv4!version|2.4.1.3"}}},
	{"tilde suffix", tcase{in: "1.2.3.4~rc1", want: []string{"ipv4!version|1.2.3.4"}}},
	{"a '+' in a URL is a space, not a version suffix", tcase{in: "GET /search?q=8.8.8.8+whois&x=9.9.9.9+y /1.1.1.1+z", want: []string{"ipv4|8.8.8.8", "ipv4|9.9.9.9", "ipv4|1.1.1.1"}}},
	{"version keyword with '='", tcase{in: `version="1.0.0.1" VER 2.0.0.1`, want: []string{"ipv4!version|1.0.0.1", "ipv4!version|2.0.0.1"}}},
	{"version words before it (changelog)", tcase{in: "Bump Standards-Version to 4.6.0.1; Updated package to Policy 3.6.1.1.", want: []string{"ipv4!version|4.6.0.1", "ipv4!version|3.6.1.1"}}},
	{"an address in parentheses stays one", tcase{in: "from host (203.0.113.9) port", want: []string{"ipv4|203.0.113.9"}}},
	{"a range in parentheses stays two addresses", tcase{in: "(10.0.0.1-10.0.0.9)", want: []string{"ipv4|10.0.0.1", "ipv4|10.0.0.9"}}},
	{"a word merely containing ver does not keep", tcase{in: "server 8.8.4.4", want: []string{"ipv4|8.8.4.4"}}},
	{"other words between a version keyword and an address (sshd, firewalls)", tcase{in: "Protocol major versions differ for 5.6.7.8: x; policy allow from 8.8.8.8; version check failed for host 9.9.9.9",
		want: []string{"ipv4|5.6.7.8", "ipv4|8.8.8.8", "ipv4|9.9.9.9"}}},
	{"an address compared in a filter stays an address (Wireshark, code)", tcase{in: "ip.addr==8.8.8.8 and ip.src == 9.9.9.9 and ip.dst!=1.1.1.1; if client_ip == 4.4.4.4",
		want: []string{"ipv4|8.8.8.8", "ipv4|9.9.9.9", "ipv4|1.1.1.1", "ipv4|4.4.4.4"}}},
	{"a package compared is a version", tcase{in: "requests==1.2.3.4, foo ~= 1.2.3.6, bar != 2.0.0.1", want: []string{"ipv4!version|1.2.3.4", "ipv4!version|1.2.3.6", "ipv4!version|2.0.0.1"}}},
	{"more connecting words (Debian changelogs)", tcase{in: "(Standards-Version): bump to 3.7.2.0; Version bump: 1.0.99.1; Next version will be 4.1.4.1; upgrades from versions before 1.7.9.5; Reset version from 1.2.0.0",
		want: []string{"ipv4!version|3.7.2.0", "ipv4!version|1.0.99.1", "ipv4!version|4.1.4.1", "ipv4!version|1.7.9.5", "ipv4|1.2.0.0"}}},
	{"connecting words between a version keyword and its number", tcase{in: "Standards-Version: updated to 3.9.3.0; version is now 1.0.0.2; versionto 1.0.0.3; version to1.0.0.4",
		want: []string{"ipv4!version|3.9.3.0", "ipv4!version|1.0.0.2", "ipv4|1.0.0.3", "ipv4|to1.0.0.4|1.0.0.4"}}},
	{"package name and version (Debian changelogs)", tcase{in: "zlib-1.2.8.1 inflate; tix-8.4.3.6. Patch; shadow-4.0.4.1-owl-pam.diff, RelNotes-1.5.3.5:",
		want: []string{"ipv4!version|1.2.8.1", "ipv4!version|8.4.3.6", "ipv4!version|4.0.4.1", "ipv4!version|1.5.3.5"}}},
	{"a host name word or a domain after keeps an address", tcase{in: "ip-10.1.2.3 failed, Static-8.8.8.8 and web-8.8.4.4.example.com, 1347369012-10.190.173.170-14449721475",
		want: []string{"ipv4|ip-10.1.2.3|10.1.2.3", "ipv4|Static-8.8.8.8|8.8.8.8", "ipv4|web-8.8.4.4|8.8.4.4", "ipv4|10.190.173.170"}}},
}

// nameCases are the names of the issue, run with the other table cases.
var nameCases = []struct {
	note string
	tcase
}{
	{"ø matches o, both ways", tcase{in: "Kari Odegard and KARI ØDEGÅRD", names: []string{"Kari Ødegård"}, want: []string{"name|Kari Odegard|Kari Ødegård", "name|KARI ØDEGÅRD|Kari Ødegård"}}},
	{"ł, ż, ó, ć", tcase{in: "pan Zolc i pan Żółć", names: []string{"Żółć"}, want: []string{"name|Zolc|Żółć", "name|Żółć|Żółć"}}},
	{"ß is ss", tcase{in: "Herr Strasse, Herr STRASSE, Herr Straße", names: []string{"Straße"}, want: []string{"name|Strasse|Straße", "name|STRASSE|Straße", "name|Straße|Straße"}}},
	{"a hyphen typed as a space, and the other way", tcase{in: "Anne Marie Bush, ANNE-MARIE BUSH", names: []string{"Anne-Marie Bush"}, want: []string{"name|Anne Marie Bush|Anne-Marie Bush", "name|ANNE-MARIE BUSH|Anne-Marie Bush"}}},
	{"listed with a space, written with a hyphen", tcase{in: "Jean-Luc Picard", names: []string{"Jean Luc Picard"}, want: []string{"name|Jean-Luc Picard|Jean Luc Picard"}}},
	{"no match inside a hyphenated surname", tcase{in: "John Smith-Jones and Smith-John Smith", names: []string{"John Smith"}, want: nil}},
	{"the longer hyphenated name wins", tcase{in: "John Smith-Jones", names: []string{"John Smith", "John Smith-Jones"}, want: []string{"name|John Smith-Jones|John Smith-Jones"}}},
	{"tags between the parts", tcase{in: "<td>Anne-Marie</td><td>Bush</td>", names: []string{"Anne-Marie Bush"}, want: []string{"name|Anne-Marie</td><td>Bush|Anne-Marie Bush"}}},
	{"a gap of tags too long is none", tcase{in: "John<span class=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"></span> <b>Smith", names: []string{"John Smith"}, want: nil}},
	{"variants by option: last-first, initials, given", tcase{in: "Bush, Anne-Marie; A. Bush; Bush, A.; Anne-Marie; Bush",
		names: []string{"Anne-Marie Bush | last-first, initials, given"},
		want:  []string{"name|Bush, Anne-Marie|Anne-Marie Bush", "name|A. Bush|Anne-Marie Bush", "name|Bush, A|Anne-Marie Bush", "name|Anne-Marie|Anne-Marie Bush"}}},
	{"initials of two given names", tcase{in: "J. R. Tolkien and J. Tolkien", names: []string{"John Ronald Tolkien | initials"}, want: []string{"name|J. R. Tolkien|John Ronald Tolkien", "name|J. Tolkien|John Ronald Tolkien"}}},
	{"no variants without options", tcase{in: "Bush, Anne-Marie and A. Bush", names: []string{"Anne-Marie Bush"}, want: nil}},
	{"case: a phrase that is also a name matches capitalised only", tcase{in: "it takes will power; Will Power said; WILL POWER", names: []string{"Will Power | case"}, want: []string{"name|Will Power|Will Power", "name|WILL POWER|Will Power"}}},
	{"æ is ae, đ is d, þ is th", tcase{in: "Aesir Dorde Thor", names: []string{"Æsir", "Đorđe", "Þór"}, want: []string{"name|Aesir|Æsir", "name|Dorde|Đorđe", "name|Thor|Þór"}}},
}
