package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// A job's recording step is its locking read and one batch: the webhook
// delivery's write-back and its attempt (or the notification's write-back)
// go with the COMMIT, and what they wrote is there afterwards.
func TestJobStepIsReadAndOneBatch(t *testing.T) {
	e := newCreateEnv(t)
	ctx := t.Context()
	p, err := e.create(t, "ORD-step", "")
	if err != nil {
		t.Fatal(err)
	}
	var deliveryID, noticeID string
	if err := e.db.Pool.QueryRow(ctx, `SELECT d.id FROM webhook_deliveries d JOIN events v ON v.id = d.event_id
		WHERE v.payment_id = $1`, p.ID).Scan(&deliveryID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT id FROM notifications WHERE payment_id = $1`, p.ID).Scan(&noticeID); err != nil {
		t.Fatal(err)
	}
	tp := postgres.NewTxProvider(e.db, nil)
	now := e.clock.Now()
	record := func(status int) error {
		return tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			var try domain.WebhookAttempt
			if err := tx.EventLog().UpdateDelivery(ctx, deliveryID, func(d *domain.WebhookDelivery) error {
				try = d.Record(status, status == 200, false, now)
				return nil
			}); err != nil {
				return err
			}
			return tx.EventLog().AddAttempt(ctx, try)
		})
	}
	if err := record(500); err != nil { // prepares the statements
		t.Fatal(err)
	}
	e.trace.reset()
	if err := record(200); err != nil {
		t.Fatal(err)
	}
	queries, batches := e.trace.seen()
	for _, q := range queries {
		if low := strings.ToLower(q); strings.HasPrefix(low, "update") || strings.HasPrefix(low, "insert") {
			t.Fatalf("a write sent on its own: %q", q)
		}
	}
	if len(batches) == 0 {
		t.Fatal("no batch sent")
	}
	last := strings.ToLower(strings.Join(batches[len(batches)-1], "; "))
	for _, want := range []string{"update webhook_deliveries", "insert into webhook_attempts", "commit"} {
		if !strings.Contains(last, want) {
			t.Fatalf("the commit's batch %q lacks %q", last, want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE id = $1 AND attempts = 2 AND last_status = 200
		AND status = 'delivered' AND delivered_at IS NOT NULL`, deliveryID); n != 1 {
		t.Fatal("the delivery's write-back is not stored")
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1`, deliveryID); n != 2 {
		t.Fatalf("attempts stored: %d, want 2", n)
	}

	e.trace.reset()
	if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Notifications().Update(ctx, noticeID, func(n *domain.Notification) error {
			return n.Sent("test", "ref-1", now)
		})
	}); err != nil {
		t.Fatal(err)
	}
	queries, _ = e.trace.seen()
	for _, q := range queries {
		if strings.HasPrefix(strings.ToLower(q), "update") {
			t.Fatalf("the notification's write-back sent on its own: %q", q)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM notifications WHERE id = $1 AND status = 'sent' AND provider_ref = 'ref-1'`,
		noticeID); n != 1 {
		t.Fatal("the notification's write-back is not stored")
	}
}
