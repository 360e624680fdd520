package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUserAndTokenCommands(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCLI(t, env, "init"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "vendor", "add", "Apple"); err != nil {
		t.Fatal(err)
	}
	env["ANTIDOTE_NEW_PASSWORD"] = "a long enough password"
	for _, args := range [][]string{
		{"user", "add", "ana", "--role", "analyst"},
		{"user", "add", "psirt", "--role", "vendor", "--vendor", "apple"},
		{"user", "disable", "ana"},
		{"user", "totp", "psirt"},
	} {
		if _, stderr, err := runCLI(t, env, args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, stderr)
		}
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"user", "add", "bob", "--role", "vendor"}, exitUsage}, // no --vendor
		{[]string{"user", "add", "bob", "--role", "root"}, exitUsage},   // no such role
		{[]string{"user", "add", "bob", "--role", "analyst", "--vendor", "apple"}, exitUsage},
		{[]string{"user", "add", "ana", "--role", "admin"}, exitFailure}, // exists
		{[]string{"token", "create", "nobody"}, exitFailure},
		{[]string{"token", "create", "ana", "--expires", "soon"}, exitUsage},
	} {
		if _, _, err := runCLI(t, env, c.args...); exitCode(err) != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, exitCode(err), err, c.code)
		}
	}
	out, _, err := runCLI(t, env, "user", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"name":"ana","role":"analyst"`) || !strings.Contains(out, `"disabled":true`) || !strings.Contains(out, `"name":"psirt","role":"vendor","vendor":1,"totp":true`) {
		t.Errorf("user list: %s", out)
	}
	if strings.Contains(out, "argon2") {
		t.Error("user list shows a password hash")
	}
	out, _, err = runCLI(t, env, "token", "create", "psirt", "--expires", "30d", "--label", "ci", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Token string `json:"token"`
		ID    int64  `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "antidote_") {
		t.Fatalf("token create: %s %v", out, err)
	}
	list, _, _ := runCLI(t, env, "token", "list")
	if strings.Contains(list, tok.Token) || !strings.Contains(list, "psirt") || !strings.Contains(list, "active") {
		t.Errorf("token list: %s", list)
	}
	if _, _, err := runCLI(t, env, "token", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	list, _, _ = runCLI(t, env, "token", "list")
	if !strings.Contains(list, "revoked") {
		t.Errorf("after revoke: %s", list)
	}
	// Every account change is in the audit log.
	audit, _, _ := runCLI(t, env, "audit", "list")
	for _, a := range []string{"user.add", "user.disable", "user.totp", "token.create", "token.revoke"} {
		if !strings.Contains(audit, a) {
			t.Errorf("audit log lacks %s", a)
		}
	}
}
