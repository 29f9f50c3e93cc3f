package postgres

import (
	"context"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The job steps' deferred writes. A step that read its row before its
// send (UpdateDeliverySeen, UpdateSeen) writes it back guarded by what it
// read: the write-back — with a webhook attempt's insert — is the commit's
// one batch, one round trip and no lock, and paycore_expect_one (migration
// 20261206080000) fails it as a serialization failure when the row changed
// meanwhile; Transact's next run (txn.retry) then locks the row as Update
// does: the locking read at once (it begins the transaction), the
// write-back with the commit (docs/platform.md §2). Columns as
// writeDelivery, AddAttempt and notificationRepo.write send them through
// bun.
const (
	updateDeliverySQL = `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, updated_at = $5,
	delivered_at = $6 WHERE id = $1`
	insertWebhookAttemptSQL = `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, response, error)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	updateNotificationSQL = `UPDATE notifications SET status = $2, provider = $3, provider_ref = $4, error = $5, sent_at = $6,
	attempts = $7 WHERE id = $1`
	// The guarded forms: $7… (deliveries) and $8… (notifications) are the
	// row as the step read it.
	updateDeliverySeenSQL = `WITH u AS (UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4,
	updated_at = $5, delivered_at = $6 WHERE id = $1 AND status = $7 AND attempts = $8 AND updated_at = $9 RETURNING 1)
SELECT paycore_expect_one(count(*)) FROM u`
	updateNotificationSeenSQL = `WITH u AS (UPDATE notifications SET status = $2, provider = $3, provider_ref = $4,
	error = $5, sent_at = $6, attempts = $7 WHERE id = $1 AND status = $8 AND attempts = $9 RETURNING 1)
SELECT paycore_expect_one(count(*)) FROM u`
)

// UpdateDelivery locks the delivery now and defers its write-back.
func (r deferredEvents) UpdateDelivery(ctx context.Context, id string, fn func(*domain.WebhookDelivery) error) error {
	d, err := r.getDelivery(ctx, id, true)
	if err != nil {
		return err
	}
	if err := fn(d); err != nil {
		return err
	}
	w := toDeliveryRow(d)
	return r.t.deferWrite(ports.OpDeliveryUpdate, updateDeliverySQL, w.ID, w.Status, w.Attempts, w.LastStatus,
		w.UpdatedAt, w.DeliveredAt)
}

// UpdateDeliverySeen defers the write-back of fn's change to a copy of
// seen, guarded by seen; on Transact's retry it is UpdateDelivery.
func (r deferredEvents) UpdateDeliverySeen(ctx context.Context, seen *domain.WebhookDelivery, fn func(*domain.WebhookDelivery) error) error {
	if r.t.retry {
		return r.UpdateDelivery(ctx, seen.ID, fn)
	}
	d := *seen
	if err := fn(&d); err != nil {
		return err
	}
	w, s := toDeliveryRow(&d), toDeliveryRow(seen)
	return r.t.deferWrite(ports.OpDeliveryUpdate, updateDeliverySeenSQL, w.ID, w.Status, w.Attempts, w.LastStatus,
		w.UpdatedAt, w.DeliveredAt, s.Status, s.Attempts, s.UpdatedAt)
}

// AddAttempt defers the attempt's insert.
func (r deferredEvents) AddAttempt(_ context.Context, a domain.WebhookAttempt) error {
	return r.t.deferWrite(ports.OpAttemptAdd, insertWebhookAttemptSQL, a.DeliveryID, a.Attempt, a.At, a.StatusCode,
		a.Latency.Milliseconds(), a.Response, a.Error)
}

// Update locks the notification now and defers its write-back.
func (r deferredNotifications) Update(ctx context.Context, id string, fn func(*domain.Notification) error) error {
	n, err := r.get(ctx, id, true)
	if err != nil {
		return err
	}
	if err := fn(n); err != nil {
		return err
	}
	w := toNotificationRow(n)
	return r.t.deferWrite(ports.OpNotificationUpdate, updateNotificationSQL, w.ID, w.Status, w.Provider, w.ProviderRef,
		w.Error, w.SentAt, w.Attempts)
}

// UpdateSeen defers the write-back of fn's change to a copy of seen,
// guarded by seen; on Transact's retry it is Update.
func (r deferredNotifications) UpdateSeen(ctx context.Context, seen *domain.Notification, fn func(*domain.Notification) error) error {
	if r.t.retry {
		return r.Update(ctx, seen.ID, fn)
	}
	n := *seen
	if err := fn(&n); err != nil {
		return err
	}
	w, s := toNotificationRow(&n), toNotificationRow(seen)
	return r.t.deferWrite(ports.OpNotificationUpdate, updateNotificationSeenSQL, w.ID, w.Status, w.Provider,
		w.ProviderRef, w.Error, w.SentAt, w.Attempts, s.Status, s.Attempts)
}
