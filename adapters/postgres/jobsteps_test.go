package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// jobRows creates a payment for orderID and returns the webhook delivery
// and the notification its create queued jobs for.
func (e *createEnv) jobRows(t *testing.T, orderID string) (deliveryID, noticeID string) {
	t.Helper()
	p, err := e.create(t, orderID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT d.id FROM webhook_deliveries d JOIN events v ON v.id = d.event_id
		WHERE v.payment_id = $1`, p.ID).Scan(&deliveryID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT id FROM notifications WHERE payment_id = $1`, p.ID).Scan(&noticeID); err != nil {
		t.Fatal(err)
	}
	return deliveryID, noticeID
}

// A job's recording step is its locking read and one batch: the webhook
// delivery's write-back and its attempt (or the notification's write-back)
// go with the COMMIT, and what they wrote is there afterwards.
func TestJobStepIsReadAndOneBatch(t *testing.T) {
	e := newCreateEnv(t)
	ctx := t.Context()
	deliveryID, noticeID := e.jobRows(t, "ORD-step")
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

// A step that read its row before the send writes it back guarded by what
// it read: one batch, no BEGIN, no locking read. When the row changed
// meanwhile, the guarded write fails, nothing of it is stored, and
// Transact's second run locks the row and applies the step to what is
// stored now.
func TestJobStepWritesBackGuardedBySeen(t *testing.T) {
	e := newCreateEnv(t)
	ctx := t.Context()
	deliveryID, noticeID := e.jobRows(t, "ORD-seen")
	tp := postgres.NewTxProvider(e.db, nil)
	now := e.clock.Now()
	seenDelivery := func() *domain.WebhookDelivery {
		var d *domain.WebhookDelivery
		if err := tp.Read(ctx, func(ctx context.Context, tx ports.Tx) (err error) {
			d, err = tx.EventLog().GetDelivery(ctx, deliveryID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	runs := 0
	record := func(seen *domain.WebhookDelivery, status int) error {
		runs = 0
		return tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			var try domain.WebhookAttempt
			if err := tx.EventLog().UpdateDeliverySeen(ctx, seen, func(d *domain.WebhookDelivery) error {
				runs++
				try = d.Record(status, status == 200, false, now)
				return nil
			}); err != nil {
				return err
			}
			return tx.EventLog().AddAttempt(ctx, try)
		})
	}
	if err := record(seenDelivery(), 500); err != nil { // prepares the statements
		t.Fatal(err)
	}
	e.trace.reset()
	if err := record(seenDelivery(), 502); err != nil {
		t.Fatal(err)
	}
	queries, batches := e.trace.seen()
	if len(queries) != 1 || len(batches) != 1 { // the read, then the write-back
		t.Fatalf("want the read and one batch, got queries %q and batches %q", queries, batches)
	}
	only := strings.ToLower(strings.Join(batches[0], "; "))
	for _, unwanted := range []string{"begin", "for update", "commit"} {
		if strings.Contains(only, unwanted) {
			t.Fatalf("the guarded write-back %q sends %q", only, unwanted)
		}
	}

	stale := seenDelivery() // attempts 2; another run records meanwhile
	if err := record(seenDelivery(), 503); err != nil {
		t.Fatal(err)
	}
	if err := record(stale, 200); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Fatalf("the step ran %d times, want 2 (guarded, then under lock)", runs)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE id = $1 AND attempts = 4 AND last_status = 200
		AND status = 'delivered'`, deliveryID); n != 1 {
		t.Fatal("the stale step was not applied to the stored delivery")
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1`, deliveryID); n != 4 {
		t.Fatalf("attempts stored: %d, want 4 (the failed guarded write stored none)", n)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1 AND attempt = 4 AND status_code = 200`,
		deliveryID); n != 1 {
		t.Fatal("the stale step's attempt is not numbered from the stored delivery")
	}

	var seenNotice *domain.Notification
	if err := tp.Read(ctx, func(ctx context.Context, tx ports.Tx) (err error) {
		seenNotice, err = tx.Notifications().Get(ctx, noticeID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Another run failed a try meanwhile: attempts 1, still queued.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE notifications SET attempts = 1, provider = 'test' WHERE id = $1`, noticeID); err != nil {
		t.Fatal(err)
	}
	runs = 0
	if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Notifications().UpdateSeen(ctx, seenNotice, func(n *domain.Notification) error {
			runs++
			return n.Sent("test", "ref-seen", now)
		})
	}); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Fatalf("the notification step ran %d times, want 2", runs)
	}
	if n := e.count(t, `SELECT count(*) FROM notifications WHERE id = $1 AND status = 'sent' AND attempts = 2
		AND provider_ref = 'ref-seen'`, noticeID); n != 1 {
		t.Fatal("the stale notification step was not applied to the stored notification")
	}
}
