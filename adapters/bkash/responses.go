package bkash

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/paycore/paycore/domain"
)

// TokenResponse is the answer of /token/grant and /token/refresh (docs/gateways/bkash.md §4.1).
// Its String, GoString and LogValue hide the tokens.
type TokenResponse struct {
	StatusCode    string `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
	IDToken       string `json:"id_token"`
	TokenType     string `json:"token_type"` // "Bearer", yet the header takes the raw token
	ExpiresIn     int    `json:"expires_in"` // seconds, 3600
	RefreshToken  string `json:"refresh_token"`
}

// UnmarshalJSON decodes bKash's JSON; expires_in may be a number or a string.
func (r *TokenResponse) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *TokenResponse) decode(f fields) error {
	d := decoder{f: f}
	*r = TokenResponse{
		StatusCode: d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
		IDToken: d.str("id_token"), TokenType: d.str("token_type"),
		ExpiresIn: d.seconds("expires_in"), RefreshToken: d.str("refresh_token"),
	}
	return d.err
}

// lifetime is expires_in, or IDTokenLifetime when absent.
func (r TokenResponse) lifetime() time.Duration {
	if r.ExpiresIn > 0 {
		return time.Duration(r.ExpiresIn) * time.Second
	}
	return IDTokenLifetime
}

// String describes r without its tokens.
func (r TokenResponse) String() string {
	return fmt.Sprintf("bkash.TokenResponse{StatusCode:%q StatusMessage:%q IDToken:%s TokenType:%q ExpiresIn:%d RefreshToken:%s}",
		r.StatusCode, r.StatusMessage, hide(r.IDToken), r.TokenType, r.ExpiresIn, hide(r.RefreshToken))
}

// GoString is String, so that %#v hides the tokens too.
func (r TokenResponse) GoString() string { return r.String() }

// LogValue hides the tokens from slog.
func (r TokenResponse) LogValue() slog.Value {
	return slog.GroupValue(slog.String("statusCode", r.StatusCode), slog.Int("expires_in", r.ExpiresIn))
}

// CreateResponse is the answer of /create (docs/gateways/bkash.md §5.2). Amounts are BDT
// (paisa inside domain.Money) and times are decoded from bKash's layout;
// the json tags name bKash's fields (alternates: paymentId, bKashURL,
// merchantInvoice).
type CreateResponse struct {
	PaymentID             string       `json:"paymentID"`
	BkashURL              string       `json:"bkashURL"`
	CallbackURL           string       `json:"callbackURL"`
	SuccessCallbackURL    string       `json:"successCallbackURL"`
	FailureCallbackURL    string       `json:"failureCallbackURL"`
	CancelledCallbackURL  string       `json:"cancelledCallbackURL"`
	Amount                domain.Money `json:"amount"`
	Intent                string       `json:"intent"`
	Currency              string       `json:"currency"`
	PaymentCreateTime     time.Time    `json:"paymentCreateTime"`
	TransactionStatus     string       `json:"transactionStatus"`
	MerchantInvoiceNumber string       `json:"merchantInvoiceNumber"`
	StatusCode            string       `json:"statusCode"`
	StatusMessage         string       `json:"statusMessage"`
}

// UnmarshalJSON decodes bKash's JSON defensively.
func (r *CreateResponse) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *CreateResponse) decode(f fields) error {
	d := decoder{f: f}
	*r = CreateResponse{
		PaymentID: d.str("paymentID", "paymentId"), BkashURL: d.str("bkashURL", "bKashURL", "bkashUrl"),
		CallbackURL: d.str("callbackURL"), SuccessCallbackURL: d.str("successCallbackURL"),
		FailureCallbackURL: d.str("failureCallbackURL"), CancelledCallbackURL: d.str("cancelledCallbackURL"),
		Amount: d.money("amount"), Intent: d.str("intent"), Currency: d.str("currency"),
		PaymentCreateTime: d.time("paymentCreateTime"), TransactionStatus: d.str("transactionStatus"),
		MerchantInvoiceNumber: d.str("merchantInvoiceNumber", "merchantInvoice"),
		StatusCode:            d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
	}
	return d.err
}

// Signature returns the "signature" bKash put in the success callback URL
// (docs/gateways/bkash.md §6), "" if none. It is not proof of payment.
func (r CreateResponse) Signature() string {
	for _, s := range []string{r.SuccessCallbackURL, r.FailureCallbackURL, r.CancelledCallbackURL} {
		if u, err := url.Parse(s); err == nil {
			if sig := u.Query().Get("signature"); sig != "" {
				return sig
			}
		}
	}
	return ""
}

// ExecuteResponse is the answer of /execute (docs/gateways/bkash.md §7.1): on success every
// field; on failure only StatusCode and StatusMessage. Amounts are BDT
// (paisa inside domain.Money).
type ExecuteResponse struct {
	PaymentID             string       `json:"paymentID"`
	TrxID                 string       `json:"trxID"`
	TransactionStatus     string       `json:"transactionStatus"`
	Amount                domain.Money `json:"amount"`
	Currency              string       `json:"currency"`
	Intent                string       `json:"intent"`
	PaymentExecuteTime    time.Time    `json:"paymentExecuteTime"`
	MerchantInvoiceNumber string       `json:"merchantInvoiceNumber"`
	PayerType             string       `json:"payerType"`
	PayerReference        string       `json:"payerReference"`
	CustomerMsisdn        string       `json:"customerMsisdn"`
	PayerAccount          string       `json:"payerAccount"`
	MaxRefundableAmount   domain.Money `json:"maxRefundableAmount"`
	StatusCode            string       `json:"statusCode"`
	StatusMessage         string       `json:"statusMessage"`
}

// UnmarshalJSON decodes bKash's JSON defensively.
func (r *ExecuteResponse) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *ExecuteResponse) decode(f fields) error {
	d := decoder{f: f}
	*r = ExecuteResponse{
		PaymentID: d.str("paymentID", "paymentId"), TrxID: d.str("trxID", "trxId"),
		TransactionStatus: d.str("transactionStatus"), Amount: d.money("amount"),
		Currency: d.str("currency"), Intent: d.str("intent"),
		PaymentExecuteTime:    d.time("paymentExecuteTime"),
		MerchantInvoiceNumber: d.str("merchantInvoiceNumber", "merchantInvoice"),
		PayerType:             d.str("payerType"), PayerReference: d.str("payerReference"),
		CustomerMsisdn: d.str("customerMsisdn"), PayerAccount: d.str("payerAccount"),
		MaxRefundableAmount: d.money("maxRefundableAmount"),
		StatusCode:          d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
	}
	return d.err
}

// QueryResult is the answer of /payment/status (docs/gateways/bkash.md §8.1). bKash names the
// invoice "merchantInvoice" here; "merchantInvoiceNumber" is read too.
// Amount is BDT (paisa inside domain.Money).
type QueryResult struct {
	PaymentID              string       `json:"paymentID"`
	Mode                   string       `json:"mode"`
	PaymentCreateTime      time.Time    `json:"paymentCreateTime"`
	PaymentExecuteTime     time.Time    `json:"paymentExecuteTime"`
	Amount                 domain.Money `json:"amount"`
	Currency               string       `json:"currency"`
	Intent                 string       `json:"intent"`
	MerchantInvoice        string       `json:"merchantInvoice"`
	TrxID                  string       `json:"trxID"`
	TransactionStatus      string       `json:"transactionStatus"`  // Initiated, Completed, …
	VerificationStatus     string       `json:"verificationStatus"` // Complete, Incomplete
	UserVerificationStatus string       `json:"userVerificationStatus"`
	PayerReference         string       `json:"payerReference"`
	StatusCode             string       `json:"statusCode"`
	StatusMessage          string       `json:"statusMessage"`
}

// UnmarshalJSON decodes bKash's JSON defensively.
func (r *QueryResult) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *QueryResult) decode(f fields) error {
	d := decoder{f: f}
	*r = QueryResult{
		PaymentID: d.str("paymentID", "paymentId"), Mode: d.str("mode"),
		PaymentCreateTime: d.time("paymentCreateTime"), PaymentExecuteTime: d.time("paymentExecuteTime"),
		Amount: d.money("amount"), Currency: d.str("currency"), Intent: d.str("intent"),
		MerchantInvoice: d.str("merchantInvoice", "merchantInvoiceNumber"),
		TrxID:           d.str("trxID", "trxId"), TransactionStatus: d.str("transactionStatus"),
		VerificationStatus: d.str("verificationStatus"), UserVerificationStatus: d.str("userVerificationStatus"),
		PayerReference: d.str("payerReference"),
		StatusCode:     d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
	}
	return d.err
}

// SearchResult is the answer of /general/searchTransaction (docs/gateways/bkash.md §8.2).
// Amount is BDT (paisa inside domain.Money).
type SearchResult struct {
	TrxID                 string       `json:"trxID"`
	InitiationTime        time.Time    `json:"initiationTime"`
	CompletedTime         time.Time    `json:"completedTime"`
	TransactionType       string       `json:"transactionType"`
	CustomerMsisdn        string       `json:"customerMsisdn"`
	TransactionStatus     string       `json:"transactionStatus"`
	Amount                domain.Money `json:"amount"`
	Currency              string       `json:"currency"`
	OrganizationShortCode string       `json:"organizationShortCode"`
	TransactionReference  string       `json:"transactionReference"`
	StatusCode            string       `json:"statusCode"`
	StatusMessage         string       `json:"statusMessage"`
}

// UnmarshalJSON decodes bKash's JSON defensively.
func (r *SearchResult) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *SearchResult) decode(f fields) error {
	d := decoder{f: f}
	*r = SearchResult{
		TrxID: d.str("trxID", "trxId"), InitiationTime: d.time("initiationTime"),
		CompletedTime: d.time("completedTime"), TransactionType: d.str("transactionType"),
		CustomerMsisdn: d.str("customerMsisdn"), TransactionStatus: d.str("transactionStatus"),
		Amount: d.money("amount"), Currency: d.str("currency"),
		OrganizationShortCode: d.str("organizationShortCode"), TransactionReference: d.str("transactionReference"),
		StatusCode: d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
	}
	return d.err
}

// RefundResult is the answer of /payment/refund, for a refund and for a
// refund status (docs/gateways/bkash.md §9.1, §9.2); amounts are BDT (paisa inside domain.Money).
// StatusCode may be absent (a 2024 capture). The
// v2 names (originalTrxId, refundTrxId, refundTransactionStatus,
// refundAmount) are read too.
type RefundResult struct {
	OriginalTrxID     string       `json:"originalTrxID"`
	RefundTrxID       string       `json:"refundTrxID"`
	TransactionStatus string       `json:"transactionStatus"` // "Completed" once refunded
	Amount            domain.Money `json:"amount"`            // refunded
	OriginalTrxAmount domain.Money `json:"originalTrxAmount"` // v2 only
	Currency          string       `json:"currency"`
	Charge            domain.Money `json:"charge"` // "0.00"
	CompletedTime     time.Time    `json:"completedTime"`
	SKU               string       `json:"sku"`    // v2 only
	Reason            string       `json:"reason"` // v2 only
	StatusCode        string       `json:"statusCode"`
	StatusMessage     string       `json:"statusMessage"`
}

// UnmarshalJSON decodes bKash's JSON defensively.
func (r *RefundResult) UnmarshalJSON(b []byte) error {
	f, err := lenientFields(b)
	if err != nil {
		return err
	}
	return r.decode(f)
}

func (r *RefundResult) decode(f fields) error {
	d := decoder{f: f}
	*r = RefundResult{
		OriginalTrxID:     d.str("originalTrxID", "originalTrxId"),
		RefundTrxID:       d.str("refundTrxID", "refundTrxId"),
		TransactionStatus: d.str("transactionStatus", "refundTransactionStatus"),
		Amount:            d.money("amount", "refundAmount"), OriginalTrxAmount: d.money("originalTrxAmount"),
		Currency: d.str("currency"), Charge: d.money("charge"),
		CompletedTime: d.time("completedTime"), SKU: d.str("sku"), Reason: d.str("reason"),
		StatusCode: d.str("statusCode", "errorCode"), StatusMessage: d.str("statusMessage", "errorMessage"),
	}
	return d.err
}

// Completed reports whether bKash says the refund is done.
func (r RefundResult) Completed() bool { return r.TransactionStatus == StatusCompleted }
