package bkash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Refund API versions, for choosing one (BKASH_REFUND_API).
const (
	RefundAPIv1 = "v1" // POST …/v1.2.0-beta/tokenized/checkout/payment/refund (the default)
	RefundAPIv2 = "v2" // POST …/v2/tokenized-checkout/refund/payment/{transaction,status}
)

// Operation names of the v2 refund calls (Call.Op, bkash_calls_total).
const (
	opRefundV2       = "refund_v2"
	opRefundStatusV2 = "refund_status_v2"
)

// v1Suffix and v2Suffix end the v1.2.0-beta and v2 base URLs
// (docs/gateways/bkash.md §3.1, §3.4).
const (
	v1Suffix = "/v1.2.0-beta/tokenized/checkout"
	v2Suffix = "/v2/tokenized-checkout"
)

// V2BaseURL derives the v2 base URL ("…/v2/tokenized-checkout") from a
// v1.2.0-beta base URL ("…/v1.2.0-beta/tokenized/checkout") on the same
// host, as bKash's sandbox and production hosts serve both
// (docs/gateways/bkash.md §3.4); "" when base does not end like that.
func V2BaseURL(base string) string {
	base = strings.TrimRight(base, "/")
	if !strings.HasSuffix(base, v1Suffix) {
		return ""
	}
	return strings.TrimSuffix(base, v1Suffix) + v2Suffix
}

// refundV2Body is the v2 refund request (docs/gateways/bkash.md §9.3, §9.5): v2
// writes paymentId/trxId and refundAmount.
type refundV2Body struct {
	PaymentID    string `json:"paymentId"`
	TrxID        string `json:"trxId"`
	RefundAmount string `json:"refundAmount"`
	SKU          string `json:"sku"`
	Reason       string `json:"reason"`
}

type refundStatusV2Body struct {
	PaymentID string `json:"paymentId"`
	TrxID     string `json:"trxId"`
}

// RefundStatusV2 is the v2 refund status answer: the payment and every
// refund of it (docs/gateways/bkash.md §9.3, §9.5).
type RefundStatusV2 struct {
	OriginalTrxID            string
	OriginalTrxAmount        domain.Money
	OriginalTrxCompletedTime time.Time
	// Refunds are the refundTransactions, as bKash lists them; each has
	// RefundTrxID, TransactionStatus, Amount and CompletedTime.
	Refunds []RefundResult
}

func (r *RefundStatusV2) decode(f fields) error {
	d := decoder{f: f}
	*r = RefundStatusV2{
		OriginalTrxID:            d.str("originalTrxId", "originalTrxID"),
		OriginalTrxAmount:        d.money("originalTrxAmount"),
		OriginalTrxCompletedTime: d.time("originalTrxCompletedTime"),
	}
	if d.err != nil {
		return d.err
	}
	raw, _ := f.get("refundTransactions")
	if raw == nil {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("field refundTransactions: %w", err)
	}
	for _, it := range items {
		itf, err := unmarshalFields(it)
		if err != nil {
			return fmt.Errorf("field refundTransactions: %w", err)
		}
		var rr RefundResult
		if err := rr.decode(itf); err != nil {
			return fmt.Errorf("field refundTransactions: %w", err)
		}
		if rr.OriginalTrxID == "" {
			rr.OriginalTrxID = r.OriginalTrxID
		}
		r.Refunds = append(r.Refunds, rr)
	}
	return nil
}

// find returns the refund of amount that is not among prior (the earlier
// refunds' refundTrxIds): the one this refund is.
func (r RefundStatusV2) find(amount domain.Money, prior []string) (RefundResult, bool) {
	for _, rr := range r.Refunds {
		if rr.RefundTrxID != "" && !slices.Contains(prior, rr.RefundTrxID) && rr.Amount.Equal(amount) {
			return rr, true
		}
	}
	return RefundResult{}, false
}

