package app_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

type authEnv struct {
	clock  *portstest.Clock
	keys   fakeKeyStore
	nonces *fakeNonces
	auth   *app.Authenticator
	n      int
}

func newAuthEnv() *authEnv {
	a := &authEnv{clock: portstest.NewClock(t0), nonces: &fakeNonces{used: map[string]bool{}}}
	revoked, later := t0, t0.Add(time.Hour)
	a.keys = fakeKeyStore{
		"pk_a":       {Key: "pk_a", ClientID: cliA, Secret: []byte("sk_a"), ClientActive: true, RatePerMinute: 120},
		"pk_revoked": {Key: "pk_revoked", ClientID: cliA, Secret: []byte("sk_r"), ClientActive: true, RevokedAt: &revoked},
		"pk_grace":   {Key: "pk_grace", ClientID: cliA, Secret: []byte("sk_g"), ClientActive: true, RevokedAt: &later},
		"pk_off":     {Key: "pk_off", ClientID: cliOff, Secret: []byte("sk_off"), ClientActive: false},
	}
	a.auth = app.NewAuthenticator(a.keys, a.nonces, a.clock)
	return a
}

// signed returns a request signed with key's secret at the clock's time
// plus skew, with a fresh nonce.
func (a *authEnv) signed(key string, skew time.Duration) app.SignedRequest {
	a.n++
	r := app.SignedRequest{APIKey: key, Timestamp: strconv.FormatInt(a.clock.Now().Add(skew).Unix(), 10),
		Nonce: "nonce-" + strconv.Itoa(a.n), Method: "POST", Path: "/api/v1/pay", Body: []byte(`{"order_id":"O1"}`)}
	secret := a.keys[key].Secret
	if secret == nil {
		secret = []byte("whatever")
	}
	r.Signature = app.Sign(secret, r)
	return r
}

func wantAuthRefused(t *testing.T, what string, err error, reason string) {
	t.Helper()
	var ae *app.AuthError
	if !errors.As(err, &ae) || !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("%s: want an AuthError, got %v", what, err)
	}
	if !strings.Contains(ae.Reason, reason) {
		t.Fatalf("%s: reason %q, want %q", what, ae.Reason, reason)
	}
	wantEqual(t, what+" code", app.ErrorCode(err), app.CodeUnauthenticated)
}

func TestAuthenticate(t *testing.T) {
	a := newAuthEnv()
	ctx := t.Context()
	pr, err := a.auth.Authenticate(ctx, a.signed("pk_a", 0))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "client", pr.ClientID, cliA)
	wantEqual(t, "rate", pr.RatePerMinute, 120)
	if got, err := app.PrincipalFrom(app.WithPrincipal(ctx, pr)); err != nil || got != pr {
		t.Fatalf("principal from ctx %+v %v", got, err)
	}
	_, err = app.PrincipalFrom(ctx)
	wantErr(t, err, domain.ErrUnauthenticated)

	// String to sign: METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY.
	r := app.SignedRequest{Method: "GET", Path: "/x?a=1", Timestamp: "1", Nonce: "n", Body: []byte("b")}
	wantEqual(t, "string to sign", string(r.StringToSign()), "GET\n/x?a=1\n1\nn\nb")
}

func TestAuthenticateWindow(t *testing.T) {
	a := newAuthEnv()
	ctx := t.Context()
	for _, skew := range []time.Duration{-app.SignatureWindow, app.SignatureWindow, -299 * time.Second} {
		if _, err := a.auth.Authenticate(ctx, a.signed("pk_a", skew)); err != nil {
			t.Fatalf("skew %v: %v", skew, err)
		}
	}
	for _, skew := range []time.Duration{-app.SignatureWindow - time.Second, app.SignatureWindow + time.Second, -24 * time.Hour} {
		_, err := a.auth.Authenticate(ctx, a.signed("pk_a", skew))
		wantAuthRefused(t, "skew "+skew.String(), err, "timestamp")
	}
	// A request signed now, replayed after the window (with a fresh nonce
	// it would still be refused).
	old := a.signed("pk_a", 0)
	a.clock.Advance(app.SignatureWindow + time.Second)
	_, err := a.auth.Authenticate(ctx, old)
	wantAuthRefused(t, "late", err, "timestamp")
	bad := a.signed("pk_a", 0)
	bad.Timestamp = "yesterday"
	_, err = a.auth.Authenticate(ctx, bad)
	wantAuthRefused(t, "timestamp text", err, "invalid timestamp")
}

