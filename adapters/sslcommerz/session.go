package sslcommerz

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Limits of a session's total_amount in BDT (§2).
var (
	MinAmount = domain.MustMoney(10_00, domain.BDT.Code)
	MaxAmount = domain.MustMoney(500_000_00, domain.BDT.Code)
)

// Session is SSLCommerz's answer to a session request (§2).
type Session struct {
	Status         string // SUCCESS or FAILED
	FailedReason   string
	SessionKey     string
	GatewayPageURL string
	Raw            Fields
}

// InitSession opens a checkout session (POST /gwprocess/v4/api.php, §2)
// with form fields as given plus the credentials. Errors: ErrNoAnswer, or
// *ports.GatewayError (Code "FAILED") when SSLCommerz refused.
func (c *Client) InitSession(ctx context.Context, form url.Values) (Session, error) {
	raw, err := c.call(ctx, OpSession, SessionPath, nil, form)
	if err != nil {
		return Session{}, err
	}
	f, _ := decodeFields(raw)
	s := Session{Status: f.Str("status"), FailedReason: f.Str("failedreason"), SessionKey: f.Str("sessionkey"),
		GatewayPageURL: f.Str("GatewayPageURL"), Raw: f}
	if !strings.EqualFold(s.Status, "SUCCESS") || s.GatewayPageURL == "" {
		msg := clip(s.FailedReason)
		if msg == "" {
			msg = "SSLCommerz did not open a payment session"
		}
		c.log.WarnContext(ctx, "sslcommerz session refused", "tran_id", form.Get("tran_id"), "reason", msg)
		return s, &ports.GatewayError{Gateway: domain.GatewaySSLCommerz, Code: "FAILED", Message: msg}
	}
	return s, nil
}

// Create implements ports.PaymentGateway: a session whose tran_id is the
// attempt ID, with the customer's details, multi_card_name from
// configuration and paycore's return and IPN URLs (§2). The customer is sent
// to GatewayPageURL; the attempt's gateway reference is the tran_id (the
// return and IPN carry it, §3, §4). Amounts outside MinAmount–MaxAmount or
// not in BDT are refused before anything is sent.
func (c *Client) Create(ctx context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	if req.Amount.Currency().Code != domain.BDT.Code || req.Amount.Minor() < MinAmount.Minor() || req.Amount.Minor() > MaxAmount.Minor() {
		return ports.CreateResult{}, &ports.GatewayError{Gateway: domain.GatewaySSLCommerz, Code: "AMOUNT",
			Message: fmt.Sprintf("SSLCommerz takes %s to %s BDT", MinAmount.Decimal(), MaxAmount.Decimal())}
	}
	if req.AttemptID == "" || len(req.AttemptID) > MaxTranID {
		return ports.CreateResult{}, errors.New("sslcommerz: the attempt ID must be 1 to 30 characters (tran_id)")
	}
	cb := c.cfg.CallbackBaseURL
	cu := req.Customer
	phone := cu.Phone
	if phone == "" {
		phone = req.PayerReference
	}
	product := "Order"
	if req.OrderID != "" {
		product = "Order " + req.OrderID
	}
	form := url.Values{
		"total_amount": {req.Amount.Decimal()},
		"currency":     {domain.BDT.Code},
		"tran_id":      {req.AttemptID},
		"success_url":  {cb + CallbackSuccess},
		"fail_url":     {cb + CallbackFail},
		"cancel_url":   {cb + CallbackCancel},
		"ipn_url":      {cb + CallbackIPN},
		// Required customer fields (§2); SSLCommerz wants them even when the
		// merchant gave none.
		"cus_name":         {orDefault(cu.Name, "Customer", 50)},
		"cus_email":        {orDefault(cu.Email, "customer@example.com", 50)},
		"cus_phone":        {orDefault(phone, "01700000000", 20)},
		"cus_add1":         {"Dhaka"},
		"cus_city":         {"Dhaka"},
		"cus_postcode":     {"1000"},
		"cus_country":      {"Bangladesh"},
		"shipping_method":  {"NO"},
		"num_of_item":      {"1"},
		"product_name":     {cut(product, 255)},
		"product_category": {c.cfg.ProductCategory},
		"product_profile":  {"general"},
		"value_a":          {req.PaymentID},
		"value_b":          {cut(req.OrderID, 255)},
	}
	if c.cfg.MultiCardName != "" {
		form.Set("multi_card_name", c.cfg.MultiCardName)
	}
	s, err := c.InitSession(ctx, form)
	if err != nil {
		return ports.CreateResult{}, err
	}
	c.log.InfoContext(ctx, "sslcommerz session opened", "tran_id", req.AttemptID, "sessionkey", s.SessionKey)
	return ports.CreateResult{GatewayRef: req.AttemptID, RedirectURL: s.GatewayPageURL}, nil
}

// orDefault is s cut to n characters, or def when s is blank.
func orDefault(s, def string, n int) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return cut(s, n)
}

// cut keeps the first n characters of s.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
