package postgres_test

import (
	"context"
	"testing"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// TestContract runs the repositories' contract (the same suite the
// in-memory portstest.Store passes) against PostgreSQL.
func TestContract(t *testing.T) {
	portstest.TestRepositories(t, func(t *testing.T) (ports.TxProvider, func(domain.Client)) {
		db, _ := pgtest.New(t)
		add := func(c domain.Client) {
			err := db.CreateClient(context.Background(), postgres.NewClientParams{Client: c,
				APIKey: "pk_" + c.ID, APISecret: []byte("secret"), WebhookSecret: []byte("whsec")})
			if err != nil {
				t.Fatal(err)
			}
		}
		return postgres.NewTxProvider(db, nil), add
	})
}

// TestGatewaySwitchesContract runs the gateway switches' contract against
// PostgreSQL (table gateway_switches).
func TestGatewaySwitchesContract(t *testing.T) {
	portstest.TestGatewaySwitches(t, func(t *testing.T) ports.GatewaySwitches {
		db, _ := pgtest.New(t)
		return db
	})
}

// TestLoginAttemptsContract runs the login attempts' contract against
// PostgreSQL (table login_attempts).
func TestLoginAttemptsContract(t *testing.T) {
	portstest.TestLoginAttempts(t, func(t *testing.T) ports.LoginAttempts {
		db, _ := pgtest.New(t)
		return db
	})
}
