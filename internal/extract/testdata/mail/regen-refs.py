"""Reference texts of the CPython email test messages, as Python's email
package (policy compat32, which tolerates damage) reads them: the main
headers, then every text part decoded, HTML with its tags removed."""
import email, glob, html, re, sys

for name in sorted(glob.glob('msg_*.txt')):
    with open(name, 'rb') as f:
        m = email.message_from_binary_file(f)
    out = []
    for k in ('From', 'To', 'Cc', 'Subject', 'Date'):
        for v in m.get_all(k) or []:
            out.append(f'{k}: {v}')
    out.append('')
    for part in m.walk():
        if part.is_multipart() or part.get_content_maintype() != 'text':
            continue
        payload = part.get_payload(decode=True) or b''
        text = payload.decode(part.get_content_charset() or 'latin-1', 'replace')
        if part.get_content_subtype() == 'html':
            text = html.unescape(re.sub(r'<[^>]*>', ' ', text))
        out.append(text)
    with open(name + '.ref', 'w') as f:
        f.write('\n'.join(out))
