package bkash

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
)

// codeOK is bKash's success statusCode (docs/gateways/bkash.md §2.6).
const codeOK = "0000"

// Transaction statuses bKash reports (docs/gateways/bkash.md §8.3).
const (
	StatusInitiated  = "Initiated"
	StatusCompleted  = "Completed"
	StatusAuthorized = "Authorized"
)

// ParseTime reads a bKash timestamp: "2025-11-24T21:20:00:123 GMT+0600"
// (a colon before the milliseconds, docs/gateways/bkash.md §11.1), the same without milliseconds
// or without zone (then Asia/Dhaka, UTC+6, is assumed: docs/gateways/bkash.md §11.1), or RFC
// 3339. "" gives the zero time and no error.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	date, zone, _ := strings.Cut(s, " ")
	if len(date) > 19 && date[19] == ':' {
		date = date[:19] + "." + date[20:]
	}
	loc := domain.Dhaka // bKash's zone-less timestamps (docs/gateways/bkash.md §11.1)
	if zone != "" {
		var err error
		if loc, err = parseZone(zone); err != nil {
			return time.Time{}, fmt.Errorf("time %q: %w", s, err)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", date, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: not a bKash timestamp", s)
}

// parseZone reads "GMT+0600", "GMT+06:00", "UTC", "GMT" or "+0600".
func parseZone(z string) (*time.Location, error) {
	off := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(z), "GMT"), "UTC")
	if off == "" {
		return time.UTC, nil
	}
	off = strings.ReplaceAll(off, ":", "")
	if len(off) != 5 || (off[0] != '+' && off[0] != '-') {
		return nil, errors.New("bad zone")
	}
	hh, err1 := strconv.Atoi(off[1:3])
	mm, err2 := strconv.Atoi(off[3:5])
	if err1 != nil || err2 != nil || hh > 14 || mm > 59 {
		return nil, errors.New("bad zone")
	}
	secs := hh*3600 + mm*60
	if off[0] == '-' {
		secs = -secs
	}
	if secs == 6*3600 {
		return domain.Dhaka, nil
	}
	return time.FixedZone("GMT"+off, secs), nil
}

// fields is a JSON object as bKash sent it.
type fields map[string]json.RawMessage

// get returns the first of names present and not null.
func (f fields) get(names ...string) (json.RawMessage, string) {
	for _, n := range names {
		if v, ok := f[n]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return v, n
		}
	}
	return nil, ""
}

// str returns the first of names as a string: a JSON string's value, or a
// JSON number's text; "" when absent or of another kind.
func (f fields) str(names ...string) string {
	v, _ := f.get(names...)
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return string(v)
	}
	return ""
}

// payloadKeys are fields that make an answer more than an error message.
var payloadKeys = []string{"statusCode", "errorCode", "paymentID", "paymentId", "trxID", "trxId", "id_token",
	"refundTrxID", "refundTrxId", "originalTrxID", "originalTrxId", "transactionStatus"}

// messageOnly reports a body like {"message":"Unauthorized"} (docs/gateways/bkash.md §10.2):
// no statusCode and nothing but error text.
func (f fields) messageOnly() bool {
	if _, ok := f["message"]; !ok {
		if _, ok := f["Message"]; !ok {
			return false
		}
	}
	v, _ := f.get(payloadKeys...)
	return v == nil
}

// decoder reads fields into typed values and keeps the first error.
type decoder struct {
	f   fields
	err error
}

func (d *decoder) str(names ...string) string { return d.f.str(names...) }

// money reads an amount ("500", "500.00" or a JSON number) exactly into BDT
// paisa. Absent: the zero Money (no currency). "0.00": 0 BDT.
func (d *decoder) money(names ...string) domain.Money {
	v, name := d.f.get(names...)
	if v == nil {
		return domain.Money{}
	}
	m, err := domain.ParseAmountJSON(v, domain.BDT.Code)
	if errors.Is(err, domain.ErrZeroAmount) {
		return domain.MustMoney(0, domain.BDT.Code)
	}
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("field %s: %w", name, err)
	}
	return m
}

func (d *decoder) time(names ...string) time.Time {
	s := d.f.str(names...)
	t, err := ParseTime(s)
	if err != nil && d.err == nil {
		_, name := d.f.get(names...)
		d.err = fmt.Errorf("field %s: %w", name, err)
	}
	return t
}

// seconds reads a whole number of seconds sent as a JSON number or string.
func (d *decoder) seconds(names ...string) int {
	s := d.f.str(names...)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil && d.err == nil {
		_, name := d.f.get(names...)
		d.err = fmt.Errorf("field %s: not a whole number", name)
	}
	return n
}

// lenientFields reads an answer's JSON object. A body that is not valid
// JSON only because a string holds raw control characters (bKash's sandbox
// 9999 bodies carry a raw newline inside statusMessage: docs/gateways/bkash.md
// §4.4) is read with those characters escaped.
func lenientFields(b []byte) (fields, error) {
	f, err := unmarshalFields(b)
	if err == nil {
		return f, nil
	}
	if fixed, changed := escapeControlInStrings(b); changed {
		if f, err2 := unmarshalFields(fixed); err2 == nil {
			return f, nil
		}
	}
	return nil, err
}

// escapeControlInStrings escapes raw control characters (U+0000–U+001F)
// found inside JSON strings; changed is false when there were none.
func escapeControlInStrings(b []byte) ([]byte, bool) {
	var out []byte
	inString, escaped := false, false
	for i, ch := range b {
		switch {
		case !inString:
			inString = ch == '"'
		case escaped:
			escaped = false
		case ch == '\\':
			escaped = true
		case ch == '"':
			inString = false
		case ch < 0x20:
			if out == nil {
				out = append(make([]byte, 0, len(b)+8), b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, ch)
			continue
		}
		if out != nil {
			out = append(out, ch)
		}
	}
	return out, out != nil
}

func unmarshalFields(b []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("bkash: not a JSON object")
	}
	return f, nil
}

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
