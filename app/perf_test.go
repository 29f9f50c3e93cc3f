package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// A looked-up key is cached for DefaultKeyCacheTTL: revoking it or
// suspending its client takes effect within that bound, not later.
func TestKeyCacheRevocationWithinTTL(t *testing.T) {
	a := newAuthEnv()
	if _, err := a.auth.Authenticate(t.Context(), a.signed("pk_a", 0)); err != nil {
		t.Fatal(err)
	}
	// Revoke the key in the store: within the TTL the cached key still
	// answers (no lookup), at the TTL it is refused.
	k := a.keys["pk_a"]
	now := a.clock.Now()
	k.RevokedAt = &now
	a.keys["pk_a"] = k
	a.clock.Advance(app.DefaultKeyCacheTTL - time.Second)
	if _, err := a.auth.Authenticate(t.Context(), a.signed("pk_a", 0)); err != nil {
		t.Fatalf("inside the TTL: %v", err)
	}
	a.clock.Advance(time.Second)
	_, err := a.auth.Authenticate(t.Context(), a.signed("pk_a", 0))
	wantAuthRefused(t, "revoked key after the TTL", err, "invalid API key")

	// Suspension: the same bound.
	k.RevokedAt = nil
	a.keys["pk_a"] = k
	a.clock.Advance(app.DefaultKeyCacheTTL)
	if _, err := a.auth.Authenticate(t.Context(), a.signed("pk_a", 0)); err != nil {
		t.Fatal(err)
	}
	k.ClientActive = false
	a.keys["pk_a"] = k
	a.clock.Advance(app.DefaultKeyCacheTTL)
	_, err = a.auth.Authenticate(t.Context(), a.signed("pk_a", 0))
	wantAuthRefused(t, "suspended client after the TTL", err, "client suspended")

	// ForgetClient (a rotation on this node) drops the cache at once.
	k.ClientActive = true
	a.keys["pk_a"] = k
	a.clock.Advance(app.DefaultKeyCacheTTL)
	if _, err := a.auth.Authenticate(t.Context(), a.signed("pk_a", 0)); err != nil {
		t.Fatal(err)
	}
	k.RevokedAt = &now
	a.keys["pk_a"] = k
	a.auth.ForgetClient(cliA)
	_, err = a.auth.Authenticate(t.Context(), a.signed("pk_a", 0))
	wantAuthRefused(t, "revoked key after ForgetClient", err, "invalid API key")
}

// A create records the request's pending nonce in its own transaction: a
// replay is refused, and a create that fails still burns its nonce.
func TestCreateRecordsPendingNonce(t *testing.T) {
	e := newEnv(t)
	a := newAuthEnv()
	r := a.signed("pk_a", 0)
	pr, n, err := a.auth.AuthenticateDeferred(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	ctx := app.WithPendingNonce(e.ctx, n)
	if _, err := e.app.Payments.Create(ctx, pr.ClientID, input("N-1", "100")); err != nil {
		t.Fatal(err)
	}
	if !n.Used() {
		t.Fatal("nonce not marked used after the create committed")
	}
	_ = e.store.Transact(e.ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Nonces().Use(ctx, n.ClientID, n.Nonce, n.At); !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("nonce not committed with the payment: %v", err)
		}
		return errors.New("rollback")
	})

	// The same nonce again (a replay that passed a cold check elsewhere).
	_, n2, _ := a.auth.AuthenticateDeferred(t.Context(), r)
	_, err = e.app.Payments.Create(app.WithPendingNonce(e.ctx, n2), pr.ClientID, input("N-2", "100"))
	wantAuthRefused(t, "replayed nonce", err, "nonce already used")
	if got := len(e.store.Jobs()); got != 2 { // the first create's SMS and webhook only
		t.Fatalf("jobs after the replay: %d", got)
	}

	// A create refused by validation still records its nonce.
	r3 := a.signed("pk_a", 0)
	_, n3, _ := a.auth.AuthenticateDeferred(t.Context(), r3)
	_, err = e.app.Payments.Create(app.WithPendingNonce(e.ctx, n3), pr.ClientID, input("N-3", "-1"))
	var v *domain.ValidationError
	if !errors.As(err, &v) || !n3.Used() {
		t.Fatalf("invalid create: %v used=%v", err, n3.Used())
	}
	_ = e.store.Transact(e.ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Nonces().Use(ctx, n3.ClientID, n3.Nonce, n3.At); !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("refused create's nonce not recorded: %v", err)
		}
		return errors.New("rollback")
	})
}

// The create reads its client at most once per DefaultKeyCacheTTL: a
// suspension stops creates within that bound — the key cache's — not
// later, and the client's new default webhook_url applies as soon.
func TestCreateClientCacheWithinTTL(t *testing.T) {
	e := newEnv(t)
	if _, err := e.app.Payments.Create(e.ctx, cliA, input("C-1", "100")); err != nil {
		t.Fatal(err)
	}
	e.store.AddClient(domain.Client{ID: cliA, Name: "Shop A", Status: domain.ClientSuspended,
		WebhookURL: "https://a.test/new-hook", Language: "en"})
	e.clock.Advance(app.DefaultKeyCacheTTL - time.Second)
	p, err := e.app.Payments.Create(e.ctx, cliA, input("C-2", "100"))
	if err != nil {
		t.Fatalf("inside the TTL: %v", err)
	}
	if p.Order.WebhookURL != "https://a.test/hook" {
		t.Fatalf("inside the TTL the cached client answers: webhook %q", p.Order.WebhookURL)
	}
	e.clock.Advance(time.Second)
	if _, err := e.app.Payments.Create(e.ctx, cliA, input("C-3", "100")); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("suspended client after the TTL: %v", err)
	}
	e.store.AddClient(domain.Client{ID: cliA, Name: "Shop A", Status: domain.ClientActive,
		WebhookURL: "https://a.test/new-hook", Language: "en"})
	e.clock.Advance(app.DefaultKeyCacheTTL)
	if p, err := e.app.Payments.Create(e.ctx, cliA, input("C-4", "100")); err != nil || p.Order.WebhookURL != "https://a.test/new-hook" {
		t.Fatalf("reactivated client after the TTL: %v", err)
	}
}
