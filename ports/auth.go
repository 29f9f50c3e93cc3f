package ports

import (
	"context"
	"time"
)

// APIKey is a client's API credential as the key store holds it. Secret is
// the decrypted HMAC secret; it never leaves the process.
type APIKey struct {
	Key      string
	ClientID string
	Secret   []byte
	// ClientActive is false for a suspended client: its keys are refused.
	ClientActive bool
	// RatePerMinute is the client's request limit; 0 = the default.
	RatePerMinute int
	RevokedAt     *time.Time // the key stops working at this time (grace period)
}

// KeyStore looks up API keys.
type KeyStore interface {
	// LookupKey returns the key; domain.ErrNotFound if there is none.
	LookupKey(ctx context.Context, key string) (APIKey, error)
}

// NonceStore remembers the nonces a client has used, so a signed request is
// accepted once.
type NonceStore interface {
	// UseNonce records nonce for clientID at time at; domain.ErrDuplicate if
	// the client has used it before.
	UseNonce(ctx context.Context, clientID, nonce string, at time.Time) error
}

// NonceRepository records a used nonce inside a use case's transaction, so
// the nonce of a signed create commits with the payment (one commit).
type NonceRepository interface {
	// Use records nonce for clientID at time at; domain.ErrDuplicate if the
	// client has used it before (or another transaction holding it commits).
	// Deferrable (TxProvider): the duplicate may surface from Transact as a
	// *WriteError with Op OpNonceUse.
	Use(ctx context.Context, clientID, nonce string, at time.Time) error
}

// CredentialStore tells whether credentials accepted earlier may still act:
// a websocket or a bearer token outlives the moment its principal was
// authenticated, and a key may be revoked or its client suspended since.
type CredentialStore interface {
	// KeyValid returns whether the key's client is active and when the key
	// stops (stopped) working, nil if it is not revoked; domain.ErrNotFound
	// if there is no such key.
	KeyValid(ctx context.Context, key string) (clientActive bool, revokedAt *time.Time, err error)
	// ClientActive returns whether the client may act and its request limit
	// per minute (0 = the default); domain.ErrNotFound if there is no such
	// client.
	ClientActive(ctx context.Context, clientID string) (active bool, ratePerMinute int, err error)
}
