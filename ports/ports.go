// Package ports declares what paycore's core needs from the outside world:
// the transaction provider and the repositories bound to it, the job queue,
// the event bus, payment gateways, SMS senders, clock and key stores.
// Adapters implement them; app uses them. Only domain types cross.
package ports

import (
	"context"
	"time"

	"github.com/paycore/paycore/domain"
)

// Clock tells the time. Tests use a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns time.Now in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// TxProvider runs one use case in one database transaction.
type TxProvider interface {
	// Transact begins a transaction, calls fn with repositories, job queue
	// and event publisher bound to it, and commits if fn returns nil, else
	// rolls back. Jobs enqueued and events published inside fn take effect
	// only on commit. When the store aborts the transaction for a deadlock
	// or a serialization failure, Transact runs fn again from the start (a
	// bounded number of times, with jitter), so fn must do nothing outside
	// the transaction that cannot be repeated. It returns fn's error, or the
	// commit's.
	//
	// Writes may be deferred: a store may hold a transaction's inserts and
	// write-backs (after the locking read of an update closure) and
	// send them with the commit in one batch (adapters/postgres does, for the
	// repository calls documented as deferrable), so such a call returns nil
	// and its failure surfaces from Transact — or from a later call in fn
	// that had to send them first — as a *WriteError naming the call. A use
	// case that maps a write's error (a duplicate order_id, a replayed nonce)
	// maps the *WriteError Transact returns as well as the call's own error.
	Transact(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Reader is an optional capability of a TxProvider: Read calls fn with the
// same repositories outside a transaction (PostgreSQL: no BEGIN and COMMIT,
// two round trips fewer). Each statement sees the data committed when it
// starts, as it would inside a READ COMMITTED transaction, so it is for fn
// that only read: fn must not write, enqueue jobs or publish events. It
// returns fn's error.
type Reader interface {
	Read(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Write operations a store may defer to the commit (TxProvider.Transact),
// as named by WriteError.Op.
const (
	OpNonceUse           = "Nonces.Use"
	OpPaymentCreate      = "Payments.Create"
	OpNotificationCreate = "Notifications.Create"
	OpEventCreate        = "EventLog.CreateEvent"
	OpDeliveryCreate     = "EventLog.CreateDelivery"
	OpJobEnqueue         = "Jobs.Enqueue"
	OpNotificationUpdate = "Notifications.Update"
	OpDeliveryUpdate     = "EventLog.UpdateDelivery"
	OpAttemptAdd         = "EventLog.AddAttempt"
	OpAttemptCreate      = "Attempts.Create"
	OpPaymentUpdate      = "Payments.Update"
	OpAttemptUpdate      = "Attempts.Update"
	OpPublish            = "Events.PaymentChanged"
)

// WriteError is the failure of a deferred write: Op names the repository
// call (OpPaymentCreate …), Err is what the call itself would have returned
// (domain.ErrDuplicate for a unique key taken, …).
type WriteError struct {
	Op  string
	Err error
}

func (e *WriteError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns Err, so errors.Is(err, domain.ErrDuplicate) holds for a
// deferred duplicate.
func (e *WriteError) Unwrap() error { return e.Err }

// Tx is what a use case may touch inside its transaction.
//
// Lock order (docs/architecture.md §3): rows are locked payment → attempt →
// review, and payment → refund, by every path. The Update methods below
// take their locks in that order themselves; a use case that needs several
// (expiring a payment and its attempts) nests them in the same order.
type Tx interface {
	Payments() PaymentRepository
	Attempts() AttemptRepository
	Clients() ClientRepository
	Notifications() NotificationRepository
	Refunds() RefundRepository
	Queries() PaymentQueries
	EventLog() EventRepository
	GatewayHooks() GatewayHookLog
	Reviews() ReviewRepository
	Jobs() JobQueue
	Events() EventPublisher
	// Nonces records signed requests' nonces in the transaction.
	Nonces() NonceRepository
}

// PaymentRepository stores payments (with their order).
type PaymentRepository interface {
	// Create stores a new payment; domain.ErrDuplicate if the client already
	// has its order_id. Deferrable (TxProvider): the duplicate may surface
	// from Transact as a *WriteError with Op OpPaymentCreate.
	Create(ctx context.Context, p *domain.Payment) error
	// Get reads a payment without locking it; domain.ErrNotFound if there is
	// none.
	Get(ctx context.Context, id string) (*domain.Payment, error)
	// Update locks payment id until the transaction ends, calls fn with it
	// and, if fn returns nil and changed it (its Version moved), writes it
	// back. It returns fn's error as is, or domain.ErrNotFound.
	Update(ctx context.Context, id string, fn func(p *domain.Payment) error) error
}

// AttemptRepository stores attempts.
type AttemptRepository interface {
	Create(ctx context.Context, a *domain.Attempt) error
	// Get reads an attempt without locking it; domain.ErrNotFound if none.
	Get(ctx context.Context, id string) (*domain.Attempt, error)
	// GetByGatewayRef finds the attempt a gateway knows by ref (bKash
	// paymentID); domain.ErrNotFound if none.
	GetByGatewayRef(ctx context.Context, g domain.Gateway, ref string) (*domain.Attempt, error)
	// GetByTrxID finds the attempt holding gateway transaction trxID (one
	// transaction settles one attempt at most); domain.ErrNotFound if none.
	GetByTrxID(ctx context.Context, g domain.Gateway, trxID string) (*domain.Attempt, error)
	// ListByPayment returns a payment's attempts, oldest first.
	ListByPayment(ctx context.Context, paymentID string) ([]*domain.Attempt, error)
	// Stale returns up to limit attempts in status st last updated before
	// `before` — for unresolved ones: whose next check is due by `before` —
	// oldest first (reconciliation).
	Stale(ctx context.Context, st domain.AttemptStatus, before time.Time, limit int) ([]*domain.Attempt, error)
	// Update locks the attempt's payment, then the attempt (the lock
	// order), calls fn with both and, if fn returns nil, writes back what
	// fn changed. domain.ErrDuplicate when the attempt's new TrxID is held
	// by another attempt; otherwise fn's error as is, or
	// domain.ErrNotFound.
	Update(ctx context.Context, attemptID string, fn func(p *domain.Payment, a *domain.Attempt) error) error
}

// ClientRepository reads merchants.
type ClientRepository interface {
	// Get returns a client; domain.ErrNotFound if none.
	Get(ctx context.Context, id string) (domain.Client, error)
}

// NotificationRepository stores SMS notifications.
type NotificationRepository interface {
	// Create stores a new notification. Deferrable (TxProvider).
	Create(ctx context.Context, n *domain.Notification) error
	// Get reads a notification; domain.ErrNotFound if none.
	Get(ctx context.Context, id string) (*domain.Notification, error)
	// Update locks notification id, calls fn with it and writes it back if
	// fn returns nil. fn's error as is, or domain.ErrNotFound. The
	// write-back is deferrable (TxProvider).
	Update(ctx context.Context, id string, fn func(n *domain.Notification) error) error
	// UpdateSeen is Update for a step that read the notification earlier,
	// outside this transaction, and holds no lock on it (seen): fn runs on
	// a copy of seen, and the write-back stands only if the stored
	// notification is still as seen (status and attempts). If it changed,
	// the transaction fails as a serialization failure and
	// TxProvider.Transact runs it again, locking as Update does — so fn
	// may run twice. Deferrable (TxProvider).
	UpdateSeen(ctx context.Context, seen *domain.Notification, fn func(n *domain.Notification) error) error
}

// JobQueue enqueues background jobs inside the current transaction: a job is
// visible to workers only after commit and vanishes on rollback. Every
// Enqueue is deferrable (TxProvider).
type JobQueue interface {
	// EnqueueSMS schedules sending notification id.
	EnqueueSMS(ctx context.Context, notificationID string) error
	// EnqueueRefund schedules processing refund id at the gateway.
	EnqueueRefund(ctx context.Context, refundID string) error
	// EnqueueWebhook schedules delivering webhook delivery id to url (the
	// endpoint, so one slow or dead endpoint can be kept from holding up
	// the others).
	EnqueueWebhook(ctx context.Context, deliveryID, url string) error
}

// EventPublisher announces changes to live subscribers on every node. What
// is published inside a transaction is delivered on commit only.
type EventPublisher interface {
	PaymentChanged(ctx context.Context, e domain.PaymentChanged) error
}

// Announcer publishes a change that has committed already, outside any
// transaction, to live subscribers on every node: a new payment for the
// dashboards' feed (ports.EventFeed), which no paymentUpdated subscriber can
// be waiting for, so it need not hold up the create's commit. Announce
// queues e and returns at once; delivery is best effort (lost if the node
// stops first).
type Announcer interface {
	Announce(e domain.PaymentChanged)
}

// EventSubscriber receives PaymentChanged events published by any node.
type EventSubscriber interface {
	// Subscribe returns a channel of events for one transaction ID and a
	// cancel func that must be called to stop. The channel is closed on
	// cancel, when ctx ends, or when the subscriber falls too far behind.
	Subscribe(ctx context.Context, transactionID string) (<-chan domain.PaymentChanged, func())
}
