package sslcommerz

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Refund statuses (§7).
const (
	RefundStarted    = "success"    // initiate: taken, under way
	RefundFailed     = "failed"     // initiate: refused
	RefundProcessing = "processing" // initiate: already taken; query: under way
	RefundRefunded   = "refunded"   // query: done
	RefundCancelled  = "cancelled"  // query: not done
)

// RefundAnswer is the refund API's or refund query's answer (§7).
type RefundAnswer struct {
	APIConnect, Status, RefundRefID, BankTranID, TransID, ErrorReason string
	Raw                                                               Fields
}

func refundAnswer(f Fields) RefundAnswer {
	return RefundAnswer{APIConnect: f.Str("APIConnect"), Status: strings.ToLower(f.Str("status")),
		RefundRefID: f.Str("refund_ref_id"), BankTranID: f.Str("bank_tran_id"),
		TransID: f.Str("trans_id"), ErrorReason: f.Str("errorReason"), Raw: f}
}

// RefundInput is one refund request (§7).
type RefundInput struct {
	BankTranID string       // the payment's bank_tran_id (from validation)
	Amount     domain.Money // BDT, at most what is left
	Remarks    string       // why (required by SSLCommerz)
	RefundID   string       // our unique id: refund_trans_id and refe_id
}

// Refund asks SSLCommerz to give money back (§7). Errors: ErrNoAnswer.
func (c *Client) Refund(ctx context.Context, in RefundInput) (RefundAnswer, error) {
	q := url.Values{"bank_tran_id": {in.BankTranID}, "refund_amount": {in.Amount.Decimal()},
		"refund_remarks": {cut(orDefault(in.Remarks, "Refund", 255), 255)}, "v": {"1"}}
	if in.RefundID != "" {
		q.Set("refund_trans_id", cut(in.RefundID, 30))
		q.Set("refe_id", cut(in.RefundID, 50))
	}
	raw, err := c.call(ctx, OpRefund, QueryPath, q, nil)
	if err != nil {
		return RefundAnswer{}, err
	}
	f, _ := decodeFields(raw)
	return refundAnswer(f), nil
}

// RefundStatus asks what became of a refund (§7). Errors: ErrNoAnswer.
func (c *Client) RefundStatus(ctx context.Context, refundRefID string) (RefundAnswer, error) {
	raw, err := c.call(ctx, OpRefundInfo, QueryPath, url.Values{"refund_ref_id": {refundRefID}, "v": {"1"}}, nil)
	if err != nil {
		return RefundAnswer{}, err
	}
	f, _ := decodeFields(raw)
	return refundAnswer(f), nil
}

// SubmitRefund implements ports.Refunder: the refund API with the
// payment's bank_tran_id (req.TrxID), sent once (§7). SSLCommerz's success
// means taken, not done: the result is OutcomeUnknown carrying its
// refund_ref_id, which paycore keeps and CheckRefund asks about. failed, or
// APIConnect other than DONE, is OutcomeFailed; no answer OutcomeUnknown
// without an id.
func (c *Client) SubmitRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	log := c.log.With("refund", req.RefundID, "bank_tran_id", req.TrxID)
	if req.TrxID == "" {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "INVALID_REQUEST", Message: "the payment has no bank_tran_id"}, nil
	}
	a, err := c.Refund(ctx, RefundInput{BankTranID: req.TrxID, Amount: req.Amount, Remarks: req.Reason, RefundID: req.RefundID})
	if err != nil {
		log.WarnContext(ctx, "sslcommerz refund unheard; status asked later", "err", err)
		return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
	}
	return c.refundResult(ctx, log, a, ""), nil
}

// CheckRefund implements ports.Refunder: the refund query by the
// refund_ref_id SubmitRefund got (req.RefundRef). refunded is
// OutcomeSucceeded, cancelled OutcomeFailed, processing OutcomeUnknown.
// Without a refund_ref_id (the refund API's answer was lost) nothing can be
// asked and the refund is never sent again: it stays unknown, logged for an
// operator to check SSLCommerz's panel.
func (c *Client) CheckRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	log := c.log.With("refund", req.RefundID, "bank_tran_id", req.TrxID)
	if req.RefundRef == "" {
		log.ErrorContext(ctx, "sslcommerz refund answer was lost: no refund_ref_id to ask about; check the SSLCommerz panel")
		return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
	}
	a, err := c.RefundStatus(ctx, req.RefundRef)
	if err != nil {
		return ports.RefundResult{Outcome: ports.OutcomeUnknown, RefundRef: req.RefundRef}, nil
	}
	return c.refundResult(ctx, log, a, req.RefundRef), nil
}

func (c *Client) refundResult(ctx context.Context, log *slog.Logger, a RefundAnswer, ref string) ports.RefundResult {
	if a.RefundRefID != "" {
		ref = a.RefundRefID
	}
	if !strings.EqualFold(a.APIConnect, "DONE") {
		log.WarnContext(ctx, "sslcommerz refused the refund call", "api_connect", clip(a.APIConnect), "reason", clip(a.ErrorReason))
		if ref != "" {
			return ports.RefundResult{Outcome: ports.OutcomeUnknown, RefundRef: ref}
		}
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: orDefault(clip(a.APIConnect), "INVALID_REQUEST", 30),
			Message: orDefault(clip(a.ErrorReason), "SSLCommerz refused the refund request", 200)}
	}
	switch a.Status {
	case RefundRefunded:
		log.InfoContext(ctx, "sslcommerz refund done", "refund_ref_id", ref)
		return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: ref}
	case RefundStarted, RefundProcessing:
		return ports.RefundResult{Outcome: ports.OutcomeUnknown, RefundRef: ref}
	case RefundFailed, RefundCancelled:
		log.WarnContext(ctx, "sslcommerz refund not done", "status", a.Status, "reason", clip(a.ErrorReason))
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: strings.ToUpper(a.Status),
			Message: orDefault(clip(a.ErrorReason), "SSLCommerz did not refund", 200)}
	}
	log.WarnContext(ctx, "sslcommerz refund status unknown", "status", clip(a.Status))
	return ports.RefundResult{Outcome: ports.OutcomeUnknown, RefundRef: ref}
}
