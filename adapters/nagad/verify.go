package nagad

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Status is a Nagad purchase status (docs/gateways/nagad.md §7.3, [G] §5.2.7), in Nagad's
// spelling.
type Status string

// Purchase statuses. The transient ones are OrderInitiated through PinGiven
// (and TransactionInProgress): the customer is not done yet.
const (
	StatusSuccess               Status = "Success"
	StatusOrderInitiated        Status = "OrderInitiated"
	StatusReady                 Status = "Ready"
	StatusInProgress            Status = "InProgress"
	StatusOtpSent               Status = "OtpSent"
	StatusOtpVerified           Status = "OtpVerified"
	StatusPinGiven              Status = "PinGiven"
	StatusTransactionInProgress Status = "TransactionInProgress"
	StatusCancelled             Status = "Cancelled"
	StatusPartialCancelled      Status = "PartialCancelled"
	StatusInvalidRequest        Status = "InvalidRequest"
	StatusFraud                 Status = "Fraud"
	StatusAborted               Status = "Aborted"
	StatusUnknownFailed         Status = "UnKnownFailed" // the callback table spells it UnknownFailed
	StatusFailed                Status = "Failed"
	StatusRefunded              Status = "Refunded"
	StatusPartialRefunded       Status = "PartialRefunded"
)

var knownStatuses = []Status{
	StatusSuccess, StatusOrderInitiated, StatusReady, StatusInProgress, StatusOtpSent, StatusOtpVerified,
	StatusPinGiven, StatusTransactionInProgress, StatusCancelled, StatusPartialCancelled, StatusInvalidRequest,
	StatusFraud, StatusAborted, StatusUnknownFailed, StatusFailed, StatusRefunded, StatusPartialRefunded,
}

// ParseStatus returns the status named s, compared case-insensitively
// ([G]'s examples are lower case): "success" → StatusSuccess,
// "UnknownFailed" → StatusUnknownFailed. An unknown name is returned as is.
func ParseStatus(s string) Status {
	s = strings.TrimSpace(s)
	for _, st := range knownStatuses {
		if strings.EqualFold(s, string(st)) {
			return st
		}
	}
	return Status(s)
}

// Transient reports whether the customer may still be paying: poll verify
// again later (docs/gateways/nagad.md §7.3, §11.3).
func (s Status) Transient() bool {
	switch s {
	case StatusOrderInitiated, StatusReady, StatusInProgress, StatusOtpSent, StatusOtpVerified,
		StatusPinGiven, StatusTransactionInProgress:
		return true
	}
	return false
}

// Failed reports whether the payment ended without money moving: Aborted
// (customer cancelled), Cancelled, Failed, InvalidRequest, Fraud or
// UnKnownFailed.
func (s Status) Failed() bool {
	switch s {
	case StatusAborted, StatusCancelled, StatusFailed, StatusInvalidRequest, StatusFraud, StatusUnknownFailed:
		return true
	}
	return false
}

// VerifyResult is Nagad's answer to GET /verify/payment/{paymentRefId}
// (docs/gateways/nagad.md §7.4), plain JSON. Absent or null fields are zero values.
type VerifyResult struct {
	// MerchantID is the merchant the payment belongs to.
	MerchantID string
	// OrderID is the payment's orderId (OrderID of the attempt).
	OrderID string
	// PaymentRefID is the paymentReferenceId asked about.
	PaymentRefID string
	// Amount is the paid amount in BDT, read exactly ("16", "1250.00");
	// the zero Money when absent or not a positive decimal (see AmountText).
	Amount domain.Money
	// AmountText is the amount exactly as Nagad sent it.
	AmountText string
	// ClientMobileNo is the customer's wallet, masked ("016****5428").
	ClientMobileNo string
	// MerchantMobileNo is the merchant wallet (11 digits).
	MerchantMobileNo string
	// OrderDateTime is when the order was initialized, read in Dhaka from
	// "20060102150405" or "2006-01-02 15:04:05.0"; zero when absent.
	OrderDateTime time.Time
	// IssuerPaymentDateTime is when the customer paid, read the same way;
	// zero until paid.
	IssuerPaymentDateTime time.Time
	// IssuerPaymentRefNo is Nagad's transaction ID ("0000Z1DW").
	IssuerPaymentRefNo string
	// AdditionalMerchantInfo is the JSON that Nagad returns as a string
	// (or object), decoded one level; nil when absent.
	AdditionalMerchantInfo json.RawMessage
	// Status is the purchase status, canonical spelling (ParseStatus).
	Status Status
	// StatusCode is Nagad's statusCode ("000" for Success).
	StatusCode string
	// CancelIssuerDateTime is when the latest refund was made; zero until
	// refunded.
	CancelIssuerDateTime time.Time
	// CancelIssuerRefNo is the latest refund's transaction ID (Refund's
	// CancelTrxID); "" until refunded.
	CancelIssuerRefNo string
	// ServiceType is an extra field some answers carry.
	ServiceType string
}