// v2Refusal reads a v2 refusal: HTTP 4xx {internalCode, externalCode,
// errorMessageEn, errorMessageBn} (docs/gateways/bkash.md §3.4), or any of
// the v1 shapes. ok is false when the answer is not a refusal.
func (c *Client) v2Refusal(a *answer) (*RefundError, bool) {
	code := a.fields.str("externalCode", "internalCode", "statusCode", "errorCode")
	if code == codeOK || (code == "" && a.status < 400) {
		return nil, false
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", a.status)
	}
	msg := c.scrub(a.fields.str("errorMessageEn", "statusMessage", "errorMessage", "message"))
	if msg == "" {
		msg = refundCodeText[code]
	}
	if msg == "" {
		msg = "bKash refused the refund"
	}
	return &RefundError{Code: code, Message: msg}, true
}

// RefundV2 gives back req.Amount of a completed payment with bKash's v2
// refund: POST {v2base}/refund/payment/transaction {paymentId, trxId,
// refundAmount, sku, reason} with the shared v1.2 id_token (NET and JS do;
// docs/gateways/bkash.md §9.3, §9.5). v2base is "…/v2/tokenized-checkout"
// (V2BaseURL). Like Refund it is sent ONCE: when it gets no answer the
// client asks RefundStatusV2 and looks for a refund of this amount that is
// not among req.PriorRefundTrxIDs; it never refunds twice. Results and
// errors are those of Refund.
func (c *Client) RefundV2(ctx context.Context, v2base string, req RefundRequest) (RefundResult, error) {
	if err := req.validate(); err != nil {
		return RefundResult{}, fmt.Errorf("bkash refund v2: %w", err)
	}
	log := c.log.With("payment_id", req.PaymentID, "trx_id", req.TrxID, "amount", req.Amount.String(), "api", RefundAPIv2)
	a, err := c.api(ctx, opRefundV2, v2base+"/refund/payment/transaction", refundV2Body{
		PaymentID: req.PaymentID, TrxID: req.TrxID, RefundAmount: req.Amount.Decimal(), SKU: req.SKU, Reason: req.Reason,
	}, false)
	var r RefundResult
	if err == nil {
		if re, refusedIt := c.v2Refusal(a); refusedIt {
			log.InfoContext(ctx, "bkash refused the refund", "code", re.Code, "message", re.Message)
			return RefundResult{}, re
		}
		if derr := r.decode(a.fields); derr != nil {
			err = c.undecodable(opRefundV2, a, derr)
		} else if r.RefundTrxID == "" {
			err = &callError{op: opRefundV2, status: a.status, reason: "answer has no refundTrxId"}
		}
	}
	if err != nil {
		if !errors.Is(err, ErrNoAnswer) {
			return RefundResult{}, err
		}
		log.WarnContext(ctx, "bkash refund got no answer; asking refund status (never refunding twice)", "error", err.Error())
		return c.refundV2ByStatus(ctx, log, v2base, req, err)
	}
	if r.Amount != (domain.Money{}) && !r.Amount.Equal(req.Amount) {
		log.ErrorContext(ctx, "bkash refunded another amount than asked: operator review needed",
			"refund_trx_id", r.RefundTrxID, "refunded", r.Amount.Decimal())
	}
	return c.refundOutcome(ctx, log, r)
}

func (c *Client) refundV2ByStatus(ctx context.Context, log *slog.Logger, v2base string, req RefundRequest, cause error) (RefundResult, error) {
	st, err := c.RefundStatusV2(ctx, v2base, req.PaymentID, req.TrxID)
	if err != nil {
		log.WarnContext(ctx, "bkash refund status did not settle the refund; outcome unknown", "error", err.Error())
		return RefundResult{}, fmt.Errorf("bkash refund v2 %s: outcome unknown (%s; refund status: %s); ask refund status later, never refund again: %w",
			req.PaymentID, cause.Error(), err.Error(), ErrNoAnswer)
	}
	r, ok := st.find(req.Amount, req.PriorRefundTrxIDs)
	if !ok {
		log.WarnContext(ctx, "bkash refund status shows no refund matching this one; outcome unknown", "refunds", len(st.Refunds))
		return RefundResult{}, fmt.Errorf("bkash refund v2 %s: outcome unknown (%s; refund status shows no matching refund); ask refund status later, never refund again: %w",
			req.PaymentID, cause.Error(), ErrNoAnswer)
	}
	return c.refundOutcome(ctx, log, r)
}

