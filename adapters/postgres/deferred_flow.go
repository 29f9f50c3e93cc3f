package postgres

import (
	"context"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The payment flow's deferred writes: an attempt's insert, the write-back of
// a payment and of an attempt after their locking reads (paymentRepo.Update,
// attemptRepo.Update, updatePart: the row is locked, so the UPDATE matches
// it), and pg_notify. They wait for the transaction's next batch — the
// COMMIT's, or the one a later statement sends first (txn.begin) — so a
// callback's settlement is its locking reads and one batch
// (docs/platform.md §2, TestFlowRoundTrips). Columns as the bun models'
// (paymentRow, attemptRow) and the bun writes they replace.
const (
	insertAttemptSQL = `INSERT INTO attempts (id, payment_id, gateway, status, amount, currency, gateway_ref, redirect_url,
	signature, trx_id, failure_code, failure_message, created_at, updated_at, checks, next_check_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
	updateAttemptSQL = `UPDATE attempts SET status = $2, gateway_ref = $3, redirect_url = $4, signature = $5, trx_id = $6,
	failure_code = $7, failure_message = $8, updated_at = $9, checks = $10, next_check_at = $11 WHERE id = $1`
	updatePaymentSQL = `UPDATE payments SET status = $2, customer_name = $3, customer_email = $4, customer_phone = $5,
	return_url = $6, cancel_url = $7, failure_url = $8, webhook_url = $9, metadata = $10, gateway = $11,
	gateway_ref = $12, trx_id = $13, refunded = $14, version = $15, expires_at = $16, updated_at = $17 WHERE id = $1`
	publishSQL = `SELECT pg_notify($1, $2)`
)

// deferredAttempts defers Create; reads run at once, write-backs are
// deferred by attemptRepo.
type deferredAttempts struct{ attemptRepo }

func (r deferredAttempts) Create(_ context.Context, a *domain.Attempt) error {
	w := toAttemptRow(a)
	return r.t.deferWrite(ports.OpAttemptCreate, insertAttemptSQL, w.ID, w.PaymentID, w.Gateway, w.Status, w.Amount,
		w.Currency, w.GatewayRef, w.RedirectURL, w.Signature, w.TrxID, w.FailureCode, w.FailureMessage, w.CreatedAt,
		w.UpdatedAt, w.Checks, w.NextCheckAt)
}

func (t *txn) deferAttemptUpdate(a *domain.Attempt) error {
	w := toAttemptRow(a)
	return t.deferWrite(ports.OpAttemptUpdate, updateAttemptSQL, w.ID, w.Status, w.GatewayRef, w.RedirectURL,
		w.Signature, w.TrxID, w.FailureCode, w.FailureMessage, w.UpdatedAt, w.Checks, w.NextCheckAt)
}

func (t *txn) deferPaymentUpdate(p *domain.Payment) error {
	w := toPaymentRow(p)
	var meta any // NULL for none, as bun's nullzero
	if len(w.Metadata) > 0 {
		meta = string(w.Metadata)
	}
	return t.deferWrite(ports.OpPaymentUpdate, updatePaymentSQL, w.ID, w.Status, w.CustomerName, w.CustomerEmail,
		w.CustomerPhone, w.ReturnURL, w.CancelURL, w.FailureURL, w.WebhookURL, meta, w.Gateway, w.GatewayRef,
		w.TrxID, w.Refunded, w.Version, w.ExpiresAt, w.UpdatedAt)
}
