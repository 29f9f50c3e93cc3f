package portstest_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

func TestKeys(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	k := portstest.NewKeys()
	k.Add("cli_a", "pk_a", "sk_a")
	k.SetRate("cli_a", 7)

	r, err := k.LookupKey(ctx, "pk_a")
	if err != nil || r.ClientID != "cli_a" || string(r.Secret) != "sk_a" || !r.ClientActive || r.RatePerMinute != 7 || r.RevokedAt != nil {
		t.Fatalf("LookupKey: %+v, %v", r, err)
	}
	if _, err := k.LookupKey(ctx, "pk_missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	if _, _, err := k.ClientActive(ctx, "cli_missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}

	// A rotation revokes the old key at revokeAt; the new one keeps the
	// client's rate.
	if err := k.RotateKey(ctx, "cli_a", "pk_a2", []byte("sk_a2"), at); err != nil {
		t.Fatal(err)
	}
	if cur, err := k.CurrentKey(ctx, "cli_a"); cur != "pk_a2" || err != nil {
		t.Fatalf("CurrentKey %q, %v", cur, err)
	}
	if active, rev, err := k.KeyValid(ctx, "pk_a"); !active || rev == nil || !rev.Equal(at) || err != nil {
		t.Fatalf("old key: %v %v %v", active, rev, err)
	}
	if r, _ := k.LookupKey(ctx, "pk_a2"); string(r.Secret) != "sk_a2" || r.RatePerMinute != 7 || r.RevokedAt != nil {
		t.Fatalf("new key %+v", r)
	}
	if got := k.Rotations(); !slices.EqualFunc(got, []portstest.Rotation{{ClientID: "cli_a", Key: "pk_a2", Secret: []byte("sk_a2"), RevokeAt: at}},
		func(a, b portstest.Rotation) bool {
			return a.ClientID == b.ClientID && a.Key == b.Key && string(a.Secret) == string(b.Secret) && a.RevokeAt.Equal(b.RevokeAt)
		}) {
		t.Fatalf("rotations %+v", got)
	}

	// A suspended client's keys are refused everywhere.
	k.Suspend("cli_a")
	if r, _ := k.LookupKey(ctx, "pk_a2"); r.ClientActive {
		t.Error("LookupKey: suspended client active")
	}
	if active, _, _ := k.KeyValid(ctx, "pk_a2"); active {
		t.Error("KeyValid: suspended client active")
	}
	if active, rate, err := k.ClientActive(ctx, "cli_a"); active || rate != 7 || err != nil {
		t.Errorf("ClientActive: %v %d %v", active, rate, err)
	}
}

func TestNonces(t *testing.T) {
	ctx := t.Context()
	n := portstest.NewNonces()
	now := time.Now()
	if err := n.UseNonce(ctx, "cli_a", "n1", now); err != nil {
		t.Fatal(err)
	}
	if err := n.UseNonce(ctx, "cli_a", "n1", now); !errors.Is(err, domain.ErrDuplicate) {
		t.Fatalf("reused nonce: %v", err)
	}
	if err := n.UseNonce(ctx, "cli_b", "n1", now); err != nil {
		t.Fatalf("another client's nonce: %v", err)
	}
}
