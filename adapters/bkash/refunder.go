package bkash

import (
	"context"
	"errors"
	"slices"

	"github.com/paycore/paycore/ports"
)

var _ ports.Refunder = (*Client)(nil)

// SubmitRefund implements ports.Refunder with Refund (sent once; after no
// answer it asks RefundStatus itself). The refund's ID goes to bKash as
// sku, so bKash's records name our refund. Unknown outcomes (no answer,
// accepted but not Completed) are ports.OutcomeUnknown; an error means
// nothing was sent.
func (c *Client) SubmitRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	res, err := c.Refund(ctx, RefundRequest{
		PaymentID: req.GatewayRef, TrxID: req.TrxID, Amount: req.Amount,
		SKU: req.RefundID, Reason: req.Reason, PriorRefundTrxIDs: req.PriorRefundRefs,
	})
	return refundOutcome(res, err)
}

// CheckRefund implements ports.Refunder with RefundStatus: bKash's refund status names the
// latest refund of the payment; one that is not among the earlier refunds
// and has this refund's amount is this refund. When bKash reports no such
// refund, nothing was refunded: the refund failed.
func (c *Client) CheckRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	res, err := c.RefundStatus(ctx, req.GatewayRef, req.TrxID)
	var re *RefundError
	switch {
	case errors.As(err, &re):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_REFUNDED",
			Message: "bKash has no record of this refund: " + re.Message}, nil
	case err != nil:
		return refundOutcome(res, err)
	case res.RefundTrxID == "" || slices.Contains(req.PriorRefundRefs, res.RefundTrxID) || !res.Amount.Equal(req.Amount):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_REFUNDED",
			Message: "bKash has no record of this refund"}, nil
	}
	return refundOutcome(res, nil)
}

func refundOutcome(res RefundResult, err error) (ports.RefundResult, error) {
	var re *RefundError
	switch {
	case err == nil && res.Completed():
		return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: res.RefundTrxID}, nil
	case err == nil, errors.Is(err, ErrRefundPending), errors.Is(err, ErrNoAnswer):
		return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
	case errors.As(err, &re):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: re.Code, Message: re.Message}, nil
	case errors.Is(err, ErrInvalidRequest):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "INVALID_REQUEST", Message: err.Error()}, nil
	}
	return ports.RefundResult{}, err
}
