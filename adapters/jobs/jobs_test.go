package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// TestRowAndJobShareTheTransaction proves the bun + River recipe: a payment
// row written by bun and a job inserted by River's InsertTx in one
// ports.TxProvider transaction are both rolled back, or both committed.
func TestRowAndJobShareTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	runner, err := jobs.New(db.Pool, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, runner.Queue)
	if err := db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: "cli_test", Name: "Shop", Status: domain.ClientActive, Language: "en"},
		APIKey: "k", APISecret: []byte("s"), WebhookSecret: []byte("w"),
	}); err != nil {
		t.Fatal(err)
	}
	write := func(orderID string) (*domain.Payment, func(ctx context.Context, tx ports.Tx) error) {
		p, err := domain.NewPayment(domain.Order{ClientID: "cli_test", OrderID: orderID, ReturnURL: "https://shop.test/r"},
			domain.MustMoney(25000, "BDT"), time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return p, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			n := &domain.Notification{ID: domain.NewID(domain.PrefixNotice), PaymentID: p.ID, ClientID: "cli_test",
				Recipient: "8801770618575", Template: "t", Language: "en", Body: "b", Status: domain.NotificationQueued, CreatedAt: time.Now()}
			if err := tx.Notifications().Create(ctx, n); err != nil {
				return err
			}
			return tx.Jobs().EnqueueSMS(ctx, n.ID)
		}
	}
	count := func(sql string, args ...any) int {
		var n int
		if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	boom := errors.New("boom")
	p1, fn := write("ORD-rollback")
	err = txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact = %v, want boom", err)
	}
	if n := count("SELECT count(*) FROM payments WHERE id = $1", p1.ID); n != 0 {
		t.Fatalf("rolled back payment rows = %d", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE kind = 'sms_send'"); n != 0 {
		t.Fatalf("rolled back jobs = %d", n)
	}

	p2, fn := write("ORD-commit")
	if err := txp.Transact(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count(*) FROM payments WHERE id = $1", p2.ID); n != 1 {
		t.Fatalf("committed payment rows = %d", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE kind = 'sms_send' AND args->>'notification_id' IN (SELECT id FROM notifications WHERE payment_id = $1)", p2.ID); n != 1 {
		t.Fatalf("committed jobs = %d", n)
	}
}
