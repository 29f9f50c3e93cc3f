package nagad

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/paycore/paycore/ports"
)

// Codes SubmitRefund and CheckRefund put in ports.RefundResult.Code on
// their own failures (Nagad's own reasons look like "16_0006_017").
const (
	// CodeRefundInvalidRequest: the refund was refused before it was sent
	// (ErrInvalidRequest), or Nagad's record of the payment has no order or
	// amount to refund against. Nothing was refunded.
	CodeRefundInvalidRequest = "INVALID_REQUEST"
	// CodeNotRefunded: CheckRefund found no refund of the payment beyond
	// the earlier ones: Nagad did not refund. Nothing moved.
	CodeNotRefunded = "NOT_REFUNDED"
)

// SubmitRefund implements ports.Refunder with Refund (POST
// /purchase/cancel), sent once. ports.RefundRequest names the payment
// (GatewayRef = paymentReferenceId) but neither the attempt nor the amount
// paid, so Verify supplies them first: the orderId (which OrderID, given the
// orderId itself, leaves unchanged) and the amount paid (OriginalAmount,
// BDT); originalRequestDate is today's (Refund). req.RefundID goes to Nagad as
// referenceNo, req.Reason as referenceMessage, req.Amount (BDT) as
// cancelAmount.
//
// Results:
//   - Nagad accepted the cancel: ports.OutcomeSucceeded with RefundRef =
//     Nagad's cancelTrxId (req.RefundID when Nagad sent none);
//   - no answer, or an answer that cannot be read: ports.OutcomeUnknown (the
//     caller asks CheckRefund later, never submits again);
//   - refused before sending (ErrInvalidRequest), or a verified payment
//     without order or amount: ports.OutcomeFailed with
//     CodeRefundInvalidRequest;
//   - Nagad refused (*Error, *RejectedError): ports.OutcomeFailed with
//     Nagad's reason as Code and its message.
//
// It returns an error, and sends nothing, when the first Verify fails (the
// refund job then asks CheckRefund, which finds no new refund and fails
// it), or for any other error of Refund before anything was sent.
func (c *Client) SubmitRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	v, err := c.Verify(ctx, req.GatewayRef)
	if err != nil {
		return ports.RefundResult{}, fmt.Errorf("nagad refund: verify the payment first: %w", err)
	}
	if v.OrderID == "" || v.Amount.IsZero() {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: CodeRefundInvalidRequest,
			Message: "Nagad's record of the payment has no order or amount"}, nil
	}
	res, err := c.Refund(ctx, RefundRequest{
		PaymentRefID: req.GatewayRef, AttemptID: v.OrderID, OriginalAmount: v.Amount, Amount: req.Amount,
		ReferenceNo: req.RefundID, Reason: req.Reason,
	})
	var ge *ports.GatewayError
	switch {
	case err == nil:
		ref := res.CancelTrxID
		if ref == "" {
			ref = req.RefundID
		}
		return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: ref}, nil
	case errors.Is(err, ErrNoAnswer):
		return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
	case errors.Is(err, ErrInvalidRequest):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: CodeRefundInvalidRequest, Message: err.Error()}, nil
	case errors.As(err, &ge):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: ge.Code, Message: ge.Message}, nil
	}
	return ports.RefundResult{}, err
}

// CheckRefund implements ports.Refunder: what became of a refund whose
// answer was lost. Nagad has no refund status call; Verify reports the
// payment's latest refund (cancelIssuerRefNo), as the adapter prescribes
// after a lost answer. A latest refund that is not one of the payment's
// earlier refunds (req.PriorRefundRefs) is this one: ports.OutcomeSucceeded
// with RefundRef = that cancelIssuerRefNo. No refund beyond the earlier ones
// means Nagad did not refund: ports.OutcomeFailed with CodeNotRefunded,
// nothing moved (the merchant may ask again), as bKash's CheckRefund does
// when refund status knows nothing.
//
// Limits: verify shows neither the refund's amount nor more than the latest
// refund, so two refunds of one payment in flight at once cannot be told
// apart; paycore runs each payment's refunds one job at a time in practice.
// It returns Verify's error when verify fails: the refund stays open and is
// asked about again.
func (c *Client) CheckRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	v, err := c.Verify(ctx, req.GatewayRef)
	if err != nil {
		return ports.RefundResult{}, fmt.Errorf("nagad refund status: %w", err)
	}
	if v.CancelIssuerRefNo == "" || slices.Contains(req.PriorRefundRefs, v.CancelIssuerRefNo) {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: CodeNotRefunded,
			Message: "Nagad's verify shows no refund beyond the earlier ones"}, nil
	}
	return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: v.CancelIssuerRefNo}, nil
}
