package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Accounts is a merchant's own account: its profile, its totals and its API
// keys.
type Accounts struct {
	tx       ports.TxProvider
	clock    ports.Clock
	keys     ports.KeyRotator // nil: no key regeneration
	keyGrace time.Duration    // how long a replaced key keeps working
}

// Profile is a client's account summary (GET /api/v1/client/profile).
type Profile struct {
	Client domain.Client
	APIKey string // current key; the secret is never shown again
}

// Profile returns the principal's own client and its current API key.
// domain.ErrForbidden for a payment-scoped principal.
func (s *Accounts) Profile(ctx context.Context, pr Principal) (Profile, error) {
	if pr.TransactionID != "" {
		return Profile{}, domain.ErrForbidden
	}
	var out Profile
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Clients().Get(ctx, pr.ClientID)
		out.Client = c
		return err
	})
	if err == nil && s.keys != nil {
		out.APIKey, err = s.keys.CurrentKey(ctx, pr.ClientID)
		if errors.Is(err, domain.ErrNotFound) {
			err = nil
		}
	}
	return out, err
}

// Dashboard is a client's totals (docs/merchant-api.md §7.7).
type Dashboard struct {
	TotalTransactions int64
	TotalSuccess      int64        // paid: success, partially_refunded, refunded, disputed
	TotalFailed       int64        // failed, cancelled, expired
	TotalAmount       domain.Money // sum of paid payments
	TotalRefunded     domain.Money
	Commission        domain.Money // TotalAmount × the client's commission_bps / 10000, half up
}

// Dashboard returns the principal's totals in BDT (the only currency the
// gateways accept). domain.ErrForbidden for a payment-scoped principal.
func (s *Accounts) Dashboard(ctx context.Context, pr Principal) (Dashboard, error) {
	if pr.TransactionID != "" {
		return Dashboard{}, domain.ErrForbidden
	}
	var out Dashboard
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Clients().Get(ctx, pr.ClientID)
		if err != nil {
			return err
		}
		st, err := tx.Queries().Stats(ctx, pr.ClientID)
		if err != nil {
			return err
		}
		code := domain.BDT.Code
		out.TotalTransactions, out.TotalSuccess, out.TotalFailed = st.Total, st.Success, st.Failed
		if out.TotalAmount, err = domain.NewMoney(st.Paid[code], code); err != nil {
			return err
		}
		if out.TotalRefunded, err = domain.NewMoney(st.Refunded[code], code); err != nil {
			return err
		}
		out.Commission = c.Commission(out.TotalAmount)
		return nil
	})
	return out, err
}

// Credentials is a freshly issued API key pair; Secret is shown once.
type Credentials struct {
	APIKey string
	Secret string
}

// NewCredentials returns a random API key ("pk_" + 24 characters) and secret
// ("sk_" + 40 characters), from crypto/rand.
func NewCredentials() Credentials {
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	return Credentials{APIKey: "pk_" + domain.RandomString(24, alnum), Secret: "sk_" + domain.RandomString(40, alnum)}
}

// RegenerateKeys issues a new API key pair for the principal's own client;
// the old key stops working after Config.KeyGrace (at once by default).
// clientID, when given (docs/merchant-api.md §7.5), must be the caller's
// own: domain.ErrForbidden otherwise.
func (s *Accounts) RegenerateKeys(ctx context.Context, pr Principal, clientID string) (Credentials, error) {
	if pr.TransactionID != "" || (clientID != "" && clientID != pr.ClientID) {
		return Credentials{}, domain.ErrForbidden
	}
	if s.keys == nil {
		return Credentials{}, errors.New("regenerate keys: no key store")
	}
	c := NewCredentials()
	if err := s.keys.RotateKey(ctx, pr.ClientID, c.APIKey, []byte(c.Secret), s.clock.Now().Add(s.keyGrace)); err != nil {
		return Credentials{}, fmt.Errorf("regenerate keys: %w", err)
	}
	return c, nil
}
