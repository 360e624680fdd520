package mail

import (
	"bytes"
	"errors"
)

// MaxMessageSize is the largest reply antidote reads (32 MiB).
const MaxMessageSize = 32 << 20

// SplitMessages returns the messages of an MBOX file (mboxo or mboxrd, as
// mail clients export them: each message starts with a "From " line
// after a blank line, and ">From " in bodies is unescaped), or data itself
// when it is a single message (EML).
func SplitMessages(data []byte) ([][]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty input: not an e-mail message or MBOX file")
	}
	if !bytes.HasPrefix(data, []byte("From ")) {
		return [][]byte{data}, nil
	}
	var out [][]byte
	var cur []byte
	inMsg := false
	prevBlank := true
	flush := func() {
		if inMsg {
			// The blank line before the next "From " belongs to the mbox.
			cur = bytes.TrimSuffix(cur, []byte("\n"))
			cur = bytes.TrimSuffix(cur, []byte("\r"))
			out = append(out, cur)
		}
		cur = nil
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			line, data = data, nil
		}
		if prevBlank && bytes.HasPrefix(line, []byte("From ")) {
			flush()
			inMsg = true
			prevBlank = false
			continue
		}
		blank := len(bytes.TrimRight(line, "\r\n")) == 0
		if t := bytes.TrimLeft(line, ">"); len(t) < len(line) && bytes.HasPrefix(t, []byte("From ")) {
			line = line[1:]
		}
		cur = append(cur, line...)
		prevBlank = blank
	}
	flush()
	var msgs [][]byte
	for _, m := range out {
		if len(bytes.TrimSpace(m)) > 0 {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil, errors.New("MBOX file holds no message")
	}
	return msgs, nil
}
