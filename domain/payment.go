package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// PaymentStatus is the status of a payment (docs/merchant-api.md §6.2).
type PaymentStatus string

// Payment statuses.
const (
	StatusPending           PaymentStatus = "pending"            // created; the customer may (re)try
	StatusProcessing        PaymentStatus = "processing"         // a gateway outcome is awaited or unknown
	StatusSuccess           PaymentStatus = "success"            // paid
	StatusFailed            PaymentStatus = "failed"             // will not be paid
	StatusCancelled         PaymentStatus = "cancelled"          // cancelled before payment
	StatusExpired           PaymentStatus = "expired"            // never paid in time
	StatusPartiallyRefunded PaymentStatus = "partially_refunded" // paid, part refunded
	StatusRefunded          PaymentStatus = "refunded"           // paid, wholly refunded
	StatusDisputed          PaymentStatus = "disputed"           // paid, disputed by the payer
)

// PaymentStatuses lists every payment status.
var PaymentStatuses = []PaymentStatus{
	StatusPending, StatusProcessing, StatusSuccess, StatusFailed, StatusCancelled,
	StatusExpired, StatusPartiallyRefunded, StatusRefunded, StatusDisputed,
}

// ParsePaymentStatus returns the status named s, or ErrInvalidTransition's
// sibling error for an unknown name.
func ParsePaymentStatus(s string) (PaymentStatus, error) {
	for _, st := range PaymentStatuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown payment status %q", s)
}

// transitions is the payment status machine of docs/merchant-api.md §6.2:
// pending → processing → success | failed | cancelled | expired;
// success → partially_refunded → refunded; success → disputed.
// Two moves are added and documented where they are used:
// processing → pending (the gateway refused the attempt outright, so the
// customer may try again: a failed or cancelled attempt leaves the
// payment pending) and pending → cancelled | expired | failed (a payment
// nobody started can be cancelled, expire or be given up). processing never
// expires: money may have moved until the gateway says otherwise.
var transitions = map[PaymentStatus][]PaymentStatus{
	StatusPending:           {StatusProcessing, StatusCancelled, StatusExpired, StatusFailed},
	StatusProcessing:        {StatusSuccess, StatusFailed, StatusCancelled, StatusPending},
	StatusSuccess:           {StatusPartiallyRefunded, StatusRefunded, StatusDisputed},
	StatusPartiallyRefunded: {StatusPartiallyRefunded, StatusRefunded, StatusDisputed},
}

