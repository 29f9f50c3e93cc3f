package nagad

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
)

// MaxReferenceNo is the longest referenceNo sent, in characters: the whole
// cancel plaintext must fit in one RSA block (docs/gateways/nagad.md §4.5).
const MaxReferenceNo = 20

// RefundRequest gives back part or all of a successful payment through
// POST /purchase/cancel (docs/gateways/nagad.md §2.2, §8.1).
type RefundRequest struct {
	// PaymentRefID is the payment's paymentReferenceId (the attempt's
	// GatewayRef).
	PaymentRefID string
	// AttemptID is the paid attempt; OrderID(AttemptID) is sent as orderId.
	AttemptID string
	// OriginalAmount is what the customer paid, BDT.
	OriginalAmount domain.Money
	// Amount is what to give back, BDT: 0 < Amount ≤ OriginalAmount; equal
	// is a full refund.
	Amount domain.Money
	// ReferenceNo identifies this refund, e.g. paycore's refund ID: a "ref_"
	// prefix and every character but ASCII letters and digits are dropped,
	// and the first MaxReferenceNo are kept. Required.
	ReferenceNo string
	// Reason is sent as referenceMessage. It is shortened, if need be, so
	// that the encrypted data fits one RSA block.
	Reason string
}

// RefundResult is Nagad's decrypted answer to a cancel request (docs/gateways/nagad.md §8.3,
// from [F#]).
type RefundResult struct {
	// Status is Refunded, PartialRefunded, Cancelled or PartialCancelled.
	Status Status
	// Code is Nagad's code ("000").
	Code string
	// OriginalAmount is the amount paid as Nagad states it, BDT; the zero
	// Money when absent.
	OriginalAmount domain.Money
	// CancelAmount is the amount this refund gave back, BDT; the zero Money
	// when absent.
	CancelAmount domain.Money
	// CancelTrxID is Nagad's transaction ID of the refund.
	CancelTrxID string
}

// cancelSensitive is the cancel plaintext ([CB], [F#]; orderId from [S]).
type cancelSensitive struct {
	MerchantID          string `json:"merchantId"`
	OriginalRequestDate string `json:"originalRequestDate"`
	OriginalAmount      string `json:"originalAmount"`
	CancelAmount        string `json:"cancelAmount"`
	ReferenceNo         string `json:"referenceNo"`
	ReferenceMessage    string `json:"referenceMessage"`
	OrderID             string `json:"orderId"`
}

type cancelBody struct {
	SensitiveDataCancelRequest string `json:"sensitiveDataCancelRequest"`
	Signature                  string `json:"signature"`
}

// refundStatuses are the statuses of an accepted cancel request.
var refundStatuses = []Status{StatusRefunded, StatusPartialRefunded, StatusCancelled, StatusPartialCancelled}

// Refund gives back req.Amount of a successful payment: POST
// /purchase/cancel?paymentRefId=…&orderId=… with sensitiveDataCancelRequest
// {merchantId, originalRequestDate, originalAmount, cancelAmount,
// referenceNo, referenceMessage, orderId} encrypted and signed like every
// request; the answer is decrypted and verified (a plain JSON answer is
// accepted too). Several partial refunds may follow one another up to the
// amount paid. originalRequestDate is the date of this cancel request, today
// in Dhaka by the client's Clock, as Nagad's own sample and the clients
// known to work send it, whatever day the payment was made
// (docs/gateways/nagad.md §8.2).
//
// It is sent once. The caller must not call Refund again for the same
// refund after ErrNoAnswer: check the payment with Verify (its
// cancelIssuerRefNo) instead.
//
// Errors: ErrInvalidRequest before any call (missing fields, not BDT,
// Amount > OriginalAmount); *Error when Nagad refuses (ErrPaymentState for a
// payment not refundable, ErrUnknownPayment, ErrInvalidData…) and
// *RejectedError for the firewall's page: nothing was refunded; an error
// matching ErrNoAnswer when the outcome is unknown (no answer, or an answer
// that does not decrypt, verify or name a known status).
func (c *Client) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	orderID, refNo, err := c.validateRefund(req)
	if err != nil {
		return RefundResult{}, fmt.Errorf("nagad refund: %w", err)
	}
	log := c.log.With("payment_ref_id", req.PaymentRefID, "order_id", orderID, "reference_no", refNo, "amount", req.Amount.Decimal())
	plain, err := c.cancelPlaintext(cancelSensitive{
		MerchantID: c.cfg.MerchantID, OriginalRequestDate: FormatDate(c.clock.Now()),
		OriginalAmount: req.OriginalAmount.Decimal(), CancelAmount: req.Amount.Decimal(),
		ReferenceNo: refNo, ReferenceMessage: strings.TrimSpace(req.Reason), OrderID: orderID,
	})
	if err != nil {
		return RefundResult{}, fmt.Errorf("nagad refund: %w", err)
	}
	sd, sig, err := seal(c.pg, c.key, plain)
	if err != nil {
		return RefundResult{}, fmt.Errorf("nagad refund: %w", err)
	}
	q := "?paymentRefId=" + url.QueryEscape(req.PaymentRefID) + "&orderId=" + url.QueryEscape(orderID)
	f, err := c.call(ctx, OpRefund, "POST", "/purchase/cancel"+q, cancelBody{SensitiveDataCancelRequest: sd, Signature: sig})
	if err != nil {
		log.WarnContext(ctx, "nagad refund not done or not heard", "error", err.Error())
		return RefundResult{}, err
	}
	r, err := c.decodeRefund(f)
	if err != nil {
		log.ErrorContext(ctx, "nagad refund answer unusable; outcome unknown: check with verify, never refund again", "error", err.Error())
		return RefundResult{}, fmt.Errorf("nagad refund: outcome unknown, check with Verify and never refund again: %w: %w", ErrNoAnswer, err)
	}
	if r.CancelAmount != (domain.Money{}) && !r.CancelAmount.Equal(req.Amount) {
		log.ErrorContext(ctx, "nagad refunded another amount than asked: operator review needed", "cancel_amount", r.CancelAmount.Decimal())
	}
	log.InfoContext(ctx, "nagad refund done", "status", string(r.Status), "cancel_trx_id", r.CancelTrxID)
	return r, nil
}

