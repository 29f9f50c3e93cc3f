package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
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

// DefaultKeyCacheTTL is how long Authenticator trusts a looked-up API key
// (its secret, revocation time and client status): a revoked key or a
// suspended client is refused at most this long after the change, on every
// node.
const DefaultKeyCacheTTL = 5 * time.Second

// Authenticator checks HMAC-signed merchant requests.
type Authenticator struct {
	keys   ports.KeyStore
	nonces ports.NonceStore
	clock  ports.Clock
	cache  *ttlCache[string, ports.APIKey] // by API key; ttl 0: none
}

// NewAuthenticator wires an Authenticator with a key cache of
// DefaultKeyCacheTTL; it panics on nil dependencies.
func NewAuthenticator(keys ports.KeyStore, nonces ports.NonceStore, clock ports.Clock) *Authenticator {
	return NewAuthenticatorTTL(keys, nonces, clock, DefaultKeyCacheTTL)
}

// NewAuthenticatorTTL is NewAuthenticator with a key cache of ttl (0: every
// request looks its key up).
func NewAuthenticatorTTL(keys ports.KeyStore, nonces ports.NonceStore, clock ports.Clock, ttl time.Duration) *Authenticator {
	if keys == nil || nonces == nil || clock == nil {
		panic("app.NewAuthenticator: nil dependency")
	}
	return &Authenticator{keys: keys, nonces: nonces, clock: clock, cache: newTTLCache[string, ports.APIKey](ttl)}
}

// lookupKey answers from the cache while the entry is younger than the TTL
// (by the Clock). Unknown keys and store errors are not cached.
func (a *Authenticator) lookupKey(ctx context.Context, key string, now time.Time) (ports.APIKey, error) {
	if k, ok := a.cache.get(key, now); ok {
		return k, nil
	}
	k, err := a.keys.LookupKey(ctx, key)
	if err != nil {
		return k, err
	}
	a.cache.put(key, k, now)
	return k, nil
}

// ForgetClient drops the cached keys of clientID on this node (after a key
// rotation here, or a console change: Console.OnClientChange); other nodes
// see the change within the cache TTL.
func (a *Authenticator) ForgetClient(clientID string) {
	a.cache.forget(func(k ports.APIKey) bool { return k.ClientID == clientID })
}

// PendingNonce is a signed request's nonce not recorded yet: the use case
// the request runs records it in its own transaction (Payments.Create), so
// the nonce and the change commit together. Whatever does not record it
// must call Authenticator.UseNonce before the request ends.
type PendingNonce struct {
	ClientID, Nonce string
	At              time.Time
	used            *atomic.Bool
}

// Used reports whether the nonce has been recorded (or refused).
func (n PendingNonce) Used() bool { return n.used == nil || n.used.Load() }

type pendingNonceKey struct{}

// WithPendingNonce returns ctx carrying n for the use case to record.
func WithPendingNonce(ctx context.Context, n PendingNonce) context.Context {
	return context.WithValue(ctx, pendingNonceKey{}, n)
}

func pendingNonceFrom(ctx context.Context) (PendingNonce, bool) {
	n, ok := ctx.Value(pendingNonceKey{}).(PendingNonce)
	return n, ok && !n.Used()
}

// nonceUsedReason is the refusal of a replayed nonce.
const nonceUsedReason = "nonce already used"

// errNonceUsed is the refusal of a replayed nonce.
func errNonceUsed() error { return &AuthError{nonceUsedReason} }

// IsReplay reports whether err refuses a request for its nonce, used
// before: REST and GraphQL answer it HTTP 401 (docs/merchant-api.md §2).
func IsReplay(err error) bool {
	var ae *AuthError
	return errors.As(err, &ae) && ae.Reason == nonceUsedReason
}

// recordNonceTx records a pending nonce in tx (if ctx carries one); its
// failure is a *ports.WriteError, a taken nonce mapped by createErr.
func recordNonceTx(ctx context.Context, tx ports.Tx) error {
	n, ok := pendingNonceFrom(ctx)
	if !ok {
		return nil
	}
	return asWrite(ports.OpNonceUse, tx.Nonces().Use(ctx, n.ClientID, n.Nonce, n.At))
}

// UseNonce records a pending nonce on its own (autocommit) unless it was
// recorded already; a nonce used meanwhile is not an error here (the
// request it came with has been answered).
func (a *Authenticator) UseNonce(ctx context.Context, n PendingNonce) error {
	if n.Used() {
		return nil
	}
	n.used.Store(true)
	if err := a.nonces.UseNonce(ctx, n.ClientID, n.Nonce, n.At); err != nil && !errors.Is(err, domain.ErrDuplicate) {
		return fmt.Errorf("record nonce: %w", err)
	}
	return nil
}

// Authenticate verifies r and returns the client as a Principal. Checks, in
// order: all headers present; timestamp within SignatureWindow; key known,
// not revoked, client active (the key as looked up at most the cache TTL
// ago, DefaultKeyCacheTTL); signature equal in constant time; nonce not
// used before by this client (recorded only once everything else passed).
// Every refusal is an *AuthError (errors.Is domain.ErrUnauthenticated).
func (a *Authenticator) Authenticate(ctx context.Context, r SignedRequest) (Principal, error) {
	pr, n, err := a.AuthenticateDeferred(ctx, r)
	if err != nil {
		return Principal{}, err
	}
	if err := a.ConsumeNonce(ctx, n); err != nil {
		return Principal{}, err
	}
	return pr, nil
}

// ConsumeNonce records pending nonce n now, before the request's use case
// runs: a replay is refused with errNonceUsed (IsReplay). nil when n was
// recorded (or refused) already, or ctx's request had none.
func (a *Authenticator) ConsumeNonce(ctx context.Context, n PendingNonce) error {
	if n.Used() {
		return nil
	}
	n.used.Store(true)
	if err := a.nonces.UseNonce(ctx, n.ClientID, n.Nonce, n.At); err != nil {
		if errors.Is(err, domain.ErrDuplicate) {
			return errNonceUsed()
		}
		return fmt.Errorf("record nonce: %w", err)
	}
	return nil
}

// ConsumePending is ConsumeNonce for the pending nonce ctx carries
// (WithPendingNonce), if any.
func (a *Authenticator) ConsumePending(ctx context.Context) error {
	n, ok := pendingNonceFrom(ctx)
	if !ok {
		return nil
	}
	return a.ConsumeNonce(ctx, n)
}

// AuthenticateDeferred is Authenticate without recording the nonce: it
// returns it pending, for the request's use case to record in its own
// transaction (WithPendingNonce) or for UseNonce. A replay is then refused
// when the nonce is recorded.
func (a *Authenticator) AuthenticateDeferred(ctx context.Context, r SignedRequest) (Principal, PendingNonce, error) {
	pr, err := a.verify(ctx, r)
	if err != nil {
		return Principal{}, PendingNonce{}, err
	}
	return pr, PendingNonce{ClientID: pr.ClientID, Nonce: r.Nonce, At: a.clock.Now(), used: new(atomic.Bool)}, nil
}

func (a *Authenticator) verify(ctx context.Context, r SignedRequest) (Principal, error) {
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
	key, err := a.lookupKey(ctx, r.APIKey, now)
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
