package domain

import "time"

// EventType names a merchant-facing event (merchant API document §4.5;
// ARCHITECTURE.md §4 "Outgoing merchant webhooks").
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
