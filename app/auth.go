package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// SignatureWindow is how far X-API-TIMESTAMP may be from server time, either
// side (docs/merchant-api.md §2.3).
const SignatureWindow = 300 * time.Second

// SignedRequest is what a merchant server sends to be authenticated: the
// four X-API-* headers and the request itself.
type SignedRequest struct {
	APIKey    string // X-API-KEY
	Signature string // X-API-SIGNATURE: lowercase hex
	Timestamp string // X-API-TIMESTAMP: unix seconds
	Nonce     string // X-API-NONCE
	Method    string // "POST"
	Path      string // request target as sent: path plus "?query" if any
	Body      []byte // raw body; empty for GET
}

// StringToSign is METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY
// (docs/merchant-api.md §2.2).
func (r SignedRequest) StringToSign() []byte {
	b := make([]byte, 0, len(r.Method)+len(r.Path)+len(r.Timestamp)+len(r.Nonce)+len(r.Body)+4)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = append(b, r.Path...)
	b = append(b, '\n')
	b = append(b, r.Timestamp...)
	b = append(b, '\n')
	b = append(b, r.Nonce...)
	b = append(b, '\n')
	return append(b, r.Body...)
}

// Sign returns the lowercase hex HMAC-SHA256 of r.StringToSign() under
// secret: what a merchant puts in X-API-SIGNATURE.
func Sign(secret []byte, r SignedRequest) string {
	m := hmac.New(sha256.New, secret)
	m.Write(r.StringToSign())
	return hex.EncodeToString(m.Sum(nil))
}

// AuthError says why a signed request was refused. Its Reason is safe to
// show the caller; it never contains a secret.
type AuthError struct{ Reason string }

func (e *AuthError) Error() string { return e.Reason }

// Is makes errors.Is(err, domain.ErrUnauthenticated) true.
func (e *AuthError) Is(target error) bool { return target == domain.ErrUnauthenticated }

// Authenticator checks HMAC-signed merchant requests.
type Authenticator struct {
	keys   ports.KeyStore
	nonces ports.NonceStore
	clock  ports.Clock
}

// NewAuthenticator wires an Authenticator; it panics on nil dependencies.
func NewAuthenticator(keys ports.KeyStore, nonces ports.NonceStore, clock ports.Clock) *Authenticator {
	if keys == nil || nonces == nil || clock == nil {
		panic("app.NewAuthenticator: nil dependency")
	}
	return &Authenticator{keys: keys, nonces: nonces, clock: clock}
}

// Authenticate verifies r and returns the client as a Principal. Checks, in
// order: all headers present; timestamp within SignatureWindow; key known,
// not revoked, client active; signature equal in constant time; nonce not
// used before by this client (recorded only once everything else passed).
// Every refusal is an *AuthError (errors.Is domain.ErrUnauthenticated).
func (a *Authenticator) Authenticate(ctx context.Context, r SignedRequest) (Principal, error) {
	if r.APIKey == "" || r.Signature == "" || r.Timestamp == "" || r.Nonce == "" {
		return Principal{}, &AuthError{"missing X-API-KEY, X-API-SIGNATURE, X-API-TIMESTAMP or X-API-NONCE"}
	}
	if len(r.Nonce) > 128 {
		return Principal{}, &AuthError{"nonce too long"}
	}
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil {
		return Principal{}, &AuthError{"invalid timestamp"}
	}
	now := a.clock.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureWindow || d < -SignatureWindow {
		return Principal{}, &AuthError{"timestamp outside the allowed window"}
	}
	key, err := a.keys.LookupKey(ctx, r.APIKey)
	if errors.Is(err, domain.ErrNotFound) {
		return Principal{}, &AuthError{"invalid API key"}
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up api key: %w", err)
	}
	if key.RevokedAt != nil && !now.Before(*key.RevokedAt) {
		return Principal{}, &AuthError{"invalid API key"}
	}
	want := Sign(key.Secret, r)
	if !hmac.Equal([]byte(want), []byte(r.Signature)) {
		return Principal{}, &AuthError{"Invalid signature"}
	}
	if !key.ClientActive {
		return Principal{}, &AuthError{"client suspended"}
	}
	if err := a.nonces.UseNonce(ctx, key.ClientID, r.Nonce, now); err != nil {
		if errors.Is(err, domain.ErrDuplicate) {
			return Principal{}, &AuthError{"nonce already used"}
		}
		return Principal{}, fmt.Errorf("record nonce: %w", err)
	}
	return Principal{ClientID: key.ClientID, RatePerMinute: key.RatePerMinute, APIKey: key.Key}, nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the authenticated principal.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx; domain.ErrUnauthenticated if
// none.
func PrincipalFrom(ctx context.Context) (Principal, error) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	if !ok || p.ClientID == "" {
		return Principal{}, domain.ErrUnauthenticated
	}
	return p, nil
}
