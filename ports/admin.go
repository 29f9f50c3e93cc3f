package ports

import (
	"context"
	"time"

	"github.com/paycore/paycore/domain"
)

// The operators' console reads (issue 12): search over every client's
// payments, one payment's whole timeline, clients, job counts. Read-only
// queries outside use-case transactions.

// PaymentSearch selects payments, newest first, every field given must
// match. Text matches order_id, transaction ID or gateway trxID (prefix,
// case-insensitive). AfterCreated/AfterID continue after that payment
// (keyset paging).
type PaymentSearch struct {
	ClientID     string
	Status       string
	Gateway      string
	MinAmount    int64 // minor units, 0 → no bound
	MaxAmount    int64
	From, To     time.Time
	Text         string
	AfterCreated time.Time
	AfterID      string
	Limit        int
}

// PaymentRow is one payment as the console lists it.
type PaymentRow struct {
	ID, ClientID, ClientName, OrderID, Status, Gateway, TrxID, Currency string
	Amount, Refunded                                                    int64 // minor units
	CreatedAt, UpdatedAt                                                time.Time
}

// TimelineEntry is one thing that happened to a payment: Kind is
// "payment", "attempt", "refund", "event", "webhook", "sms" or "request".
type TimelineEntry struct {
	At     time.Time
	Kind   string
	Ref    string // the record's ID
	Status string
	Detail string
}

// ClientRow is a client as the console shows it.
type ClientRow struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Status        string    `json:"status"`
	WebhookURL    string    `json:"webhook_url"`
	Language      string    `json:"language"`
	APIKey        string    `json:"api_key"`
	CommissionBPS int       `json:"commission_bps"`
	RatePerMinute int       `json:"rate_limit"` // 0: the default
	CreatedAt     time.Time `json:"created_at"`
}

// ClientPatch changes a client; nil fields stay.
type ClientPatch struct {
	Status        *string
	CommissionBPS *int
	RatePerMinute *int // 0 → the default
	WebhookURL    *string
}

// JobCount is how many River jobs of a kind are in a state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// AdminQueries are the console's reads and client changes.
type AdminQueries interface {
	SearchPayments(ctx context.Context, s PaymentSearch) ([]PaymentRow, error)
	// PaymentRow returns one payment; domain.ErrNotFound if none.
	PaymentRow(ctx context.Context, id string) (PaymentRow, error)
	Timeline(ctx context.Context, paymentID string) ([]TimelineEntry, error)
	Clients(ctx context.Context, clientID string) ([]ClientRow, error) // "" → every client
	// PatchClient applies p and returns the client before and after;
	// domain.ErrNotFound if none.
	PatchClient(ctx context.Context, id string, p ClientPatch) (before, after ClientRow, err error)
	JobCounts(ctx context.Context) ([]JobCount, error)
}

// NewClient is a client to create from the console with its first key
// pair and webhook signing secret.
type NewClient struct {
	ID, Name, WebhookURL, Language string
	CommissionBPS                  int
	APIKey, APISecret, WebhookKey  string
	CreatedAt                      time.Time
}

// ClientCreator stores a new client (the console's "create client").
type ClientCreator interface {
	CreateConsoleClient(ctx context.Context, c NewClient) error
}

// EventFeed receives every payment's changes published by any node (the
// console's live feed).
type EventFeed interface {
	// SubscribeAll returns a channel of every PaymentChanged and a cancel
	// func that must be called to stop. The channel is closed on cancel,
	// when ctx ends, when the subscriber falls too far behind, or when the
	// event stream was interrupted (the subscriber must re-read state).
	SubscribeAll(ctx context.Context) (<-chan domain.PaymentChanged, func())
}