func TestAuthenticateKeys(t *testing.T) {
	a := newAuthEnv()
	ctx := t.Context()
	_, err := a.auth.Authenticate(ctx, a.signed("pk_revoked", 0))
	wantAuthRefused(t, "revoked", err, "invalid API key")
	if _, err := a.auth.Authenticate(ctx, a.signed("pk_grace", 0)); err != nil {
		t.Fatalf("key in its grace period: %v", err)
	}
	a.clock.Advance(time.Hour)
	_, err = a.auth.Authenticate(ctx, a.signed("pk_grace", 0))
	wantAuthRefused(t, "grace over", err, "invalid API key")
	_, err = a.auth.Authenticate(ctx, a.signed("pk_unknown", 0))
	wantAuthRefused(t, "unknown key", err, "invalid API key")
	_, err = a.auth.Authenticate(ctx, a.signed("pk_off", 0))
	wantAuthRefused(t, "suspended", err, "suspended")

	forged := a.signed("pk_a", 0)
	forged.Body = []byte(`{"order_id":"O2"}`)
	_, err = a.auth.Authenticate(ctx, forged)
	wantAuthRefused(t, "tampered body", err, "Invalid signature")
	upper := a.signed("pk_a", 0)
	upper.Signature = strings.ToUpper(upper.Signature)
	_, err = a.auth.Authenticate(ctx, upper)
	wantAuthRefused(t, "upper-case hex", err, "Invalid signature")

	for _, drop := range []func(*app.SignedRequest){
		func(r *app.SignedRequest) { r.APIKey = "" }, func(r *app.SignedRequest) { r.Signature = "" },
		func(r *app.SignedRequest) { r.Timestamp = "" }, func(r *app.SignedRequest) { r.Nonce = "" },
	} {
		r := a.signed("pk_a", 0)
		drop(&r)
		_, err := a.auth.Authenticate(ctx, r)
		wantAuthRefused(t, "missing header", err, "missing")
	}
	long := a.signed("pk_a", 0)
	long.Nonce = strings.Repeat("n", 129)
	long.Signature = app.Sign([]byte("sk_a"), long)
	_, err = a.auth.Authenticate(ctx, long)
	wantAuthRefused(t, "long nonce", err, "nonce too long")
}

func TestAuthenticateNonce(t *testing.T) {
	a := newAuthEnv()
	ctx := t.Context()
	r := a.signed("pk_a", 0)
	if _, err := a.auth.Authenticate(ctx, r); err != nil {
		t.Fatal(err)
	}
	_, err := a.auth.Authenticate(ctx, r)
	wantAuthRefused(t, "replay", err, "nonce already used")

	// A refused request does not burn its nonce.
	r2 := a.signed("pk_a", 0)
	forged := r2
	forged.Signature = strings.Repeat("0", 64)
	_, err = a.auth.Authenticate(ctx, forged)
	wantAuthRefused(t, "forged", err, "Invalid signature")
	if _, err := a.auth.Authenticate(ctx, r2); err != nil {
		t.Fatalf("genuine request after a forged one with its nonce: %v", err)
	}

	// Nonces are per client.
	a.keys["pk_b"] = ports.APIKey{Key: "pk_b", ClientID: cliB, Secret: []byte("sk_b"), ClientActive: true}
	rb := a.signed("pk_b", 0)
	rb.Nonce = r.Nonce
	rb.Signature = app.Sign([]byte("sk_b"), rb)
	if _, err := a.auth.Authenticate(ctx, rb); err != nil {
		t.Fatalf("another client's nonce: %v", err)
	}

	// A store failure is not an authentication verdict.
	a.nonces.err = errBoom
	_, err = a.auth.Authenticate(ctx, a.signed("pk_a", 0))
	wantErr(t, err, errBoom)
	if errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatal("store failure reported as bad credentials")
	}
}

func TestNewAuthenticatorPanicsOnNil(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	app.NewAuthenticator(nil, &fakeNonces{}, portstest.NewClock(t0))
}
