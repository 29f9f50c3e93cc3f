package bkash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// MaxRefundText is the longest sku or reason bKash takes, in characters
// (docs/gateways/bkash.md §9.4, codes 2075/2076).
const MaxRefundText = 255

// RefundRequest refunds (part of) a completed payment with the v1 refund
// (docs/gateways/bkash.md §9.1, §2.8).
type RefundRequest struct {
	PaymentID string       // bKash paymentID of the payment
	TrxID     string       // bKash trxID of the payment
	Amount    domain.Money // BDT to give back, > 0; paisa, so ≤ 2 decimals
	SKU       string       // required (bKash refuses a refund without: 2073), ≤ 255 characters
	Reason    string       // required, ≤ 255 characters
	// PriorRefundTrxIDs are the refundTrxIDs of earlier refunds of the same
	// payment. When the refund gets no answer, a refund status naming one of
	// them is not taken for this refund.
	PriorRefundTrxIDs []string
}

func (r RefundRequest) validate() error {
	var problems []string
	if strings.TrimSpace(r.PaymentID) == "" {
		problems = append(problems, "PaymentID is required")
	}
	if strings.TrimSpace(r.TrxID) == "" {
		problems = append(problems, "TrxID is required")
	}
	if err := checkAmount(r.Amount); err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), ErrInvalidRequest.Error()+": "))
	}
	if strings.TrimSpace(r.Reason) == "" {
		problems = append(problems, "Reason is required")
	}
	if utf8.RuneCountInString(r.Reason) > MaxRefundText {
		problems = append(problems, fmt.Sprintf("Reason is longer than %d characters", MaxRefundText))
	}
	if strings.TrimSpace(r.SKU) == "" {
		problems = append(problems, "SKU is required (bKash answers 2073 Invalid SKU)")
	}
	if utf8.RuneCountInString(r.SKU) > MaxRefundText {
		problems = append(problems, fmt.Sprintf("SKU is longer than %d characters", MaxRefundText))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, strings.Join(problems, "; "))
	}
	return nil
}

// refundBody is the v1 refund request; refund status sends only paymentID
// and trxID to the same path (docs/gateways/bkash.md §3.2).
type refundBody struct {
	PaymentID string `json:"paymentID"`
	Amount    string `json:"amount"`
	TrxID     string `json:"trxID"`
	SKU       string `json:"sku"`
	Reason    string `json:"reason"`
}

type refundStatusBody struct {
	PaymentID string `json:"paymentID"`
	TrxID     string `json:"trxID"`
}

// Refund gives back req.Amount of a completed payment: POST /payment/refund
// with {paymentID, amount ("100.00"), trxID, sku, reason}, using the shared
// id_token (docs/gateways/bkash.md §2.8). It is sent ONCE: when it gets no answer (timeout,
// connection error, HTTP 5xx or 401, a body that is not JSON or holds only
// "message") the client asks RefundStatus instead, never refunding twice
// (docs/gateways/bkash.md §9.3, §9.4).
//
// The caller (a River job) must never call Refund again for the same
// refund, not even when it returns an error: after ErrNoAnswer only
// RefundStatus may be asked, later. Only ErrInvalidRequest and ErrNoToken
// mean nothing was sent.
//
// It returns the refund (nil error) when bKash says it is Completed, and:
//   - ErrInvalidRequest before any call: amount ≤ 0 or not BDT, no
//     PaymentID/TrxID/SKU/Reason, sku or reason over 255 characters;
//   - *RefundError (also a *ports.GatewayError) when bKash refuses, e.g.
//     2071 refund window passed, 2072 amount not valid;
//   - ErrRefundPending (with the result) when bKash accepted it but does
//     not report it Completed yet;
//   - ErrNoAnswer when neither the refund nor the refund status settled it:
//     the outcome is unknown;
//   - ErrNoToken when no id_token could be had (nothing sent).
func (c *Client) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	if err := req.validate(); err != nil {
		return RefundResult{}, fmt.Errorf("bkash refund: %w", err)
	}
	log := c.log.With("payment_id", req.PaymentID, "trx_id", req.TrxID, "amount", req.Amount.String())
	a, err := c.api(ctx, opRefund, "/payment/refund", refundBody{
		PaymentID: req.PaymentID, Amount: req.Amount.Decimal(), TrxID: req.TrxID, SKU: req.SKU, Reason: req.Reason,
	}, false)
	var r RefundResult
	if err == nil {
		if derr := r.decode(a.fields); derr != nil {
			err = c.undecodable(opRefund, a, derr)
		} else if cerr := c.check(opRefund, a, r.RefundTrxID != ""); cerr != nil {
			if !errors.Is(cerr, ErrNoAnswer) {
				re := c.refundError(a)
				log.InfoContext(ctx, "bkash refused the refund", "status_code", re.Code, "status_message", re.Message)
				return RefundResult{}, re
			}
			err = cerr
		}
	}
	if err != nil {
		if !errors.Is(err, ErrNoAnswer) {
			return RefundResult{}, err
		}
		log.WarnContext(ctx, "bkash refund got no answer; asking refund status (never refunding twice)", "error", err.Error())
		return c.refundByStatus(ctx, log, req, err)
	}
	if r.Amount != (domain.Money{}) && !r.Amount.Equal(req.Amount) {
		log.ErrorContext(ctx, "bkash refunded another amount than asked: operator review needed",
			"refund_trx_id", r.RefundTrxID, "refunded", r.Amount.Decimal())
	}
	return c.refundOutcome(ctx, log, r)
}

