package ports

import (
	"context"
	"time"

	"github.com/paycore/paycore/domain"
)

// Refunder is a gateway that can give money back. A refund is submitted at
// most once; after that only its status is asked (bKash: no answer within
// 30 s → refund status, never re-submit: docs/gateways/bkash.md §9.4).
type Refunder interface {
	// SubmitRefund sends the refund once. OutcomeUnknown means the gateway
	// could not be heard: ask CheckRefund later, never submit again. An
	// error means nothing was sent.
	SubmitRefund(ctx context.Context, req RefundRequest) (RefundResult, error)
	// CheckRefund asks what became of a submitted refund (its status).
	CheckRefund(ctx context.Context, req RefundRequest) (RefundResult, error)
}

// RefundRequest identifies a refund at the gateway.
type RefundRequest struct {
	RefundID   string       // our ref_… (bKash sku)
	GatewayRef string       // the payment at the gateway (bKash paymentID)
	TrxID      string       // the payment's transaction (bKash trxID)
	Amount     domain.Money // to give back
	Reason     string
	// RefundRef is the gateway's id of this refund when an earlier answer
	// gave one while the refund was still under way (SSLCommerz
	// refund_ref_id), "" otherwise.
	RefundRef string
	// PriorRefundRefs are the gateway refund ids of this payment's earlier
	// refunds, so a status naming one of them is not taken for this one.
	PriorRefundRefs []string
}

// RefundResult is the gateway's answer about a refund.
type RefundResult struct {
	Outcome Outcome // succeeded, failed or unknown
	// RefundRef is the gateway refund id (bKash refundTrxID) when succeeded;
	// with OutcomeUnknown, the id of a refund the gateway took but has not
	// finished (SSLCommerz refund_ref_id): paycore keeps it and passes it
	// back as RefundRequest.RefundRef to CheckRefund.
	RefundRef string
	Code      string // gateway code when failed (bKash "2071")
	Message   string // gateway message when failed
}

// RefundRepository stores refunds.
type RefundRepository interface {
	Create(ctx context.Context, r *domain.Refund) error
	// Get reads a refund; domain.ErrNotFound if none.
	Get(ctx context.Context, id string) (*domain.Refund, error)
	// ListByPayment returns a payment's refunds, oldest first.
	ListByPayment(ctx context.Context, paymentID string) ([]*domain.Refund, error)
	// Update locks the refund's payment, then the refund (the lock order),
	// calls fn with both and, if fn returns nil, writes back what fn
	// changed. fn's error as is, or domain.ErrNotFound.
	Update(ctx context.Context, refundID string, fn func(p *domain.Payment, r *domain.Refund) error) error
}

// PaymentFilter selects a client's payments (GET /api/v1/transactions),
// newest first by (CreatedAt, ID).
type PaymentFilter struct {
	ClientID string
	Status   domain.PaymentStatus // "" = any
	OrderID  string               // "" = any
	From, To time.Time            // created_at in [From, To); zero = open
	// AfterCreated and AfterID (keyset paging): when AfterID is set, only
	// payments after that one in the newest-first order, i.e. with
	// (created_at, id) < (AfterCreated, AfterID). Offset then counts from
	// there.
	AfterCreated time.Time
	AfterID      string
	Offset       int
	Limit        int // 1..101
	// CountCap bounds the count of a filter with From or To: at most
	// CountCap matching payments are counted, and PaymentList.TotalCapped
	// says more match. 0 counts them all. Without From and To the total is
	// exact whatever CountCap (kept per client and status, not counted).
	CountCap int
}

// PaymentList is one page of a client's payments and how many match the
// filter (not only after AfterID).
type PaymentList struct {
	Payments []*domain.Payment
	// Total is how many match; when TotalCapped, at least that many (the
	// filter's CountCap) match.
	Total       int
	TotalCapped bool
}

// PaymentStats are a client's totals (GET /api/v1/client/dashboard).
type PaymentStats struct {
	Total, Success, Failed int64
	// Paid is the sum in minor units of payments that were paid (success,
	// partially_refunded, refunded, disputed), per currency.
	Paid map[string]int64
	// Refunded is the sum of refunds in minor units, per currency.
	Refunded map[string]int64
}

// PaymentQueries reads many payments at once.
type PaymentQueries interface {
	// List returns one page of payments, newest first, and how many match.
	// Neither grows with the client's history (docs/scaling.md, read side):
	// pages after AfterID are read from an index, and the total is kept, or
	// counted up to f.CountCap.
	List(ctx context.Context, f PaymentFilter) (PaymentList, error)
	// Stats returns a client's totals, kept as payments change (not
	// computed by scanning them in adapters/postgres).
	Stats(ctx context.Context, clientID string) (PaymentStats, error)
	// ExpiredPayments returns up to limit IDs of pending payments whose
	// ExpiresAt has passed.
	ExpiredPayments(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// KeyRotator replaces a client's API key.
type KeyRotator interface {
	// RotateKey stores newKey with newSecret for clientID and makes the
	// client's other keys stop working: the key active until now at
	// revokeAt (its grace period), any older one at once. Concurrent
	// rotations of one client are serialized: afterwards exactly one key is
	// active. domain.ErrNotFound for an unknown client.
	RotateKey(ctx context.Context, clientID, newKey string, newSecret []byte, revokeAt time.Time) error
	// CurrentKey returns the client's newest key (not its secret).
	CurrentKey(ctx context.Context, clientID string) (string, error)
}

// GatewayCall is one recorded call to a gateway (for health).
type GatewayCall struct {
	Gateway    domain.Gateway
	Operation  string
	Outcome    string // "ok", "refused", "no_answer"
	HTTPStatus int
	Latency    time.Duration
	At         time.Time
}

// GatewayCallStats summarises calls to one gateway over a window.
type GatewayCallStats struct {
	Calls, OK, Refused, NoAnswer int64
	P95                          time.Duration
	Buckets                      int                             // time buckets in the window that had calls
	UpBuckets                    int                             // of those, buckets where most calls were answered
	LastWindow                   struct{ Calls, NoAnswer int64 } // the most recent 15 minutes
}

// GatewayCallStore records and summarises gateway calls.
type GatewayCallStore interface {
	// RecordCall stores a call without blocking the caller (batched).
	RecordCall(c GatewayCall)
	// CallStats summarises the calls to g since `since`.
	CallStats(ctx context.Context, g domain.Gateway, since time.Time) (GatewayCallStats, error)
}
