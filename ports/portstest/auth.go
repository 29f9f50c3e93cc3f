package portstest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Keys is an in-memory ports.KeyStore, ports.KeyRotator and
// ports.CredentialStore over one set of clients and their API keys, as the
// PostgreSQL adapter keeps them: a suspended client's keys are refused and
// its request limit is the client's, whichever key it signs with. Safe for
// concurrent use.
type Keys struct {
	mu        sync.Mutex
	keys      map[string]ports.APIKey // key → record (ClientActive, RatePerMinute unset)
	clients   map[string]*keyClient   // client → status
	rotations []Rotation
}

type keyClient struct {
	suspended bool
	rate      int    // requests per minute; 0 = the default
	current   string // newest key
}

// Rotation is one RotateKey call.
type Rotation struct {
	ClientID string
	Key      string
	Secret   []byte
	RevokeAt time.Time
}

var (
	_ ports.KeyStore        = (*Keys)(nil)
	_ ports.KeyRotator      = (*Keys)(nil)
	_ ports.CredentialStore = (*Keys)(nil)
)

// NewKeys returns a store with no clients.
func NewKeys() *Keys {
	return &Keys{keys: map[string]ports.APIKey{}, clients: map[string]*keyClient{}}
}

func (k *Keys) client(id string) *keyClient {
	c, ok := k.clients[id]
	if !ok {
		c = &keyClient{}
		k.clients[id] = c
	}
	return c
}

// Add stores key with secret for clientID and makes it the client's current
// key; a client not seen before is added, active.
func (k *Keys) Add(clientID, key, secret string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[key] = ports.APIKey{Key: key, ClientID: clientID, Secret: []byte(secret)}
	k.client(clientID).current = key
}

// SetRate sets a client's request limit per minute (0 = the default).
func (k *Keys) SetRate(clientID string, perMinute int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.client(clientID).rate = perMinute
}

// Suspend suspends a client: its keys are refused.
func (k *Keys) Suspend(clientID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.client(clientID).suspended = true
}

// Revoke makes key stop working at at.
func (k *Keys) Revoke(key string, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if r, ok := k.keys[key]; ok {
		r.RevokedAt = &at
		k.keys[key] = r
	}
}

// Rotations returns the RotateKey calls, in order.
func (k *Keys) Rotations() []Rotation {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.rotations)
}

// LookupKey implements ports.KeyStore.
func (k *Keys) LookupKey(_ context.Context, key string) (ports.APIKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := k.keys[key]
	if !ok {
		return ports.APIKey{}, domain.ErrNotFound
	}
	c := k.client(r.ClientID)
	r.ClientActive, r.RatePerMinute = !c.suspended, c.rate
	r.Secret = slices.Clone(r.Secret)
	return r, nil
}

// RotateKey implements ports.KeyRotator: the client's other keys not yet
// revoked stop working at revokeAt.
func (k *Keys) RotateKey(_ context.Context, clientID, newKey string, newSecret []byte, revokeAt time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, r := range k.keys {
		if r.ClientID == clientID && r.RevokedAt == nil {
			at := revokeAt
			r.RevokedAt = &at
			k.keys[id] = r
		}
	}
	k.keys[newKey] = ports.APIKey{Key: newKey, ClientID: clientID, Secret: slices.Clone(newSecret)}
	k.client(clientID).current = newKey
	k.rotations = append(k.rotations, Rotation{ClientID: clientID, Key: newKey, Secret: slices.Clone(newSecret), RevokeAt: revokeAt})
	return nil
}

// CurrentKey implements ports.KeyRotator.
func (k *Keys) CurrentKey(_ context.Context, clientID string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.clients[clientID]
	if !ok || c.current == "" {
		return "", domain.ErrNotFound
	}
	return c.current, nil
}

// KeyValid implements ports.CredentialStore.
func (k *Keys) KeyValid(_ context.Context, key string) (bool, *time.Time, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := k.keys[key]
	if !ok {
		return false, nil, domain.ErrNotFound
	}
	return !k.client(r.ClientID).suspended, r.RevokedAt, nil
}

// ClientActive implements ports.CredentialStore.
func (k *Keys) ClientActive(_ context.Context, clientID string) (bool, int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.clients[clientID]
	if !ok {
		return false, 0, domain.ErrNotFound
	}
	return !c.suspended, c.rate, nil
}

// Nonces is an in-memory ports.NonceStore: a nonce is accepted once per
// client, whenever it was used. Safe for concurrent use.
type Nonces struct {
	mu   sync.Mutex
	seen map[string]bool // client NUL nonce
}

var _ ports.NonceStore = (*Nonces)(nil)

// NewNonces returns a store that has seen no nonce.
func NewNonces() *Nonces { return &Nonces{seen: map[string]bool{}} }

// UseNonce implements ports.NonceStore.
func (n *Nonces) UseNonce(_ context.Context, clientID, nonce string, _ time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := clientID + "\x00" + nonce
	if n.seen[k] {
		return domain.ErrDuplicate
	}
	n.seen[k] = true
	return nil
}
