package postgres

import (
	"context"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The job steps' deferred writes: Update's locking read of a webhook
// delivery or a notification runs at once (it begins the transaction), and
// the write-back — with a webhook attempt's insert — goes with the commit
// in one batch, so recording a delivery or a sent SMS costs the read and
// one batch (docs/platform.md §2). Columns as writeDelivery, AddAttempt and
// notificationRepo.write send them through bun.
const (
	updateDeliverySQL = `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, updated_at = $5,
	delivered_at = $6 WHERE id = $1`
	insertWebhookAttemptSQL = `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, response, error)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	updateNotificationSQL = `UPDATE notifications SET status = $2, provider = $3, provider_ref = $4, error = $5, sent_at = $6,
	attempts = $7 WHERE id = $1`
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