func (v *VerifyResult) decode(f fields) {
	v.MerchantID = f.str("merchantId")
	v.OrderID = f.str("orderId")
	v.PaymentRefID = f.str("paymentRefId")
	v.AmountText = f.str("amount")
	if m, err := domain.ParseAmount(v.AmountText, domain.BDT.Code); err == nil {
		v.Amount = m
	}
	v.ClientMobileNo = f.str("clientMobileNo")
	v.MerchantMobileNo = f.str("merchantMobileNo")
	v.OrderDateTime, _ = ParseDateTime(f.str("orderDateTime"))
	v.IssuerPaymentDateTime, _ = ParseDateTime(f.str("issuerPaymentDateTime"))
	v.IssuerPaymentRefNo = f.str("issuerPaymentRefNo")
	v.AdditionalMerchantInfo = innerJSON(f["additionalMerchantInfo"])
	v.Status = ParseStatus(f.str("status"))
	v.StatusCode = f.str("statusCode")
	v.CancelIssuerDateTime, _ = ParseDateTime(f.str("cancelIssuerDateTime"))
	v.CancelIssuerRefNo = f.str("cancelIssuerRefNo")
	v.ServiceType = f.str("serviceType")
}

// innerJSON returns raw, or the JSON held in raw when raw is a JSON string
// that holds JSON; nil for absent, null or "".
func innerJSON(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		if json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
	}
	return append(json.RawMessage(nil), raw...)
}

// Verify asks Nagad about a payment: GET /verify/payment/{paymentRefID},
// the reference path-escaped (it is base64 and may hold "/", "+", "=";
// docs/gateways/nagad.md §7.2). It changes nothing and may be repeated: paycore calls it
// from Confirm and when reconciling payments whose customer never came
// back (docs/gateways/nagad.md §11.3).
//
// Errors: *Error when Nagad refuses (ErrUnknownPayment for 16_0006_055);
// *RejectedError for the firewall's page; ErrNoAnswer when Nagad was not
// heard; ErrBadResponse for an answer without a status; ErrInvalidRequest
// for an empty reference.
func (c *Client) Verify(ctx context.Context, paymentRefID string) (VerifyResult, error) {
	if strings.TrimSpace(paymentRefID) == "" {
		return VerifyResult{}, fmt.Errorf("nagad verify: %w: paymentRefId is required", ErrInvalidRequest)
	}
	f, err := c.call(ctx, OpVerify, "GET", "/verify/payment/"+url.PathEscape(paymentRefID), nil)
	if err != nil {
		return VerifyResult{}, err
	}
	var v VerifyResult
	v.decode(f)
	if v.Status == "" {
		return VerifyResult{}, badResponse(OpVerify, fmt.Errorf("answer has no status"))
	}
	return v, nil
}

// Codes Confirm sets on its own failures (Nagad's own codes and statuses
// look different).
const (
	// CodeAmountMismatch: Nagad reports the payment Success for another
	// amount than the attempt's. Money moved: an operator must look.
	CodeAmountMismatch = "AMOUNT_MISMATCH"
	// CodeOrderMismatch: the verified payment belongs to another orderId
	// (a replayed reference). An operator must look.
	CodeOrderMismatch = "ORDER_MISMATCH"
	// CodeMerchantMismatch: the verified payment belongs to another
	// merchant. An operator must look.
	CodeMerchantMismatch = "MERCHANT_MISMATCH"
	// CodePaymentMismatch: verify answered about another paymentRefId.
	CodePaymentMismatch = "PAYMENT_MISMATCH"
)

// Callback query parameters Nagad sends the customer back with (docs/gateways/nagad.md §7.1).
const (
	CallbackMerchant         = "merchant"
	CallbackOrderID          = "order_id"
	CallbackPaymentRefID     = "payment_ref_id"
	CallbackStatus           = "status"
	CallbackStatusCode       = "status_code"
	CallbackMessage          = "message"
	CallbackPaymentDateTime  = "payment_dt"
	CallbackIssuerPaymentRef = "issuer_payment_ref"
)

