package detect

import "testing"

func TestQuick(t *testing.T) {
	s, err := New(Options{Names: []string{"John Smith", "O'Brien"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		"from 1.2.3.4 port 22", "1.2.3[.]4", "v1.2.3.4", "1.2.3.4.5", "ip 1.2.3.4.",
		"fe80::1%eth0", "[2001:db8::1]:443", "std::vector", "10:30:00", "/0:0:0:0:0:0:0:0:2181:Fast",
		"mail john.smith+x@Example.COM.", "logo@2x.png", "git@github.com:foo",
		"00:1a:2b:3c:4d:5e", "001a.2b3c.4d5e", "John\n Smith's car", "Ms O’Brien",
		"password=hunter2 next", `"api_key": "abc def"`, "AKIAIOSFODNN7EXAMPLE",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nx",
		"::ffff:192.0.2.1", "user@1.2.3.4",
	} {
		t.Logf("%q -> %+v", in, s.Scan(nil, []byte(in)))
	}
}