// validateRefund validates req and returns the orderId and referenceNo.
func (c *Client) validateRefund(req RefundRequest) (orderID, refNo string, err error) {
	var problems []string
	if strings.TrimSpace(req.PaymentRefID) == "" {
		problems = append(problems, "PaymentRefID is required")
	}
	orderID, oerr := OrderID(req.AttemptID)
	if oerr != nil {
		problems = append(problems, "AttemptID yields no orderId")
	}
	for _, m := range []struct {
		name string
		v    domain.Money
	}{{"OriginalAmount", req.OriginalAmount}, {"Amount", req.Amount}} {
		if err := checkAmount(m.v); err != nil {
			problems = append(problems, m.name+": "+strings.TrimPrefix(err.Error(), ErrInvalidRequest.Error()+": "))
		}
	}
	if len(problems) == 0 && req.Amount.Minor() > req.OriginalAmount.Minor() {
		problems = append(problems, "Amount is larger than OriginalAmount")
	}
	refNo = referenceNo(req.ReferenceNo)
	if refNo == "" {
		problems = append(problems, "ReferenceNo must hold letters or digits")
	}
	if len(problems) > 0 {
		return "", "", fmt.Errorf("%w: %s", ErrInvalidRequest, strings.Join(problems, "; "))
	}
	return orderID, refNo, nil
}

// referenceNo keeps the ASCII letters and digits of s after a "ref_"
// prefix, at most MaxReferenceNo of them.
func referenceNo(s string) string {
	s = strings.TrimPrefix(s, domain.PrefixRefund)
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < MaxReferenceNo; i++ {
		if c := s[i]; (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cancelPlaintext encodes p, shortening referenceMessage until the
// plaintext fits one RSA block.
func (c *Client) cancelPlaintext(p cancelSensitive) ([]byte, error) {
	limit := c.pg.Size() - 11
	msg := []rune(p.ReferenceMessage)
	for {
		p.ReferenceMessage = string(msg)
		plain, err := marshal(p)
		if err != nil {
			return nil, err
		}
		if len(plain) <= limit {
			return plain, nil
		}
		if len(msg) == 0 {
			return nil, fmt.Errorf("%w: cancel request does not fit one RSA block (%d > %d bytes)", ErrInvalidRequest, len(plain), limit)
		}
		over := len(plain) - limit
		cut := 0
		for cut < len(msg) && over > 0 {
			over -= utf8.RuneLen(msg[len(msg)-1-cut])
			cut++
		}
		msg = msg[:len(msg)-cut]
	}
}

// decodeRefund reads an answer to cancel: encrypted {sensitiveData,
// signature}, or plain JSON with a status.
func (c *Client) decodeRefund(f fields) (RefundResult, error) {
	if sd := f.str("sensitiveData"); sd != "" {
		plain, err := open(c.key, c.pg, sd, f.str("signature"))
		if err != nil {
			return RefundResult{}, badResponse(OpRefund, err)
		}
		f = nil
		if err := json.Unmarshal(plain, &f); err != nil || f == nil {
			return RefundResult{}, badResponse(OpRefund, fmt.Errorf("decrypted answer is not a JSON object"))
		}
	}
	r := RefundResult{Status: ParseStatus(f.str("status")), Code: f.str("code"), CancelTrxID: f.str("cancelTrxId")}
	r.OriginalAmount, _ = domain.ParseAmount(f.str("originalAmount"), domain.BDT.Code)
	r.CancelAmount, _ = domain.ParseAmount(f.str("cancelAmount"), domain.BDT.Code)
	known := false
	for _, s := range refundStatuses {
		known = known || r.Status == s
	}
	if !known {
		return RefundResult{}, badResponse(OpRefund, fmt.Errorf("answer status %q is not a refund status", clip(string(r.Status))))
	}
	return r, nil
}
