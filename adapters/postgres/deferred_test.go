package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func newPayment(t *testing.T, clientID, orderID string) *domain.Payment {
	t.Helper()
	p, err := domain.NewPayment(domain.Order{ClientID: clientID, OrderID: orderID, ReturnURL: "https://shop.test/r"},
		domain.MustMoney(100, "BDT"), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A read after deferred writes begins the transaction with them (one
// batch) and sees them; a deferred write that fails then fails that read,
// and Transact returns it even when fn swallows it — nothing commits.
func TestDeferredWritesBeforeARead(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := t.Context()
	if err := db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: "cli_d", Name: "Shop", Status: domain.ClientActive, Language: "en"},
		APIKey: "k", APISecret: []byte("s"), WebhookSecret: []byte("w"),
	}); err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, nil)
	p1 := newPayment(t, "cli_d", "ORD-1")
	err := txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Payments().Create(ctx, p1); err != nil {
			return err
		}
		got, err := tx.Payments().Get(ctx, p1.ID)
		if err != nil || got.ID != p1.ID {
			t.Fatalf("read after a deferred write: %v", err)
		}
		// Written after the BEGIN batch: goes out with COMMIT.
		return tx.EventLog().CreateEvent(ctx, &domain.Event{ID: domain.NewID(domain.PrefixEvent),
			Type: domain.EventPaymentPending, ClientID: "cli_d", PaymentID: p1.ID, Payload: []byte("{}"), CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM events WHERE payment_id = $1", p1.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("event written with COMMIT: %d %v", n, err)
	}

	p2, dup := newPayment(t, "cli_d", "ORD-2"), newPayment(t, "cli_d", "ORD-1")
	var readErr error
	err = txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		_ = tx.Payments().Create(ctx, p2)
		_ = tx.Payments().Create(ctx, dup)
		_, readErr = tx.Payments().Get(ctx, p1.ID)
		return nil // swallowed
	})
	var we *ports.WriteError
	if !errors.As(readErr, &we) || we.Op != ports.OpPaymentCreate || !errors.Is(readErr, domain.ErrDuplicate) {
		t.Fatalf("read after a failed deferred write: %v", readErr)
	}
	if !errors.As(err, &we) || !errors.Is(err, domain.ErrDuplicate) {
		t.Fatalf("Transact = %v, want the deferred write's failure", err)
	}
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM payments WHERE id = $1", p2.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a write of the failed transaction committed: %d %v", n, err)
	}
}

// The announcer sends what it is given as pg_notify on PaymentsChannel,
// outside any use case's transaction; Close sends what is still queued.
func TestAnnouncerNotifies(t *testing.T) {
	db, dsn := pgtest.New(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+postgres.PaymentsChannel); err != nil {
		t.Fatal(err)
	}
	a := postgres.NewAnnouncer(db, nil)
	for _, id := range []string{"txn_1", "txn_2", "txn_3"} {
		a.Announce(domain.PaymentChanged{TransactionID: id, Status: domain.StatusPending, Version: 1})
	}
	a.Close()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, want := range []string{"txn_1", "txn_2", "txn_3"} {
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		var e domain.PaymentChanged
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil || e.TransactionID != want {
			t.Fatalf("notification %q (%v), want %s", n.Payload, err, want)
		}
	}
	if a.Dropped() != 0 {
		t.Fatalf("dropped %d", a.Dropped())
	}
}