// refundByStatus settles a refund that got no answer with one refund status.
func (c *Client) refundByStatus(ctx context.Context, log *slog.Logger, req RefundRequest, cause error) (RefundResult, error) {
	st, err := c.RefundStatus(ctx, req.PaymentID, req.TrxID)
	if err != nil {
		log.WarnContext(ctx, "bkash refund status did not settle the refund; outcome unknown", "error", err.Error())
		return RefundResult{}, fmt.Errorf("bkash refund %s: outcome unknown (%s; refund status: %s); ask RefundStatus later, never refund again: %w",
			req.PaymentID, cause.Error(), err.Error(), ErrNoAnswer)
	}
	ours := st.RefundTrxID != "" && !slices.Contains(req.PriorRefundTrxIDs, st.RefundTrxID) &&
		(st.Amount == (domain.Money{}) || st.Amount.Equal(req.Amount)) &&
		(st.OriginalTrxID == "" || st.OriginalTrxID == req.TrxID)
	if !ours {
		log.WarnContext(ctx, "bkash refund status shows no refund matching this one; outcome unknown",
			"refund_trx_id", st.RefundTrxID, "refunded", st.Amount.Decimal())
		return RefundResult{}, fmt.Errorf("bkash refund %s: outcome unknown (%s; refund status shows no matching refund); ask RefundStatus later, never refund again: %w",
			req.PaymentID, cause.Error(), ErrNoAnswer)
	}
	return c.refundOutcome(ctx, log, st)
}

func (c *Client) refundOutcome(ctx context.Context, log *slog.Logger, r RefundResult) (RefundResult, error) {
	if !r.Completed() {
		return r, fmt.Errorf("bkash refund %s: transactionStatus %q: %w", r.RefundTrxID, r.TransactionStatus, ErrRefundPending)
	}
	log.InfoContext(ctx, "bkash refund completed", "refund_trx_id", r.RefundTrxID)
	return r, nil
}

// RefundStatus asks about the refund of a payment: POST /payment/refund
// with only {paymentID, trxID} (docs/gateways/bkash.md §3.2; WOO, KARIM). It changes nothing,
// so a 401 is answered by one grant and one more try. It returns bKash's
// refund record whatever its transactionStatus (see RefundResult.Completed).
//
// Errors: *RefundError when bKash answers a statusCode other than "0000"
// (for a payment with no refund, an invalid-payment code); ErrNoAnswer when
// it cannot be heard; ErrInvalidRequest when an ID is empty.
func (c *Client) RefundStatus(ctx context.Context, paymentID, trxID string) (RefundResult, error) {
	if strings.TrimSpace(paymentID) == "" || strings.TrimSpace(trxID) == "" {
		return RefundResult{}, fmt.Errorf("bkash refund status: %w: paymentID and trxID are required", ErrInvalidRequest)
	}
	a, err := c.api(ctx, opRefundStatus, "/payment/refund", refundStatusBody{PaymentID: paymentID, TrxID: trxID}, true)
	if err != nil {
		return RefundResult{}, err
	}
	var r RefundResult
	if err := r.decode(a.fields); err != nil {
		return RefundResult{}, c.undecodable(opRefundStatus, a, err)
	}
	if err := c.check(opRefundStatus, a, r.RefundTrxID != ""); err != nil {
		var ge *ports.GatewayError
		if errors.As(err, &ge) {
			return RefundResult{}, c.refundError(a)
		}
		return RefundResult{}, err
	}
	return r, nil
}

// refundError turns a refusal into a *RefundError with a clear message.
func (c *Client) refundError(a *answer) *RefundError {
	ge := c.gatewayError(a)
	msg := ge.Message
	if msg == "" {
		msg = refundCodeText[ge.Code]
	}
	if msg == "" {
		msg = "bKash refused the refund"
	}
	return &RefundError{Code: ge.Code, Message: msg}
}
