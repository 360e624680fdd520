#!/bin/sh
# Regenerates the reference texts of the quality corpus with the Debian
# tools the field uses: catdoc, xls2csv and catppt (package catdoc),
# unrtf, odt2txt, and msgconvert (libemail-outlook-message-perl) for .msg.
set -eu
cd "$(dirname "$0")"
for f in *.doc; do catdoc -d utf-8 -w "$f" > "$f.ref.txt"; done
for f in *.xls; do xls2csv -d utf-8 "$f" > "$f.ref.txt"; done
for f in *.ppt; do catppt -d utf-8 "$f" > "$f.ref.txt"; done
for f in *.rtf; do unrtf --text "$f" 2>/dev/null | sed '1,/^-----------------$/d' > "$f.ref.txt"; done
for f in *.odt *.ods *.odp; do odt2txt --encoding=UTF-8 "$f" > "$f.ref.txt"; done
for f in *.msg; do
	tmp=$(mktemp -d)
	cp "$f" "$tmp/m.msg"
	(cd "$tmp" && msgconvert m.msg >/dev/null)
	python3 - "$tmp/m.eml" > "$f.ref.txt" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
# Every header msgconvert rebuilt from the message's properties and its
# transport headers: antidote keeps them too (they carry the routing).
for k, v in m.items():
    print(f'{k}: {v}')
print()
b = m.get_body(preferencelist=('plain', 'html'))
if b is not None: print(b.get_content())
PY
	rm -r "$tmp"
done
