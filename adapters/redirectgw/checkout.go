package redirectgw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// checkoutBody is checkout's request (docs/gateways/redirectgw.md §2.1, §2.3). Amount is a json.Number
// holding the decimal text built from minor units, so it is written exactly
// as a JSON number (150.50), never through a float.
type checkoutBody struct {
	Amount        json.Number `json:"amount"`
	ClientBaseURL string      `json:"client_base_url"`
	CustomerName  string      `json:"customer_name,omitempty"`
	CustomerEmail string      `json:"customer_email,omitempty"`
	SuccessURL    string      `json:"success_url"`
	CancelURL     string      `json:"cancel_url"`
	MetaData      string      `json:"meta_data"`
}

// metaData is what meta_data's JSON string holds.
type metaData struct {
	AttemptID string `json:"attempt_id"`
}

// checkAmount accepts a positive BDT amount: checkout has no currency field,
// and the gateway automates Bangladeshi wallets.
func checkAmount(m domain.Money) error {
	if m.Currency().Code != domain.BDT.Code {
		return fmt.Errorf("%w: currency %q: the redirect gateway takes BDT only", ErrInvalidRequest, m.Currency().Code)
	}
	if m.Minor() <= 0 {
		return fmt.Errorf("%w: amount must be greater than zero", ErrInvalidRequest)
	}
	return nil
}

// Create opens a checkout: POST {BaseURL}/api/v1/checkout with the Bearer
// key, client_base_url = Config.ClientBaseURL, amount = req.Amount as a JSON
// number with exactly 2 decimals (150.50), success_url and cancel_url =
// paycore's return routes signed for this attempt, amount and expiry (now +
// ReturnTTL; see CheckReturn), and meta_data = the JSON string
// {"attempt_id":"…"}. It returns RedirectURL = payment_url, where the
// customer's browser must go at once, and GatewayRef = the trx_id query
// parameter of payment_url ("" if it has none). req.PayerReference is not
// sent: the document has no field for it.
//
// Checkout is sent once, never retried. Errors: ErrInvalidRequest (a
// currency other than BDT, an amount ≤ 0, no AttemptID) before any call; a
// *ConfigError (ErrConfig) for the domain mismatch or a refused key, which
// retrying cannot fix; a *ports.GatewayError for any other error answer;
// ErrNoAnswer when the gateway could not be heard (a session may exist:
// open a new attempt rather than sending the same one again).
func (c *Client) Create(ctx context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	if err := checkAmount(req.Amount); err != nil {
		return ports.CreateResult{}, fmt.Errorf("redirectgw create: %w", err)
	}
	if strings.TrimSpace(req.AttemptID) == "" {
		return ports.CreateResult{}, fmt.Errorf("redirectgw create: %w: AttemptID is required", ErrInvalidRequest)
	}
	meta, err := json.Marshal(metaData{AttemptID: req.AttemptID})
	if err != nil {
		return ports.CreateResult{}, fmt.Errorf("redirectgw create: encode meta_data: %w", err)
	}
	exp := c.clock.Now().Add(c.ttl)
	body := checkoutBody{
		Amount:        json.Number(req.Amount.Decimal()),
		ClientBaseURL: c.cfg.ClientBaseURL,
		SuccessURL:    c.returnURL(ReturnSuccess, req.AttemptID, req.Amount, exp),
		CancelURL:     c.returnURL(ReturnCancel, req.AttemptID, req.Amount, exp),
		MetaData:      string(meta),
	}
	f, err := c.post(ctx, OpCheckout, c.base+CheckoutPath, body)
	if err != nil {
		var cerr *ConfigError
		if errors.As(err, &cerr) {
			c.log.ErrorContext(ctx, "redirect gateway refused paycore's configuration",
				"op", OpCheckout, "code", cerr.Code, "message", cerr.Message, "attempt_id", req.AttemptID)
		}
		return ports.CreateResult{}, err
	}
	if st := f.str("status"); !strings.EqualFold(st, "success") {
		return ports.CreateResult{}, fmt.Errorf("redirectgw create: unexpected status %q in the answer", st)
	}
	pu := f.str("payment_url")
	u, err := url.Parse(pu)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ports.CreateResult{}, fmt.Errorf("redirectgw create: payment_url %q is not an absolute http(s) URL", snippet(pu))
	}
	return ports.CreateResult{RedirectURL: pu, GatewayRef: u.Query().Get("trx_id")}, nil
}
