package domain

import (
	"fmt"
	"time"
)

// ReviewStatus is where an operator's review of an attempt stands.
type ReviewStatus string

// Review statuses: open until an operator decides, then confirmed or
// rejected for good.
const (
	ReviewOpen      ReviewStatus = "open"      // waiting for an operator
	ReviewConfirmed ReviewStatus = "confirmed" // the operator confirmed the payment at the gateway
	ReviewRejected  ReviewStatus = "rejected"  // the operator found no payment, or closed the case
)

// ParseReviewStatus returns the status named s.
func ParseReviewStatus(s string) (ReviewStatus, error) {
	switch st := ReviewStatus(s); st {
	case ReviewOpen, ReviewConfirmed, ReviewRejected:
		return st, nil
	}
	return "", fmt.Errorf("unknown review status %q", s)
}

// Review reasons paycore sets itself; gateways add their own codes
// (UNVERIFIED_CLAIM, AMOUNT_MISMATCH, VERIFY_MISMATCH, ORDER_MISMATCH …).
const (
	// ReviewDuplicateTrx: the gateway reported a transaction that already
	// settles another attempt; this attempt was failed.
	ReviewDuplicateTrx = "DUPLICATE_TRX"
	// ReviewPaidNotPayable: the gateway reports money moved for an attempt
	// whose payment was no longer waiting for it (paid by another attempt,
	// or expired): refund or settle by hand.
	ReviewPaidNotPayable = "PAID_NOT_PAYABLE"
	// ReviewPaidAfterExpiry: the gateway reports money moved (or a signed
	// return claims it) for an attempt that had already expired: refund or
	// settle by hand, never ignore it.
	ReviewPaidAfterExpiry = "PAID_AFTER_EXPIRY"
	// ReviewDisputeWithRefund: the payer disputed a payment while one of its
	// refunds was still open at the gateway: the money may go back twice.
	ReviewDisputeWithRefund = "DISPUTE_WITH_OPEN_REFUND"
	// ReviewRefundNotApplied: the gateway reports a refund done that the
	// payment can no longer take (disputed meanwhile, or more than is left).
	ReviewRefundNotApplied = "REFUND_NOT_APPLIED"
)

// Review flags an attempt for an operator: the gateway's answer cannot be
// settled automatically (an unverified claim, an answer that does not match
// the attempt). It is decided once.
type Review struct {
	AttemptID string
	PaymentID string
	Gateway   Gateway
	Reason    string // why: a gateway code or a Review* reason
	Detail    string // the gateway's or paycore's words
	TrxID     string // the gateway transaction concerned, if any
	Status    ReviewStatus
	DecidedBy string // who decided (operator name)
	Note      string // the operator's note
	CreatedAt time.Time
	UpdatedAt time.Time
	DecidedAt time.Time // zero while open
}

// NewReview opens a review of attempt a.
func NewReview(a *Attempt, reason, detail, trxID string, now time.Time) *Review {
	return &Review{AttemptID: a.ID, PaymentID: a.PaymentID, Gateway: a.Gateway, Reason: reason, Detail: detail,
		TrxID: trxID, Status: ReviewOpen, CreatedAt: now, UpdatedAt: now}
}

// Decide records an operator's decision: open → confirmed or rejected.
func (r *Review) Decide(to ReviewStatus, by, note string, now time.Time) error {
	if r.Status != ReviewOpen || (to != ReviewConfirmed && to != ReviewRejected) {
		return fmt.Errorf("%w: review of %s %s → %s", ErrInvalidTransition, r.AttemptID, r.Status, to)
	}
	r.Status, r.DecidedBy, r.Note, r.DecidedAt, r.UpdatedAt = to, by, note, now, now
	return nil
}
