package ports

import (
	"context"
	"time"

	"github.com/paycore/paycore/domain"
)

// EventRepository stores the event log and webhook deliveries.
type EventRepository interface {
	// CreateEvent stores a new event. Deferrable (TxProvider).
	CreateEvent(ctx context.Context, e *domain.Event) error
	// GetEvent returns an event; domain.ErrNotFound if none.
	GetEvent(ctx context.Context, id string) (*domain.Event, error)
	// CreateDelivery stores a new webhook delivery. Deferrable (TxProvider).
	CreateDelivery(ctx context.Context, d *domain.WebhookDelivery) error
	// GetDelivery reads a delivery; domain.ErrNotFound if none.
	GetDelivery(ctx context.Context, id string) (*domain.WebhookDelivery, error)
	// GetDeliveryEvent reads a delivery and the event it carries, as
	// GetDelivery then GetEvent would, in one read; domain.ErrNotFound if
	// there is no such delivery.
	GetDeliveryEvent(ctx context.Context, id string) (*domain.WebhookDelivery, *domain.Event, error)
	// UpdateDelivery locks delivery id, calls fn with it and writes it back
	// if fn returns nil. fn's error as is, or domain.ErrNotFound. The
	// write-back is deferrable (TxProvider).
	UpdateDelivery(ctx context.Context, id string, fn func(d *domain.WebhookDelivery) error) error
	// UpdateDeliverySeen is UpdateDelivery for a step that read the
	// delivery earlier, outside this transaction, and holds no lock on it
	// (seen): fn runs on a copy of seen, and the write-back stands only if
	// the stored delivery is still as seen (status, attempts, updated at).
	// If it changed, the transaction fails as a serialization failure and
	// TxProvider.Transact runs it again, locking as UpdateDelivery does —
	// so fn may run twice. Deferrable (TxProvider).
	UpdateDeliverySeen(ctx context.Context, seen *domain.WebhookDelivery, fn func(d *domain.WebhookDelivery) error) error
	// AddAttempt records one delivery attempt. Deferrable (TxProvider).
	AddAttempt(ctx context.Context, a domain.WebhookAttempt) error
	// ListDeliveries returns a client's deliveries (all clients when
	// clientID is ""), newest first; eventID "" means any event.
	ListDeliveries(ctx context.Context, clientID, eventID string, limit int) ([]*domain.WebhookDelivery, error)
	// ListAttempts returns a delivery's attempts, oldest first.
	ListAttempts(ctx context.Context, deliveryID string) ([]domain.WebhookAttempt, error)
}

// WebhookRequest is one signed POST to a merchant.
type WebhookRequest struct {
	URL     string
	Headers map[string]string
	Body    []byte
}

// WebhookResponse is what the merchant's server answered.
type WebhookResponse struct {
	StatusCode int    // 0 when there was no HTTP answer
	Body       string // first 1 KiB
	Latency    time.Duration
}

// WebhookSender POSTs webhooks. Outside sandbox mode it refuses plain HTTP
// and private, loopback, link-local and metadata addresses, checked on the
// resolved IP at connect time (SSRF).
type WebhookSender interface {
	// Send posts req within a 10 s budget. err is set when no HTTP answer
	// came back (refused address, timeout, connection error).
	Send(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
}

// WebhookSecrets gives a client's webhook signing secret (distinct from its
// API secret).
type WebhookSecrets interface {
	WebhookSecret(ctx context.Context, clientID string) ([]byte, error)
}
