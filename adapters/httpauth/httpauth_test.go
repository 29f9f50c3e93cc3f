package httpauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

const testKey = "0123456789abcdef0123456789abcdef"

func newTestTokens(t *testing.T, now time.Time) *Tokens {
	t.Helper()
	tk, err := NewTokens([]byte(testKey), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tk.now = func() time.Time { return now }
	return tk
}

func sign(t *testing.T, key string, c claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClientTokens(t *testing.T) {
	now := time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)
	tk := newTestTokens(t, now)
	for _, p := range []app.Principal{{ClientID: "cli_a"}, {ClientID: "cli_a", TransactionID: "txn_1"}} {
		tok, exp, err := tk.Issue(p)
		if err != nil || !exp.Equal(now.Add(time.Hour)) {
			t.Fatalf("Issue(%+v): %v, exp %v", p, err, exp)
		}
		got, err := tk.Verify(tok)
		if err != nil || got != p {
			t.Errorf("Verify: %+v %v, want %+v", got, err, p)
		}
	}
	// Issue never makes an admin token, nor one for an empty or admin subject.
	for _, p := range []app.Principal{{Admin: true}, {ClientID: "cli_a", Admin: true}, {}, {ClientID: "admin:alice"}} {
		if tok, _, err := tk.Issue(p); err == nil {
			t.Errorf("Issue(%+v) = %q", p, tok)
		}
	}
}

func TestAdminTokens(t *testing.T) {
	now := time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)
	tk := newTestTokens(t, now)
	tok, exp, err := tk.IssueAdmin("alice", 0)
	if err != nil || !exp.Equal(now.Add(DefaultAdminTTL)) {
		t.Fatalf("IssueAdmin: %v, exp %v", err, exp)
	}
	got, err := tk.Verify(tok)
	if err != nil || got != (app.Principal{Admin: true}) {
		t.Fatalf("Verify: %+v %v", got, err)
	}
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil || c.Subject != "admin:alice" || !c.Admin {
		t.Errorf("claims %+v %v", c, err)
	}
	for _, ttl := range []time.Duration{-time.Second, MaxAdminTTL + time.Second} {
		if _, _, err := tk.IssueAdmin("alice", ttl); err == nil {
			t.Errorf("TTL %v accepted", ttl)
		}
	}
	if _, _, err := tk.IssueAdmin("  ", time.Minute); err == nil {
		t.Error("empty name accepted")
	}

	// Expired.
	short, _, err := tk.IssueAdmin("alice", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	later := newTestTokens(t, now.Add(2*time.Minute))
	if _, err := later.Verify(short); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("expired admin token: %v", err)
	}
	// Signed with another key.
	other, err := NewTokens([]byte(strings.Repeat("k", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(tok); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("foreign admin token: %v", err)
	}
}

func TestForgedAdminClaims(t *testing.T) {
	now := time.Now()
	tk, err := NewTokens([]byte(testKey), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	reg := func(sub string, iat, exp time.Time) jwt.RegisteredClaims {
		return jwt.RegisteredClaims{Issuer: "paycore", Audience: jwt.ClaimStrings{"paycore"}, Subject: sub,
			IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp)}
	}
	ok := reg("admin:alice", now, now.Add(time.Hour))
	if p, err := tk.Verify(sign(t, testKey, claims{Admin: true, RegisteredClaims: ok})); err != nil || !p.Admin {
		t.Fatalf("well-formed: %+v %v", p, err)
	}
	noIAT := ok
	noIAT.IssuedAt = nil
	for name, tok := range map[string]string{
		"adm on a client subject":   sign(t, testKey, claims{Admin: true, RegisteredClaims: reg("cli_a", now, now.Add(time.Hour))}),
		"admin subject without adm": sign(t, testKey, claims{RegisteredClaims: ok}),
		"admin with no name":        sign(t, testKey, claims{Admin: true, RegisteredClaims: reg("admin:", now, now.Add(time.Hour))}),
		"admin scoped to a txn":     sign(t, testKey, claims{Admin: true, TransactionID: "txn_1", RegisteredClaims: ok}),
		"admin without iat":         sign(t, testKey, claims{Admin: true, RegisteredClaims: noIAT}),
		"admin living too long":     sign(t, testKey, claims{Admin: true, RegisteredClaims: reg("admin:alice", now, now.Add(MaxAdminTTL+time.Minute))}),
		"admin with another key":    sign(t, strings.Repeat("k", 32), claims{Admin: true, RegisteredClaims: ok}),
	} {
		if p, err := tk.Verify(tok); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("%s: %+v %v", name, p, err)
		}
	}
	// A client token never verifies as an admin.
	cli, _, err := tk.Issue(app.Principal{ClientID: "cli_a"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tk.Verify(cli); err != nil || p.Admin || p.ClientID != "cli_a" {
		t.Errorf("client token: %+v %v", p, err)
	}
}
