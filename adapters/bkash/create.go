package bkash

import (
	"context"
	"fmt"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Values of the create body (docs/gateways/bkash.md §5.1).
const (
	// ModeCheckoutURL is mode "0011": checkout URL without agreement.
	ModeCheckoutURL = "0011"
	intentSale      = "sale"
)

// createBody is /create's request; every value is a string (docs/gateways/bkash.md §5.1).
type createBody struct {
	Mode                  string `json:"mode"`
	PayerReference        string `json:"payerReference"`
	CallbackURL           string `json:"callbackURL"`
	Amount                string `json:"amount"`
	Currency              string `json:"currency"`
	Intent                string `json:"intent"`
	MerchantInvoiceNumber string `json:"merchantInvoiceNumber"`
}

// checkAmount accepts a positive BDT amount (bKash takes BDT only, docs/gateways/bkash.md §5.1).
func checkAmount(m domain.Money) error {
	if m.Currency().Code != domain.BDT.Code {
		return fmt.Errorf("%w: currency %q: bKash takes BDT only", ErrInvalidRequest, m.Currency().Code)
	}
	if m.Minor() <= 0 {
		return fmt.Errorf("%w: amount must be greater than zero", ErrInvalidRequest)
	}
	return nil
}

// Create opens a payment: POST /create with mode "0011", payerReference =
// req.PayerReference or " " (bKash refuses an empty one), callbackURL =
// Config.CallbackURL, amount = req.Amount as a 2-decimal string ("250.00"),
// currency "BDT", intent "sale" and merchantInvoiceNumber = req.AttemptID.
// It returns bKash's paymentID, the bkashURL to send the customer to and the
// callback signature.
//
// Errors: ErrInvalidRequest (a currency other than BDT, an amount ≤ 0, no
// AttemptID) before any call; a *ports.GatewayError with bKash's statusCode
// and statusMessage when bKash refuses (e.g. 2029 duplicate); ErrNoAnswer
// when bKash could not be heard, or answered 401 (create is never sent
// twice: a paymentID might exist; open a new attempt instead — a 401 error
// also matches ports.ErrTryNewAttempt, after the token was renewed).
func (c *Client) Create(ctx context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	if err := checkAmount(req.Amount); err != nil {
		return ports.CreateResult{}, fmt.Errorf("bkash create: %w", err)
	}
	if strings.TrimSpace(req.AttemptID) == "" {
		return ports.CreateResult{}, fmt.Errorf("bkash create: %w: AttemptID is required", ErrInvalidRequest)
	}
	payer := req.PayerReference
	if strings.TrimSpace(payer) == "" {
		payer = " "
	}
	a, err := c.api(ctx, opCreate, "/create", createBody{
		Mode: ModeCheckoutURL, PayerReference: payer, CallbackURL: c.cfg.CallbackURL,
		Amount: req.Amount.Decimal(), Currency: domain.BDT.Code, Intent: intentSale,
		MerchantInvoiceNumber: req.AttemptID,
	}, false)
	if err != nil {
		return ports.CreateResult{}, err
	}
	var r CreateResponse
	if err := r.decode(a.fields); err != nil {
		return ports.CreateResult{}, c.undecodable(opCreate, a, err)
	}
	if err := c.check(opCreate, a, r.PaymentID != ""); err != nil {
		return ports.CreateResult{}, err
	}
	if r.PaymentID == "" || r.BkashURL == "" {
		return ports.CreateResult{}, fmt.Errorf("bkash create: answer lacks paymentID or bkashURL")
	}
	if r.Amount != (domain.Money{}) && !r.Amount.Equal(req.Amount) {
		return ports.CreateResult{}, fmt.Errorf("bkash create %s: bKash echoed amount %s, sent %s",
			r.PaymentID, r.Amount.Decimal(), req.Amount.Decimal())
	}
	c.log.InfoContext(ctx, "bkash payment created", "attempt_id", req.AttemptID, "payment_id", r.PaymentID)
	return ports.CreateResult{GatewayRef: r.PaymentID, RedirectURL: r.BkashURL, Signature: r.Signature()}, nil
}

// check classifies an answer: nil when bKash said "0000" (or, with no
// statusCode, sent the payload: hasPayload); a *ports.GatewayError with its
// statusCode and statusMessage when it refused; a no-answer error when the
// answer holds neither a statusCode nor the payload.
func (c *Client) check(op string, a *answer, hasPayload bool) error {
	code := a.statusCode()
	switch {
	case code == codeOK && a.status < 400:
		return nil
	case code == "" && a.status < 400 && hasPayload:
		return nil
	case code == "":
		return &callError{op: op, status: a.status, reason: "answer has no statusCode"}
	}
	return c.gatewayError(a)
}

// undecodable is an answer whose fields cannot be read (a malformed amount
// or time): as good as no answer.
func (c *Client) undecodable(op string, a *answer, err error) error {
	return &callError{op: op, status: a.status, reason: "undecodable answer: " + c.scrub(err.Error())}
}
