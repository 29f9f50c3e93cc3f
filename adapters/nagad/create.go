package nagad

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Order ID bounds (docs/gateways/nagad.md §10.3): orderId is [A-Za-z0-9]{5,20}.
const (
	MinOrderIDLen = 5
	MaxOrderIDLen = 20
)

// OrderID derives Nagad's orderId from a paycore attempt ID, always the
// same way: drop the "att_" prefix and every character that is not an
// ASCII letter or digit, and keep the first 20 ("att_3k9x0q…" → "3k9x0q…";
// paycore's attempt IDs hold 20 random base-36 characters, so nothing is
// lost). It returns an error wrapping ErrInvalidRequest when fewer than 5
// characters remain.
func OrderID(attemptID string) (string, error) {
	s := strings.TrimPrefix(attemptID, domain.PrefixAttempt)
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < MaxOrderIDLen; i++ {
		if c := s[i]; (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
		}
	}
	if b.Len() < MinOrderIDLen {
		return "", fmt.Errorf("%w: attempt ID %q yields no orderId of %d-%d letters or digits", ErrInvalidRequest, attemptID, MinOrderIDLen, MaxOrderIDLen)
	}
	return b.String(), nil
}

// initSensitive is initialize's sensitiveData plaintext (docs/gateways/nagad.md §5.1); the key
// is "datetime" with a lower-case t (docs/gateways/nagad.md §5.1).
type initSensitive struct {
	MerchantID string `json:"merchantId"`
	OrderID    string `json:"orderId"`
	DateTime   string `json:"datetime"`
	Challenge  string `json:"challenge"`
}

// initBody is initialize's request body (docs/gateways/nagad.md §5.2).
type initBody struct {
	AccountNumber string `json:"accountNumber,omitempty"`
	DateTime      string `json:"dateTime"`
	SensitiveData string `json:"sensitiveData"`
	Signature     string `json:"signature"`
}

// initAnswer is initialize's decrypted answer (docs/gateways/nagad.md §5.3). Before [G] v1.4 the
// challenge was called "random".
type initAnswer struct {
	PaymentReferenceID string `json:"paymentReferenceId"`
	Challenge          string `json:"challenge"`
	Random             string `json:"random"`
	AcceptDateTime     string `json:"acceptDateTime"`
}

// completeSensitive is complete's sensitiveData plaintext (docs/gateways/nagad.md §6.1); the
// challenge is the server's, from initialize.
type completeSensitive struct {
	MerchantID   string `json:"merchantId"`
	OrderID      string `json:"orderId"`
	CurrencyCode string `json:"currencyCode"`
	Amount       string `json:"amount"`
	Challenge    string `json:"challenge"`
}

// completeBody is complete's request body (docs/gateways/nagad.md §6.2).
type completeBody struct {
	SensitiveData          string            `json:"sensitiveData"`
	Signature              string            `json:"signature"`
	MerchantCallbackURL    string            `json:"merchantCallbackURL"`
	AdditionalMerchantInfo map[string]string `json:"additionalMerchantInfo,omitempty"`
}

// checkAmount accepts a positive BDT amount of at most 15 characters.
func checkAmount(m domain.Money) error {
	switch {
	case m.Currency().Code != domain.BDT.Code:
		return fmt.Errorf("%w: Nagad takes BDT only, got %q", ErrInvalidRequest, m.Currency().Code)
	case m.Minor() <= 0:
		return fmt.Errorf("%w: amount must be positive", ErrInvalidRequest)
	case len(m.Decimal()) > 15:
		return fmt.Errorf("%w: amount %s is longer than 15 characters", ErrInvalidRequest, m.Decimal())
	}
	return nil
}

// Create opens a Nagad payment for an attempt: initialize, then complete
// (docs/gateways/nagad.md §2.2, §5, §6).
//
//  1. POST /check-out/initialize/{MerchantID}/{orderId}, orderId =
//     OrderID(req.AttemptID), sensitiveData {merchantId, orderId, datetime
//     (now in Dhaka), challenge (40 random hex characters)}; the answer is
//     decrypted and its signature verified.
//  2. POST /check-out/complete/{paymentReferenceId}, sensitiveData
//     {merchantId, orderId, currencyCode "050", amount ("1250.00"),
//     challenge (the server's, from initialize)}, merchantCallbackURL =
//     Config.CallbackURL.
//
// It returns GatewayRef = paymentReferenceId (keep it: Confirm verifies it)
// and RedirectURL = complete's callBackUrl, Nagad's payment page.
// req.PayerReference is not used (Nagad asks the wallet on its page).
//
// Errors: ErrInvalidRequest before any call (not BDT, amount ≤ 0, an
// attempt ID without an orderId); *Error when Nagad refuses (e.g.
// ErrDuplicateOrder when the attempt was already initialized today,
// ErrDateTime when the clock is off, ErrConfig for keys and merchant);
// *RejectedError (ErrConfig) for the firewall's page; ErrBadResponse when
// initialize's answer does not decrypt or verify; ErrNoAnswer when Nagad was
// not heard. The same attempt cannot be initialized again the same day:
// after an error, start a new attempt.
func (c *Client) Create(ctx context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	if err := checkAmount(req.Amount); err != nil {
		return ports.CreateResult{}, fmt.Errorf("nagad create: %w", err)
	}
	orderID, err := OrderID(req.AttemptID)
	if err != nil {
		return ports.CreateResult{}, fmt.Errorf("nagad create: %w", err)
	}
	log := c.log.With("attempt_id", req.AttemptID, "order_id", orderID)

	sess, err := c.initialize(ctx, orderID)
	if err != nil {
		log.WarnContext(ctx, "nagad initialize failed", "error", err.Error())
		return ports.CreateResult{}, err
	}
	log = log.With("payment_ref_id", sess.PaymentReferenceID)
	page, err := c.complete(ctx, orderID, req.Amount, sess)
	if err != nil {
		log.WarnContext(ctx, "nagad complete failed", "error", err.Error())
		return ports.CreateResult{}, err
	}
	log.InfoContext(ctx, "nagad payment opened", "amount", req.Amount.Decimal())
	return ports.CreateResult{GatewayRef: sess.PaymentReferenceID, RedirectURL: page}, nil
}

