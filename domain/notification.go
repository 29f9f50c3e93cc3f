package domain

import (
	"fmt"
	"time"
)

// NotificationStatus is where an SMS is in its delivery.
type NotificationStatus string

// Notification statuses.
const (
	NotificationQueued NotificationStatus = "queued"
	NotificationSent   NotificationStatus = "sent"
	NotificationFailed NotificationStatus = "failed"
)

// Notification is one SMS to a customer about a payment. Its ID doubles as
// the provider's idempotency key where the provider has one.
type Notification struct {
	ID          string // ntf_…
	PaymentID   string
	ClientID    string
	Recipient   string // 8801XXXXXXXXX
	Template    string // "payment_success", …
	Language    string // "en" | "bn"
	Body        string
	Status      NotificationStatus
	Provider    string // "log", …
	ProviderRef string // provider's message id
	Error       string
	Encoding    string // "GSM-7" or "UCS-2" (SMSSegments)
	Segments    int    // SMS parts the body takes
	Attempts    int    // sends tried
	CreatedAt   time.Time
	SentAt      *time.Time
}

// PaymentChanged is the event fanned out to live subscribers (GraphQL
// paymentUpdated) whenever a payment changes. It carries the payment's
// changing fields as they were at that version, so a subscriber can show
// every state in order even when it reads after later changes committed.
type PaymentChanged struct {
	TransactionID string        `json:"transaction_id"`
	Status        PaymentStatus `json:"status"`
	Version       int           `json:"version"`
	Gateway       Gateway       `json:"gateway,omitempty"`
	TrxID         string        `json:"trx_id,omitempty"`
	Refunded      int64         `json:"refunded"` // minor units
	UpdatedAt     time.Time     `json:"updated_at"`
}

// Sent records that provider accepted a queued notification as ref:
// queued → sent. ErrInvalidTransition if it is no longer queued.
func (n *Notification) Sent(provider, ref string, now time.Time) error {
	if err := n.try(provider); err != nil {
		return err
	}
	n.Status, n.ProviderRef, n.SentAt, n.Error = NotificationSent, ref, &now, ""
	return nil
}

// Failed records a provider's refusal of a queued notification. When retry
// is true it stays queued for another try; otherwise queued → failed.
// ErrInvalidTransition if it is no longer queued.
func (n *Notification) Failed(provider, reason string, retry bool) error {
	if err := n.try(provider); err != nil {
		return err
	}
	n.Error = reason
	if !retry {
		n.Status = NotificationFailed
	}
	return nil
}

func (n *Notification) try(provider string) error {
	if n.Status != NotificationQueued {
		return fmt.Errorf("%w: notification %s is %s", ErrInvalidTransition, n.ID, n.Status)
	}
	n.Provider, n.Attempts = provider, n.Attempts+1
	return nil
}
