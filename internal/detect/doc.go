// Package detect finds identifiers in text: IPv4 and IPv6 addresses, e-mail
// addresses, MAC addresses, listed names and secrets (private keys, API
// tokens, credential assignments). It returns spans, kinds, canonical values
// and, for addresses, their scope; deciding what to do with them belongs to
// redact. It is a pure leaf: bytes in, matches out, no I/O, no logging, no
// regular expressions, and no antidote imports.
//
// The scanner makes one pass over the text, stopping only at bytes that can
// start something (word starts, ':', '=', '-', and non-ASCII runes when names
// are listed) and finding e-mail addresses from their '@' with
// bytes.IndexByte. A slow reference detector built on regexp and net/netip
// lives in the tests and is fuzzed against it.
//
// Decisions on ambiguous text, each pinned by a test case:
//
// IPv4. Four decimal octets of one to three digits, each at most 255; a
// leading zero is read as decimal ("010.001.002.003" is 10.1.2.3, not octal
// as inet_aton would read it). In "::ffff:1.2.03.4", which net/netip
// refuses as IPv6 for its leading zero, the IPv4 address 1.2.3.4 is found.
// Digits may be full-width ("１９２．１６８．１．１", as input methods type
// them and browsers accept them). Separators may be defanged: "[.]", "(.)",
// "{.}", "[dot]", "(dot)", the HTML reference "&#46;" or the full-width
// stop, mixed freely; the span then covers the defanged text. The span
// never includes a port, prefix length, brackets or a "user@". Only a digit,
// or a separator glued to a digit, glues to a dotted quad ("1.2.3.4.5",
// "2.5.4.3.1", "1.2.3.4567" are none); letters and '_' do not, so that
// "srcIP8.8.8.8", "_8.8.8.8_" and "host129.206.196.21.example.com" hold
// addresses. Markup and URL escapes end before an address: troff's
// "\fB8.8.8.8\fR", "\*(Aq127.0.0.1\*(Aq", "\(aq", and "%208.8.8.8", which
// is a URL-escaped space and 8.8.8.8 (but "100%10.0.0.1", where no address
// follows the escape, holds 10.0.0.1).
//
// Host names carry addresses: "customer-187-141-143-180-sta.example.mx",
// "ip-216-69-169-168.ip.example.net", "static-059.45.101.203.example.net",
// "host129.206.196.21.example.com". An address written with dashes counts
// when letters are glued to it by a dash or a domain follows it ("1-2-3-4"
// alone does not). The span of such an address is the whole label around
// it (letters, digits and '-', up to 63 bytes each side, not into an escape
// nor into a dotted number next to it), and the value is the address, so
// that the label becomes the token the dotted form gets. The order is
// taken as written, but before ".in-addr.arpa", where it is reversed.
// Digits that end a word of letters belong to it: Amazon's
// "ec2-54-12-34-56.compute-1.amazonaws.com" holds 54.12.34.56, while
// "ip-1-2-3-4-5" holds none.
//
// A URL host written as a number instead of a dotted quad, as exploit and
// phishing URLs hide an address, is read as inet_aton and browsers read
// it: "http://3232235777/", "http://0x08080808/", "http://0177.1/" (octal
// after a leading 0), "http://8.526344/" (fewer parts, the last filling the
// bits left); only right after "://" (and a user name), and only where the
// host ends there.
//
// IPv6 addresses in host names, matched the same way (the label is the
// span, the address the value): dashes for colons, eight groups or fewer
// around one "--" ("2a00-1450-4001-81b-0-0-0-200e.example.net", Windows'
// "fe80--1s4.ipv6-literal.net"), in a label or before a domain; and the 32
// reversed nibbles of a PTR name before ".ip6.arpa" (a shorter zone name is
// a network, not an address).
//
// Versions. A dotted quad in version context is reported with Kept
// "version", and redaction leaves it: after 'v' ("v1.2.3.4"), a Debian
// epoch ("1:24.3.4.5"), a word ending in "version(s)", "policy" or the
// word "ver" with only separators and a few connecting words between
// ("Standards-Version: 3.9.3.0", "bump to 3.7.2.0", "will be 4.1.4.1"), a
// comparison (">= 1.2.3.4") or a package name and '-' ("zlib-1.2.8.1", not
// "ip-" or "static-", not before a domain); before a '+' or '~' suffix
// ("+dfsg", "~rc1") or a package revision and ')' ("-1)", "-2ubuntu1)"); or
// as "(1.2.3.4) unstable;" in a changelog header. "Chrome/120.0.0.0",
// "(203.0.113.9)", "versions differ for 5.6.7.8" and "policy allow from
// 8.8.8.8" stay addresses.
//
// IPv6. The longest prefix of a run of [0-9A-Fa-f:.] that net/netip accepts
// (all RFC 4291 text forms, embedded IPv4 included), not glued to a word,
// a dotted name or further groups on its right: "1:2:3:4:5:6:7:8:9" and
// "2001:db8::1::" are refused, "2001:db8::1: refused" is found; a form
// ending in "::" before a path ('/' and no digit) is a colon-separated
// record ("alice:x:1000:1000::/home/alice"), not an address. A zone
// ("%eth0") and a port are outside the span and dropped from the value;
// "[2001:db8::1]:443" yields the address inside the brackets, and a port
// of two to five digits may follow a form that takes no more groups (eight
// groups, or an embedded IPv4 address), as in Java's unbracketed
// "0:0:0:0:0:0:0:0:2181", which yields "::". "[IPv6:2001:db8::1]" in mail
// headers yields the address. Ambiguous short forms are refused: a
// compressed form must contain a decimal digit (so "dead::beef", "a::b",
// "std::vector" and "Foo::Bar" are not addresses), a compressed form with a
// single group must be "::1" or have three or more hex digits in it
// ("fe80::" yes; "1::", "::2" no: those are Python slices and Rust paths
// far more often than addresses; "1::2" has two groups and is one), "::"
// alone is never one, and eight groups of exactly two hex digits are an
// EUI-64 or WWN. These rules yield to context that marks an address: a
// prefix length ("::/0", "1::/16") or brackets that do not index
// something ("[::]:443", but not "x[::2]").
//
// E-mail. A practical RFC 5322/6531 subset: a dot-atom local part of
// letters, digits, marks and "_%+-'" (no leading "'-+%."; runs of dots are
// tolerated, a trailing dot is not), at most 64 bytes; a domain of at least
// two labels whose last label is two or more letters or an "xn--" label. A
// label never ends with '-' ("user@example.com-" yields the address). The
// value is lower-cased, with '@' and '.' for the defanged and escaped
// forms threat reports, web pages and URLs use, which the span covers:
// "[@]", "(@)", "[at]", "(at)" (with a space on either side or none),
// "%40" and "&#64;"/"&#x40;" for the at-sign; "[.]", "(.)", "{.}", "[dot]",
// "(dot)" (the bracketed ones spaced or not) and "&#46;" for dots. After
// "%40" the local part starts after the last %XX escape, which belongs to
// the URL around it ("?q%3Duser%40example.com" yields user@example.com).
// "logo@2x.png" (a scale suffix, or an ending such as .png that is not a
// top-level domain), "@mention", "@types/node", "user@localhost" and
// "user@1.2.3.4" (the IP is reported instead) are not addresses;
// "git@github.com:org/repo" and "ssh://git@host.example/" are: user@host
// names an account on a host, which is what redaction is for. In
// "https://user:pass@host/" the password is a secret and "pass@host" is no
// address.
//
// MAC. Six colon-separated groups of one or two hex digits, six
// dash-separated pairs, or Cisco's three dotted quads, not part of a longer
// hex run, but for the destination and source addresses in the MAC field
// of a netfilter log line ("MAC=" and fourteen pairs). The value is
// lower-case colon form.
//
// Names. Whole words, case-insensitive under Unicode simple folding, with
// any run of up to 16 white-space runes (newlines included) and markup tags
// ("Anne-Marie</td><td>Bush"), at most 64 bytes, wherever the listed name
// has white space, and ’ matching '. A hyphen between two words matches
// white space and the other way round ("Anne Marie" is "Anne-Marie"), but
// a name never matches part of a hyphenated word: "John Smith-Jones" holds
// no "John Smith" (nor "Jones"). Letters without a decomposition match
// their transliteration: ø o, ł l, ß ss, æ ae, œ oe, đ and ð d, þ th, ı i,
// ħ h, ŧ t ("Ødegård" is "Odegard", "Żółć" "Zolc").
// A list entry may ask for more spellings after '|': "last-first" ("Bush,
// Anne-Marie"), "initials" ("A. Bush", "J. R. Tolkien", "J. Tolkien", and
// with last-first "Bush, A."), "given" (the given name alone), and "case"
// (each word capitalised as listed, for names that are also phrases: "Will
// Power | case" does not match "will power"). Every spelling has the
// entry's name as its value. LikelyPhrases names the entries made of
// ordinary words alone. Accented Latin and Greek
// letters match their base letters, whether composed or decomposed (NFD, as
// macOS writes file names): "José", "JOSE", "Jose\u0301" are one name, and
// "ISTANBUL" matches "İstanbul"; full-width letters match ASCII ones. Soft
// hyphens and zero-width characters inside a word are passed over
// ("Mül\u00adler"), up to four accents or such characters after a letter.
// Han, Hiragana and Katakana characters are words of their own, since those
// scripts put no spaces between words: "李小龙" is found in "我是李小龙的朋友",
// and "John" in "联系John". The span is the name alone: in "Smith's" it
// leaves the possessive, which stays readable in the redacted text. The
// value is the name as listed, so every spelling of a person gets one
// pseudonym.
//
// Secrets. A private-key block is matched whole, from BEGIN to END (or, if
// truncated, over the base64 lines that follow), including keys escaped into
// JSON with literal \n. Tokens: AWS access key IDs, GitHub, GitLab, Slack
// (tokens and webhook URLs), Discord webhooks, Google (API keys, OAuth
// client secrets and access tokens), Stripe, OpenAI, Anthropic, Hugging
// Face, npm, PyPI, SendGrid and Telegram bot tokens, and JWTs. Credential
// assignments match the value alone: an identifier ending in password,
// passwd, passphrase, pwd, secret, token, api key, secret key, access key,
// private key, account key or authorization (in any case, with '_', '-' or
// '.' between the words: "apiKey", "API-KEY", "aws_secret_access_key"), or
// that is "pass" or ends in "_pass", then '=', ':', ":=" or "=>"; or an XML
// element closed on the same line ("<password>x</password>"); or a quoted
// key and value in a call ("define('DB_PASSWORD', 'x')"); or a command-line
// flag and its value ("--password x"). After "key: " (a colon and white
// space, as YAML and config files write it) an unquoted value runs to white
// space, less a trailing ',' or ';' ("ldap_bind_pw: E@9I0MyT&LUy"); after
// '=' it also stops at one of ",;&<>)]}|" and quotes, as in URLs. An Authorization header's value is
// what follows the scheme ("Bearer", "Basic", ...). The password in the
// user information of a URL ("postgres://app:s3cret@db:5432/") is a secret
// too, and so is the value glued to a MySQL or MariaDB client's "-p"
// ("mysql -u root -pSummer2024!", the line running a mysql* or mariadb*
// command), the value of sshpass's "-p" ("sshpass -p 'x' ssh host"), the
// password after the first ':' of curl's "-u" or "--user" ("curl -u
// bob:x"), the quoted string after SQL's IDENTIFIED BY ("CREATE USER
// 'bob'@'%' IDENTIFIED BY 'x'", also IDENTIFIED WITH plugin BY) or in
// SQL's PASSWORD() function ("= PASSWORD('x')"), the word
// after "password" on a .netrc line ("machine host login bob password
// x"), a quoted string after "password", "passwd" or "passphrase" and
// one space in prose ("the password 'Summer2024!'"), and a value after a
// whole "pw" ("ldap_bind_pw: x"). Placeholders such as "********",
// "${VAR}", "<password>" and "null", and "PWD=/path" in environment dumps,
// are left alone, and so, in commands, SQL and .netrc lines, are shell
// variables ("$SSHPASS") and the word "password" itself, as are values
// that are code (a call or an index:
// "strtok_r(...)", "os.environ['X']"), values and token shapes holding a
// placeholder word ("your-", "your_", "changeme", "placeholder", "-here":
// "xoxb-your-bot-token-here"), and the sources on nsswitch.conf's "passwd:"
// line. Prose is left alone too: an unquoted value of letters that more
// words follow after a blank ("pam_unix_passwd: try repeatedly",
// "--passphrase with --quick-gen"), a lower-case word in backquotes
// ("PWD=`pwd`") or as Authorization credentials, a test's "PASS: name",
// and "value" ("token=value pairs"). Values and JWTs
// longer than MaxLen are cut at MaxLen. The Value of a Secret is the secret
// itself, so that it can be the input of a keyed pseudonym; callers must
// treat it as a secret (wrap it in secret.String). Match.Label names the
// kind of secret.
//
// Overlaps. Of overlapping candidates the earliest wins, then the longest,
// then the most specific. Options.Kinds filters candidates before this, so
// a disabled kind never hides an enabled one.
package detect