// initialize opens a session for orderID and returns the decrypted answer.
func (c *Client) initialize(ctx context.Context, orderID string) (initAnswer, error) {
	nonce := make([]byte, 20)
	if _, err := rand.Read(nonce); err != nil {
		return initAnswer{}, fmt.Errorf("nagad initialize: challenge: %w", err)
	}
	dt := FormatDateTime(c.clock.Now())
	plain, err := marshal(initSensitive{MerchantID: c.cfg.MerchantID, OrderID: orderID, DateTime: dt, Challenge: hex.EncodeToString(nonce)})
	if err != nil {
		return initAnswer{}, fmt.Errorf("nagad initialize: %w", err)
	}
	sd, sig, err := seal(c.pg, c.key, plain)
	if err != nil {
		return initAnswer{}, fmt.Errorf("nagad initialize: %w", err)
	}
	path := "/check-out/initialize/" + url.PathEscape(c.cfg.MerchantID) + "/" + url.PathEscape(orderID)
	f, err := c.call(ctx, OpInitialize, "POST", path, initBody{
		AccountNumber: c.cfg.MerchantNumber, DateTime: dt, SensitiveData: sd, Signature: sig,
	})
	if err != nil {
		return initAnswer{}, err
	}
	sdAns, sigAns := f.str("sensitiveData"), f.str("signature")
	if sdAns == "" || sigAns == "" {
		return initAnswer{}, badResponse(OpInitialize, fmt.Errorf("answer lacks sensitiveData or signature"))
	}
	ansPlain, err := open(c.key, c.pg, sdAns, sigAns)
	if err != nil {
		return initAnswer{}, badResponse(OpInitialize, err)
	}
	var ans initAnswer
	if err := json.Unmarshal(ansPlain, &ans); err != nil {
		return initAnswer{}, badResponse(OpInitialize, fmt.Errorf("decrypted answer is not a JSON object"))
	}
	if ans.Challenge == "" {
		ans.Challenge = ans.Random
	}
	if ans.PaymentReferenceID == "" || ans.Challenge == "" {
		return initAnswer{}, badResponse(OpInitialize, fmt.Errorf("decrypted answer lacks paymentReferenceId or challenge"))
	}
	return ans, nil
}

// complete places the order on an initialized session and returns the
// payment page URL (callBackUrl).
func (c *Client) complete(ctx context.Context, orderID string, amount domain.Money, sess initAnswer) (string, error) {
	plain, err := marshal(completeSensitive{
		MerchantID: c.cfg.MerchantID, OrderID: orderID, CurrencyCode: CurrencyBDT,
		Amount: amount.Decimal(), Challenge: sess.Challenge,
	})
	if err != nil {
		return "", fmt.Errorf("nagad complete: %w", err)
	}
	sd, sig, err := seal(c.pg, c.key, plain)
	if err != nil {
		return "", fmt.Errorf("nagad complete: %w", err)
	}
	body := completeBody{SensitiveData: sd, Signature: sig, MerchantCallbackURL: c.cfg.CallbackURL}
	if c.cfg.ServiceName != "" {
		body.AdditionalMerchantInfo = map[string]string{"serviceName": c.cfg.ServiceName}
	}
	f, err := c.call(ctx, OpComplete, "POST", "/check-out/complete/"+url.PathEscape(sess.PaymentReferenceID), body)
	if err != nil {
		return "", err
	}
	if st := f.str("status"); st != "" && !strings.EqualFold(st, string(StatusSuccess)) {
		return "", &Error{Op: OpComplete, HTTPStatus: 200, Reason: st, Message: "Nagad did not accept the order (status " + clip(st) + ")"}
	}
	page := f.str("callBackUrl")
	if !absoluteHTTP(page) {
		return "", badResponse(OpComplete, fmt.Errorf("answer has no absolute callBackUrl"))
	}
	return page, nil
}
