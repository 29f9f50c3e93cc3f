package domain

import "time"

// EventType names a merchant-facing event (docs/merchant-api.md §8.1).
type EventType string

// Event types.
const (
	EventPaymentPending  EventType = "payment.pending"  // created; awaiting the customer
	EventPaymentSuccess  EventType = "payment.success"  // paid
	EventPaymentFailed   EventType = "payment.failed"   // failed, cancelled or expired: will not be paid
	EventPaymentRefunded EventType = "payment.refunded" // a refund succeeded (partially_refunded or refunded)
	EventPaymentDisputed EventType = "payment.disputed" // the payer disputed it
)

// PaymentEventType says which event, if any, a payment entering status to
// raises. Moves that merchants need not hear about (pending ↔ processing)
// raise none.
func PaymentEventType(to PaymentStatus) (EventType, bool) {
	switch to {
	case StatusPending:
		return EventPaymentPending, true
	case StatusSuccess:
		return EventPaymentSuccess, true
	case StatusFailed, StatusCancelled, StatusExpired:
		return EventPaymentFailed, true
	case StatusPartiallyRefunded, StatusRefunded:
		return EventPaymentRefunded, true
	case StatusDisputed:
		return EventPaymentDisputed, true
	}
	return "", false
}

// Event is one entry of the event log: what happened to a payment, as the
// merchant's webhook receives it (Payload is the exact body sent).
type Event struct {
	ID        string // evt_…
	Type      EventType
	ClientID  string
	PaymentID string
	Payload   []byte // JSON
	CreatedAt time.Time
}

// DeliveryStatus is where a webhook delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // not yet delivered; attempts may remain
	DeliveryDelivered DeliveryStatus = "delivered" // a 2xx within 10 s
	DeliveryFailed    DeliveryStatus = "failed"    // every attempt failed
)

// WebhookDelivery sends one event to one URL, with retries.
type WebhookDelivery struct {
	ID          string // whd_…
	EventID     string
	ClientID    string
	URL         string
	Status      DeliveryStatus
	Attempts    int
	LastStatus  int // HTTP status of the last attempt, 0 if none answered
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt *time.Time
}

// Record counts one try of a delivery made at now that got HTTP status
// (0: no answer) and returns the try to store. A pending delivery becomes
// delivered on a 2xx within the time allowed (delivered), failed on a
// failed last try, and otherwise stays pending for the next try; a
// delivery already settled keeps its status (the try is still counted).
func (d *WebhookDelivery) Record(status int, delivered, lastTry bool, now time.Time) WebhookAttempt {
	d.Attempts++
	d.LastStatus, d.UpdatedAt = status, now
	if d.Status == DeliveryPending {
		switch {
		case delivered:
			d.Status, d.DeliveredAt = DeliveryDelivered, &now
		case lastTry:
			d.Status = DeliveryFailed
		}
	}
	return WebhookAttempt{DeliveryID: d.ID, Attempt: d.Attempts, At: now, StatusCode: status}
}

// Redeliver puts a delivery back to pending for a fresh series of tries,
// whatever its status.
func (d *WebhookDelivery) Redeliver(now time.Time) {
	d.Status, d.UpdatedAt, d.DeliveredAt = DeliveryPending, now, nil
}

// WebhookAttempt is one try of a delivery, as stored for the merchant and
// the operator.
type WebhookAttempt struct {
	DeliveryID string
	Attempt    int // 1-based
	At         time.Time
	StatusCode int // 0 when no HTTP answer
	Latency    time.Duration
	Response   string // first 1 KiB of the body
	Error      string
}

// PrefixDelivery prefixes webhook delivery IDs.
const PrefixDelivery = "whd_"
