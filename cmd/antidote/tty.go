package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"antidote/internal/secret"
)

// promptPassphrase asks on the controlling terminal, never echoing.
func promptPassphrase(e *env, prompt string) (secret.String, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return secret.String{}, errLocked
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return secret.String{}, errLocked
	}
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return secret.String{}, fmt.Errorf("read passphrase: %w", err)
	}
	if len(b) == 0 {
		return secret.String{}, errors.New("empty passphrase")
	}
	return nfc(string(b)), nil
}

// newPassphrase asks twice on a terminal; non-interactive sources are used as is.
func newPassphrase(e *env, w *wsFlags) (secret.String, error) {
	if p, ok := e.lookupEnv("ANTIDOTE_PASSPHRASE"); ok && p != "" || w.passFile != "" {
		return passphrase(e, w, "")
	}
	p1, err := promptPassphrase(e, "New passphrase: ")
	if err != nil {
		if errors.Is(err, errLocked) {
			return secret.String{}, errors.New("no passphrase given: set ANTIDOTE_PASSPHRASE, pass --passphrase-file, or run on a terminal")
		}
		return p1, err
	}
	p2, err := promptPassphrase(e, "Repeat passphrase: ")
	if err != nil {
		return p2, err
	}
	if p1.Reveal() != p2.Reveal() {
		return secret.String{}, errors.New("the passphrases differ; try again")
	}
	return p1, nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
