package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
)

// The CLI's admin token verifies with the server's token key (loadConfig,
// as serve reads it), and with no other.
func TestAdminTokenCommand(t *testing.T) {
	const key = "admin-token test key, 32 bytes or more"
	t.Setenv("PAYCORE_SANDBOX", "1")
	t.Setenv("PAYCORE_TOKEN_KEY", key)

	var stdout, stderr bytes.Buffer
	before := time.Now()
	if err := cmdAdminToken([]string{"--name", "alice", "--ttl", "30m"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSuffix(stdout.String(), "\n")
	if tok == "" || strings.ContainsAny(tok, " \n") {
		t.Fatalf("stdout %q: want the token alone", stdout.String())
	}
	if !strings.Contains(stderr.String(), "admin:alice") {
		t.Errorf("stderr %q", stderr.String())
	}

	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	server, err := httpauth.NewTokens(cfg.TokenKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := server.Verify(tok)
	if err != nil || pr != (app.Principal{Admin: true}) {
		t.Fatalf("server verifies %+v %v, want an admin", pr, err)
	}
	if exp, ok := expiry(t, tok); !ok || exp.Before(before.Add(29*time.Minute)) || exp.After(time.Now().Add(31*time.Minute)) {
		t.Errorf("expiry %v, want in 30 minutes", exp)
	}

	other, err := httpauth.NewTokens([]byte(strings.Repeat("x", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(tok); err == nil {
		t.Error("verified with another key")
	}
}

func TestAdminTokenCommandRefuses(t *testing.T) {
	t.Setenv("PAYCORE_SANDBOX", "1")
	for name, args := range map[string][]string{
		"no name":     nil,
		"ttl too big": {"--name", "alice", "--ttl", "13h"},
		"ttl zero":    {"--name", "alice", "--ttl", "0s"},
		"extra arg":   {"--name", "alice", "now"},
	} {
		var stdout, stderr bytes.Buffer
		if err := cmdAdminToken(args, &stdout, &stderr); err == nil || stdout.Len() != 0 {
			t.Errorf("%s: err %v, stdout %q", name, err, stdout.String())
		}
	}
}

// expiry reads a token's exp claim (its signature is checked above).
func expiry(t *testing.T, tok string) (time.Time, bool) {
	t.Helper()
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil || c.ExpiresAt == nil {
		return time.Time{}, false
	}
	return c.ExpiresAt.Time, true
}
