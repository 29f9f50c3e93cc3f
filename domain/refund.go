package domain

import (
	"fmt"
	"time"
)

// RefundStatus is where a refund is.
type RefundStatus string

// Refund statuses. A refund is submitted to the gateway at most once: after
// "submitted" only the gateway's refund status is asked (bKash: "no answer
// in 30 s → refund status; never re-submit").
const (
	RefundPending   RefundStatus = "pending"   // accepted, not yet sent to the gateway
	RefundSubmitted RefundStatus = "submitted" // sent; outcome not known yet
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

var refundTransitions = map[RefundStatus][]RefundStatus{
	RefundPending:   {RefundSubmitted, RefundFailed},
	RefundSubmitted: {RefundSucceeded, RefundFailed},
}

// Refund gives money of a paid payment back to the customer.
type Refund struct {
	ID             string // ref_…
	PaymentID      string
	ClientID       string
	Amount         Money
	Reason         string
	GatewayRef     string // gateway's refund transaction id (bKash refundTrxID)
	FailureCode    string
	FailureMessage string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	status RefundStatus
}

// MaxRefundReason is the longest refund reason, in characters (bKash: sku
// and reason ≤ 255).
const MaxRefundReason = 255

// NewRefund returns a pending refund of amount for p. It checks only the
// refund itself; whether p can give amount back is Payment.ReserveRefund's
// business.
func NewRefund(p *Payment, amount Money, reason string, now time.Time) (*Refund, error) {
	if amount.IsZero() {
		return nil, ErrZeroAmount
	}
	if amount.Currency() != p.Amount.Currency() {
		return nil, ErrCurrencyMismatch
	}
	if n := len([]rune(reason)); n == 0 || n > MaxRefundReason {
		return nil, fmt.Errorf("refund reason must be 1-%d characters", MaxRefundReason)
	}
	return &Refund{
		ID: NewID(PrefixRefund), PaymentID: p.ID, ClientID: p.Order.ClientID, Amount: amount,
		Reason: reason, CreatedAt: now, UpdatedAt: now, status: RefundPending,
	}, nil
}

// RefundFromDB rehydrates a stored refund; not a constructor.
func RefundFromDB(r Refund, status RefundStatus) *Refund {
	r.status = status
	return &r
}

// Status returns the refund's status.
func (r *Refund) Status() RefundStatus { return r.status }

// Open reports whether the refund still holds part of the payment
// (pending or submitted).
func (r *Refund) Open() bool { return r.status == RefundPending || r.status == RefundSubmitted }

func (r *Refund) move(to RefundStatus, now time.Time) error {
	for _, s := range refundTransitions[r.status] {
		if s == to {
			r.status, r.UpdatedAt = to, now
			return nil
		}
	}
	return fmt.Errorf("%w: refund %s %s → %s", ErrInvalidTransition, r.ID, r.status, to)
}

// Submit marks the refund sent to the gateway: pending → submitted.
func (r *Refund) Submit(now time.Time) error { return r.move(RefundSubmitted, now) }

// Succeed records the gateway's refund id: submitted → succeeded.
func (r *Refund) Succeed(gatewayRef string, now time.Time) error {
	if err := r.move(RefundSucceeded, now); err != nil {
		return err
	}
	r.GatewayRef = gatewayRef
	return nil
}

// Track records the gateway's id of a refund it has taken but not yet
// finished (SSLCommerz refund_ref_id), so its status can be asked by that
// id: submitted only, the refund stays submitted.
func (r *Refund) Track(gatewayRef string) error {
	if r.status != RefundSubmitted {
		return fmt.Errorf("%w: refund %s is %s, not submitted", ErrInvalidTransition, r.ID, r.status)
	}
	r.GatewayRef = gatewayRef
	return nil
}

// Fail records the gateway's refusal: pending or submitted → failed.
func (r *Refund) Fail(code, message string, now time.Time) error {
	if err := r.move(RefundFailed, now); err != nil {
		return err
	}
	r.FailureCode, r.FailureMessage = code, message
	return nil
}

// CheckRefundable returns nil when p can give amount back on top of the
// open refunds: p is success or partially_refunded and amount ≤ Amount −
// Refunded − open. Errors: ErrInvalidTransition (not paid), ErrRefundExceeds.
func (p *Payment) CheckRefundable(amount Money, open Money) error {
	if p.status != StatusSuccess && p.status != StatusPartiallyRefunded {
		return fmt.Errorf("%w: payment %s is %s, not refundable", ErrInvalidTransition, p.ID, p.status)
	}
	left, err := p.Refundable().Sub(open)
	if err != nil || amount.Minor() > left.Minor() {
		return fmt.Errorf("%w: %s refundable", ErrRefundExceeds, left)
	}
	return nil
}
