package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Read reads what is committed, without a transaction, and refuses the
// writes a read has no business making (an event, a nonce, a job).
func TestReadOutsideTransaction(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	if err := db.CreateClient(ctx, postgres.NewClientParams{Client: domain.Client{ID: "cli_read", Name: "Read Shop",
		Status: domain.ClientActive, Language: "en"}, APIKey: "pk_read", APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, nil)
	err := txp.Read(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Clients().Get(ctx, "cli_read")
		if err != nil || c.Name != "Read Shop" {
			t.Fatalf("client: %+v %v", c, err)
		}
		if _, err := tx.Payments().Get(ctx, "txn_none"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing payment: %v", err)
		}
		if err := tx.Events().PaymentChanged(ctx, domain.PaymentChanged{}); !errors.Is(err, postgres.ErrReadOnly) {
			t.Fatalf("event in a read: %v", err)
		}
		if err := tx.Nonces().Use(ctx, "cli_read", "n1", c.CreatedAt); !errors.Is(err, postgres.ErrReadOnly) {
			t.Fatalf("nonce in a read: %v", err)
		}
		if err := tx.Jobs().EnqueueSMS(ctx, "ntf_x"); err == nil {
			t.Fatal("job enqueued in a read")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := errors.New("fn's own")
	if err := txp.Read(ctx, func(context.Context, ports.Tx) error { return want }); !errors.Is(err, want) {
		t.Fatalf("Read returned %v, want fn's error", err)
	}
}