// RefundStatusV2 asks about the refunds of a payment: POST
// {v2base}/refund/payment/status {paymentId, trxId} (docs/gateways/bkash.md
// §9.3, §9.5). It changes nothing, so a 401 is answered by one grant and one more
// try. Errors: *RefundError when bKash refuses; ErrNoAnswer when it cannot
// be heard; ErrInvalidRequest when an ID is empty.
func (c *Client) RefundStatusV2(ctx context.Context, v2base, paymentID, trxID string) (RefundStatusV2, error) {
	if strings.TrimSpace(paymentID) == "" || strings.TrimSpace(trxID) == "" {
		return RefundStatusV2{}, fmt.Errorf("bkash refund status v2: %w: paymentID and trxID are required", ErrInvalidRequest)
	}
	a, err := c.api(ctx, opRefundStatusV2, v2base+"/refund/payment/status", refundStatusV2Body{PaymentID: paymentID, TrxID: trxID}, true)
	if err != nil {
		return RefundStatusV2{}, err
	}
	if re, refusedIt := c.v2Refusal(a); refusedIt {
		return RefundStatusV2{}, re
	}
	var st RefundStatusV2
	if err := st.decode(a.fields); err != nil {
		return RefundStatusV2{}, c.undecodable(opRefundStatusV2, a, err)
	}
	if st.OriginalTrxID == "" && st.Refunds == nil {
		if _, has := a.fields["refundTransactions"]; !has {
			return RefundStatusV2{}, &callError{op: opRefundStatusV2, status: a.status, reason: "answer has neither originalTrxId nor refundTransactions"}
		}
	}
	return st, nil
}

// RefundV2Gateway is the bKash gateway with refunds through the v2 refund
// API (BKASH_REFUND_API=v2): everything else is the embedded Client's
// (v1.2.0-beta). Build it with Client.WithRefundV2.
type RefundV2Gateway struct {
	*Client
	v2base string
}

var _ ports.Refunder = (*RefundV2Gateway)(nil)

// WithRefundV2 returns c with v2 refunds at v2base ("…/v2/tokenized-checkout";
// "" derives it from c's base URL with V2BaseURL). It fails when v2base is
// empty and cannot be derived.
func (c *Client) WithRefundV2(v2base string) (*RefundV2Gateway, error) {
	if v2base == "" {
		v2base = V2BaseURL(c.base)
	}
	v2base = strings.TrimRight(v2base, "/")
	if !absoluteHTTP(v2base) {
		return nil, errors.New("bkash: the v2 base URL must be an absolute http(s) URL ending in /v2/tokenized-checkout")
	}
	return &RefundV2Gateway{Client: c, v2base: v2base}, nil
}

// SubmitRefund implements ports.Refunder with RefundV2, as the v1
// SubmitRefund does with Refund: sent once, the refund's ID as sku;
// unknown outcomes are ports.OutcomeUnknown; an error means nothing was
// sent.
func (g *RefundV2Gateway) SubmitRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	res, err := g.RefundV2(ctx, g.v2base, RefundRequest{
		PaymentID: req.GatewayRef, TrxID: req.TrxID, Amount: req.Amount,
		SKU: req.RefundID, Reason: req.Reason, PriorRefundTrxIDs: req.PriorRefundRefs,
	})
	return refundOutcome(res, err)
}

// CheckRefund implements ports.Refunder with RefundStatusV2: the refund of
// this amount not among the earlier refunds is this refund; when bKash
// lists none, or refuses the status, nothing was refunded: the refund
// failed.
func (g *RefundV2Gateway) CheckRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	st, err := g.RefundStatusV2(ctx, g.v2base, req.GatewayRef, req.TrxID)
	var re *RefundError
	switch {
	case errors.As(err, &re):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_REFUNDED",
			Message: "bKash has no record of this refund: " + re.Message}, nil
	case err != nil:
		return refundOutcome(RefundResult{}, err)
	}
	r, ok := st.find(req.Amount, req.PriorRefundRefs)
	if !ok {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_REFUNDED",
			Message: "bKash has no record of this refund"}, nil
	}
	return refundOutcome(r, nil)
}