// CanTransition reports whether a payment may move from one status to another.
func CanTransition(from, to PaymentStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether no further gateway outcome can change the payment.
func (s PaymentStatus) Final() bool {
	switch s {
	case StatusPending, StatusProcessing:
		return false
	}
	return true
}

// Gateway names a payment gateway.
type Gateway string

// Gateways paycore speaks to.
const (
	GatewayBkash      Gateway = "bkash"
	GatewayNagad      Gateway = "nagad"
	GatewayRedirectGW Gateway = "redirectgw"
	GatewaySSLCommerz Gateway = "sslcommerz"
)

// ParseGateway returns the gateway named s ("bkash", "nagad", "redirectgw",
// "sslcommerz").
// It returns ErrGatewayUnavailable for other names.
func ParseGateway(s string) (Gateway, error) {
	switch g := Gateway(s); g {
	case GatewayBkash, GatewayNagad, GatewayRedirectGW, GatewaySSLCommerz:
		return g, nil
	}
	return "", fmt.Errorf("%w: %q", ErrGatewayUnavailable, s)
}

// Order is what the merchant sells: its own order_id (unique per client),
// the customer and where to send the browser and the webhook afterwards.
type Order struct {
	ClientID      string
	OrderID       string // the merchant's order_id, unique per client
	CustomerName  string
	CustomerEmail string
	CustomerPhone string          // as given; normalised when an SMS is sent
	ReturnURL     string          // absolute URL; gets ?transaction_id=…&status=…
	CancelURL     string          // where a cancelled payment goes instead; may be empty
	FailureURL    string          // where a failed or expired payment goes instead; may be empty
	WebhookURL    string          // where payment events are POSTed; may be empty
	Metadata      json.RawMessage // a JSON object from the merchant, or nil
}

// Payment is the money a customer owes for an order and how it was settled.
// Its status changes only through its methods.
type Payment struct {
	ID         string // txn_…
	Order      Order
	Amount     Money
	Gateway    Gateway // gateway that settled it, once success
	GatewayRef string  // gateway's payment reference (bKash paymentID)
	TrxID      string  // gateway's transaction id (bKash trxID), once success
	Refunded   Money   // refunded so far, same currency as Amount
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int // increases with every change; carried by events

	status PaymentStatus
}

// NewPayment returns a pending payment with a fresh txn_ ID for the order.
// amount must be positive; ttl is how long the customer has to pay.
func NewPayment(o Order, amount Money, now time.Time, ttl time.Duration) (*Payment, error) {
	if amount.IsZero() {
		return nil, ErrZeroAmount
	}
	if o.ClientID == "" || o.OrderID == "" {
		return nil, fmt.Errorf("payment needs a client and an order_id")
	}
	zero, _ := NewMoney(0, amount.Currency().Code)
	return &Payment{
		ID: NewID(PrefixTransaction), Order: o, Amount: amount, Refunded: zero,
		ExpiresAt: now.Add(ttl), CreatedAt: now, UpdatedAt: now, Version: 1,
		status: StatusPending,
	}, nil
}

// PaymentFromDB rehydrates a stored payment. It is not a constructor: it
// trusts status as stored.
func PaymentFromDB(p Payment, status PaymentStatus) *Payment {
	p.status = status
	return &p
}

// Status returns the payment's status.
func (p *Payment) Status() PaymentStatus { return p.status }

func (p *Payment) move(to PaymentStatus, now time.Time) error {
	if !CanTransition(p.status, to) {
		return fmt.Errorf("%w: payment %s %s → %s", ErrInvalidTransition, p.ID, p.status, to)
	}
	p.status = to
	p.UpdatedAt = now
	p.Version++
	return nil
}

// Payable reports whether a new attempt may start: pending and not expired.
func (p *Payment) Payable(now time.Time) bool {
	return p.status == StatusPending && now.Before(p.ExpiresAt)
}

// StartProcessing moves pending → processing when a gateway outcome is being
// asked for (bKash execute, Nagad verify). ErrNotPayable if it has expired.
func (p *Payment) StartProcessing(now time.Time) error {
	if p.status == StatusPending && !now.Before(p.ExpiresAt) {
		return fmt.Errorf("%w: payment %s expired", ErrNotPayable, p.ID)
	}
	return p.move(StatusProcessing, now)
}

// AwaitGateway moves pending → processing while a gateway is asked about an
// attempt opened when the payment was payable, even if ExpiresAt has passed
// since: where money moves on the gateway's own page (Nagad, the redirect
// gateway, SSLCommerz) the customer may have paid before the expiry, and
// the answer must settle the payment rather than find it expired. Unlike
// StartProcessing it never starts a new money movement; bKash's execute
// goes through StartProcessing. ErrInvalidTransition unless pending.
func (p *Payment) AwaitGateway(now time.Time) error {
	if p.status != StatusPending {
		return fmt.Errorf("%w: payment %s %s → %s", ErrInvalidTransition, p.ID, p.status, StatusProcessing)
	}
	return p.move(StatusProcessing, now)
}

// Succeed moves processing → success, recording which gateway settled it and
// its references.
func (p *Payment) Succeed(g Gateway, gatewayRef, trxID string, now time.Time) error {
	if err := p.move(StatusSuccess, now); err != nil {
		return err
	}
	p.Gateway, p.GatewayRef, p.TrxID = g, gatewayRef, trxID
	return nil
}

// Reopen moves processing → pending: the gateway refused the attempt (e.g.
// bKash 2023 Insufficient Balance), no money moved, and the customer may try
// again until the payment expires.
func (p *Payment) Reopen(now time.Time) error {
	if p.status != StatusProcessing {
		return fmt.Errorf("%w: payment %s %s → %s", ErrInvalidTransition, p.ID, p.status, StatusPending)
	}
	return p.move(StatusPending, now)
}

// Fail moves pending or processing → failed: the payment will not be paid.
func (p *Payment) Fail(now time.Time) error { return p.move(StatusFailed, now) }

// Cancel moves pending (or processing that the gateway reported cancelled)
// → cancelled.
func (p *Payment) Cancel(now time.Time) error { return p.move(StatusCancelled, now) }

// Expire moves pending → expired once ExpiresAt has passed. A processing
// payment never expires (its outcome is unknown). Before ExpiresAt it
// returns ErrInvalidTransition.
func (p *Payment) Expire(now time.Time) error {
	if now.Before(p.ExpiresAt) {
		return fmt.Errorf("%w: payment %s has not expired yet", ErrInvalidTransition, p.ID)
	}
	return p.move(StatusExpired, now)
}

// Refundable returns what may still be refunded: Amount − Refunded when the
// payment is success or partially_refunded, else zero.
func (p *Payment) Refundable() Money {
	zero, _ := NewMoney(0, p.Amount.Currency().Code)
	if p.status != StatusSuccess && p.status != StatusPartiallyRefunded {
		return zero
	}
	left, err := p.Amount.Sub(p.Refunded)
	if err != nil {
		return zero
	}
	return left
}

// ApplyRefund records a settled refund of amount: success or
// partially_refunded → partially_refunded, or refunded when nothing is left.
// Errors: ErrInvalidTransition from any other status, ErrZeroAmount,
// ErrCurrencyMismatch, ErrRefundExceeds when amount is more than Refundable.
func (p *Payment) ApplyRefund(amount Money, now time.Time) error {
	if p.status != StatusSuccess && p.status != StatusPartiallyRefunded {
		return fmt.Errorf("%w: payment %s is %s, not refundable", ErrInvalidTransition, p.ID, p.status)
	}
	if amount.IsZero() {
		return ErrZeroAmount
	}
	left := p.Refundable()
	if amount.Currency() != left.Currency() {
		return ErrCurrencyMismatch
	}
	if amount.Minor() > left.Minor() {
		return fmt.Errorf("%w: %s left", ErrRefundExceeds, left)
	}
	to := StatusPartiallyRefunded
	if amount.Minor() == left.Minor() {
		to = StatusRefunded
	}
	if err := p.move(to, now); err != nil {
		return err
	}
	p.Refunded, _ = p.Refunded.Add(amount)
	return nil
}

// Dispute moves success or partially_refunded → disputed.
func (p *Payment) Dispute(now time.Time) error { return p.move(StatusDisputed, now) }