// Confirm settles an attempt once the customer is back (docs/gateways/nagad.md §7.5). The
// callback is never trusted: verify decides.
//
// The payment verified is req.GatewayRef (the paymentReferenceId Create
// returned); req.Callback's payment_ref_id is used only when GatewayRef is
// empty, and a callback naming another reference is logged and ignored.
// Then:
//   - Success, with orderId = OrderID(req.AttemptID), merchantId =
//     Config.MerchantID, the same paymentRefId and an amount equal as a
//     decimal to req.Amount: OutcomeSucceeded, TrxID = issuerPaymentRefNo
//     (the paymentRefId when Nagad sent none);
//   - Success with another orderId, merchant, reference or amount:
//     OutcomeFailed with CodeOrderMismatch, CodeMerchantMismatch,
//     CodePaymentMismatch or CodeAmountMismatch, and Review set to the same
//     code (paycore opens an operator review), logged at error level;
//   - Aborted, Cancelled, Failed, InvalidRequest, Fraud, UnKnownFailed:
//     OutcomeFailed with the status as Code and a message for the customer;
//   - 16_0006_055 (Nagad knows no such reference): OutcomeFailed with that
//     reason as Code;
//   - a transient status (OrderInitiated … PinGiven), Refunded or
//     PartialCancelled (money moved and went back: an operator must look),
//     an unknown status, another refusal, the firewall's page or no answer:
//     OutcomeUnknown; poll Verify later.
//
// Review is set only for those four mismatches: every other outcome leaves
// it "". It returns an error only when nothing was sent (ErrInvalidRequest:
// no reference at all, or an attempt ID without an orderId).
func (c *Client) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return c.confirm(ctx, req, false)
}

// CheckAbandoned implements ports.AbandonChecker: verify, for an attempt
// whose customer never came back, as Resolve does — except that a payment
// still in a transient status when the attempt's time is up was left
// unfinished on Nagad's page: OutcomeFailed with CodeAbandoned, so the
// attempt expires. A later callback still asks verify, and a Success then
// opens an operator review (docs/gateways/nagad.md §7.6). No answer stays
// OutcomeUnknown: the attempt is asked again, never expired unasked.
func (c *Client) CheckAbandoned(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	req.Callback = nil
	return c.confirm(ctx, req, true)
}

// CodeAbandoned is the failure code of an attempt whose Nagad payment was
// still unfinished when its time was up.
const CodeAbandoned = "ABANDONED"

func (c *Client) confirm(ctx context.Context, req ports.ConfirmRequest, abandoned bool) (ports.ConfirmResult, error) {
	cbRef := strings.TrimSpace(req.Callback[CallbackPaymentRefID])
	ref := req.GatewayRef
	if ref == "" {
		ref = cbRef
	}
	if ref == "" {
		return ports.ConfirmResult{}, fmt.Errorf("nagad confirm: %w: no payment reference (GatewayRef or callback payment_ref_id)", ErrInvalidRequest)
	}
	var orderID string
	if req.AttemptID != "" {
		var err error
		if orderID, err = OrderID(req.AttemptID); err != nil {
			return ports.ConfirmResult{}, fmt.Errorf("nagad confirm: %w", err)
		}
	}
	log := c.log.With("attempt_id", req.AttemptID, "order_id", orderID, "payment_ref_id", ref)
	// A "+" in an unescaped query arrives as a space (docs/gateways/nagad.md §7.2).
	if cbRef != "" && cbRef != ref && strings.ReplaceAll(cbRef, " ", "+") != ref {
		log.WarnContext(ctx, "nagad callback names another payment_ref_id; ignored, verifying the attempt's own reference",
			"callback_payment_ref_id", clip(cbRef), "callback_status", clip(req.Callback[CallbackStatus]))
	}

	v, err := c.Verify(ctx, ref)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Reason == ReasonInvalidPaymentRef {
			log.InfoContext(ctx, "nagad verify does not know the payment reference", "reason", e.Reason)
			return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: e.Reason,
				Message: "Nagad has no record of this payment. Please start the payment again."}, nil
		}
		log.WarnContext(ctx, "nagad verify did not settle the payment; outcome unknown", "error", err.Error())
		return unknown("Nagad could not be heard; the payment is checked again later"), nil
	}
	log = log.With("status", string(v.Status), "status_code", v.StatusCode)
	switch {
	case v.Status == StatusSuccess:
		return c.settle(ctx, log, req, ref, orderID, v), nil
	case v.Status.Failed():
		log.InfoContext(ctx, "nagad payment did not go through")
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: string(v.Status), Message: failureMessage(v.Status)}, nil
	case v.Status.Transient() && abandoned:
		log.InfoContext(ctx, "nagad payment left unfinished by a customer who never came back")
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeAbandoned,
			Message: "The Nagad payment was not completed in time. No money was taken."}, nil
	case v.Status.Transient():
		log.InfoContext(ctx, "nagad payment still in progress; outcome unknown")
		return unknown("The Nagad payment is not finished yet (" + string(v.Status) + ")"), nil
	case v.Status == StatusRefunded || v.Status == StatusPartialRefunded || v.Status == StatusPartialCancelled:
		log.ErrorContext(ctx, "nagad reports an unconfirmed payment as paid and refunded: operator review needed",
			"issuer_payment_ref_no", v.IssuerPaymentRefNo, "cancel_issuer_ref_no", v.CancelIssuerRefNo)
		return unknown("Nagad reports the payment " + string(v.Status) + "; an operator will review it"), nil
	default:
		log.WarnContext(ctx, "nagad verify answered an unknown status; outcome unknown")
		return unknown("Nagad reports the payment status " + clip(string(v.Status))), nil
	}
}

// ConfirmsEveryCallback implements ports.CallbackVerifier and always
// reports true: Nagad's callback carries no status worth acting on (money
// moves on Nagad's page before the customer is back), so every return,
// whatever status it claims, goes to Confirm and verify decides (docs/gateways/nagad.md §7.5).
func (c *Client) ConfirmsEveryCallback() bool { return true }

// Resolve implements ports.Resolver: reconciliation's verify for an attempt
// Confirm left unknown, or whose customer never came back (docs/gateways/nagad.md §7.6). It
// is Confirm on the attempt's own req.GatewayRef with req.Callback ignored
// (there is none to trust); req.ClaimedTrxID is not used. Outcomes, Review
// and errors are Confirm's: a transient status stays OutcomeUnknown and the
// caller asks again later, until Nagad leaves the transient statuses.
func (c *Client) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	req.Callback = nil
	return c.Confirm(ctx, req)
}

// failureMessage is the customer-facing text for a failed status.
func failureMessage(s Status) string {
	switch s {
	case StatusAborted:
		return "The Nagad payment was cancelled before it was completed."
	case StatusCancelled:
		return "The Nagad payment was cancelled."
	case StatusFraud:
		return "Nagad declined the payment."
	case StatusInvalidRequest:
		return "Nagad rejected the payment request."
	default:
		return "The Nagad payment failed. No money was taken."
	}
}

func unknown(msg string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Message: msg}
}

// settle checks a Success answer against the attempt (docs/gateways/nagad.md §7.5).
func (c *Client) settle(ctx context.Context, log *slog.Logger, req ports.ConfirmRequest, ref, orderID string, v VerifyResult) ports.ConfirmResult {
	mismatch := func(code, what string) ports.ConfirmResult {
		log.ErrorContext(ctx, "nagad reports Success for a payment that does not match the attempt: operator review needed",
			"code", code, "answer_order_id", v.OrderID, "answer_merchant_id", v.MerchantID,
			"answer_payment_ref_id", v.PaymentRefID, "answer_amount", v.AmountText,
			"expected_amount", req.Amount.Decimal(), "issuer_payment_ref_no", v.IssuerPaymentRefNo)
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: code, Review: code,
			Message: "Nagad's record of this payment does not match it (" + what + "); an operator will review it"}
	}
	switch {
	case v.PaymentRefID != "" && v.PaymentRefID != ref:
		return mismatch(CodePaymentMismatch, "another payment reference")
	case v.MerchantID != c.cfg.MerchantID:
		return mismatch(CodeMerchantMismatch, "another merchant")
	case orderID != "" && v.OrderID != orderID:
		return mismatch(CodeOrderMismatch, fmt.Sprintf("order %q, not %q", clip(v.OrderID), orderID))
	case !v.Amount.Equal(req.Amount):
		got := v.AmountText
		if got == "" {
			got = "no amount"
		}
		return mismatch(CodeAmountMismatch, fmt.Sprintf("%s BDT paid, %s due", clip(got), req.Amount.String()))
	}
	trx := v.IssuerPaymentRefNo
	if trx == "" {
		log.WarnContext(ctx, "nagad Success without issuerPaymentRefNo; using the paymentRefId as transaction id")
		trx = ref
	}
	log.InfoContext(ctx, "nagad payment succeeded", "issuer_payment_ref_no", trx)
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: trx}
}
