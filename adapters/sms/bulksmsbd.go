package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// BulkSMSBD API locations (docs/gateways/sms.md §3.1, §3.3). The real API is documented on
// plain http; the key travels in the form body of sends, but in the query of
// balance checks, as the API wants.
const (
	// BulkSMSBDBaseURL is the real API host, used when Config.BaseURL is "".
	BulkSMSBDBaseURL = "http://bulksmsbd.net"
	// BulkSMSBDSendPath is the send endpoint below the base URL (GET or POST).
	BulkSMSBDSendPath = "/api/smsapi"
	// BulkSMSBDBalancePath is the balance endpoint below the base URL (GET).
	BulkSMSBDBalancePath = "/api/getBalanceApi"
)

// BulkSMSBD response codes with a meaning paycore relies on (the full list
// is in bulkSMSBDCodes).
const (
	// BulkSMSBDSubmitted (202) is the only success: the SMS was submitted.
	BulkSMSBDSubmitted = "202"
	// BulkSMSBDInternalError (1005) is the one transient refusal: retryable.
	BulkSMSBDInternalError = "1005"
	// BulkSMSBDInsufficientBalance (1007): top up the account; not retryable.
	BulkSMSBDInsufficientBalance = "1007"
	// BulkSMSBDUserNotFound (1011): the api_key matches no account.
	BulkSMSBDUserNotFound = "1011"
	// BulkSMSBDIPNotWhitelisted (1032): whitelist the server's IP in the
	// BulkSMSBD panel; not retryable.
	BulkSMSBDIPNotWhitelisted = "1032"
)

// bulkSMSBDCodes is BulkSMSBD's table of response codes and their meaning
// (docs/gateways/sms.md §3.2; 1031 and 1032 come from a public client, the official
// list is confirmed up to 1021). Only 1005 is retryable.
var bulkSMSBDCodes = map[string]string{
	"202":  "SMS Submitted Successfully",
	"1001": "Invalid Number",
	"1002": "Sender ID not correct or disabled",
	"1003": "Please provide all required fields",
	"1005": "Internal Error",
	"1006": "Balance Validity Not Available",
	"1007": "Balance Insufficient",
	"1011": "User Id not found",
	"1012": "Masking SMS must be sent in Bengali",
	"1013": "Sender Id has not found Gateway by api key",
	"1014": "Sender Type Name not found using this sender by api key",
	"1015": "Sender Id has not found any valid Gateway by api key",
	"1016": "Sender Type Name Active Price Info not found by this sender id",
	"1017": "Sender Type Name Price Info not found by this sender id",
	"1018": "The owner of this account is disabled",
	"1019": "The sender type name price of this account is disabled",
	"1020": "The parent of this account is not found",
	"1021": "The parent active sender type name price of this account is not found",
	"1031": "Your account is not verified, please contact the administrator",
	"1032": "IP Not whitelisted",
}

// BulkSMSBD sends SMS through BulkSMSBD's HTTP API. Create it with
// NewBulkSMSBD (or New("bulksmsbd", cfg)); it is safe for concurrent use.
//
// A message goes as an urlencoded POST to /api/smsapi with api_key,
// type ("text", or "unicode" when domain.SMSSegments says UCS-2, so Bangla
// arrives intact), number (8801XXXXXXXXX), senderid and message. BulkSMSBD
// answers HTTP 200 even when it refuses, so the JSON response_code is always
// read: 202 is success and its message_id is the provider reference; any
// other code is a *ports.SMSError with that code, retryable only for 1005.
type BulkSMSBD struct {
	c        client
	apiKey   string
	senderID string
}

var (
	_ ports.SMSSender = (*BulkSMSBD)(nil)
	_ BalanceChecker  = (*BulkSMSBD)(nil)
)

// NewBulkSMSBD returns a BulkSMSBD provider. cfg.APIKey (api_key) and
// cfg.SenderID (senderid) are required.
func NewBulkSMSBD(cfg Config) (*BulkSMSBD, error) {
	if cfg.APIKey == "" || cfg.SenderID == "" {
		return nil, errors.New("sms: bulksmsbd needs an API key and a sender ID")
	}
	return &BulkSMSBD{
		c:        newClient(ProviderBulkSMSBD, BulkSMSBDBaseURL, cfg, cfg.APIKey),
		apiKey:   cfg.APIKey,
		senderID: cfg.SenderID,
	}, nil
}

// Provider is "bulksmsbd".
func (*BulkSMSBD) Provider() string { return ProviderBulkSMSBD }

// Send submits msg and returns BulkSMSBD's message_id ("" if the answer
// had none).
func (b *BulkSMSBD) Send(ctx context.Context, msg ports.SMS) (string, error) {
	number, ok := domain.NormalizeMobile(msg.To)
	if !ok {
		return "", invalidNumber(ProviderBulkSMSBD, msg.To)
	}
	if msg.Body == "" {
		return "", emptyBody(ProviderBulkSMSBD)
	}
	typ := "text"
	if enc, _ := domain.SMSSegments(msg.Body); enc == domain.EncodingUCS2 {
		typ = "unicode"
	}
	form := url.Values{
		"api_key":  {b.apiKey},
		"type":     {typ},
		"number":   {number},
		"senderid": {b.senderID},
		"message":  {msg.Body},
	}
	a, err := b.c.do(ctx, "send", http.MethodPost, BulkSMSBDSendPath, "", form, nil)
	if err != nil {
		return "", err
	}
	r, err := b.reply("send", a)
	if err != nil {
		return "", err
	}
	return r.messageID, nil
}

// Balance returns the account's balance in Taka ("1234.50").
func (b *BulkSMSBD) Balance(ctx context.Context) (string, error) {
	q := url.Values{"api_key": {b.apiKey}}.Encode()
	a, err := b.c.do(ctx, "balance", http.MethodGet, BulkSMSBDBalancePath, q, nil, nil)
	if err != nil {
		return "", err
	}
	r, err := b.reply("balance", a)
	if err != nil {
		return "", err
	}
	bal, ok := taka(r.balance)
	if !ok {
		return "", b.c.badResponse("balance", a, "no balance in the answer")
	}
	return bal, nil
}

// bulkSMSBDReply is what paycore reads of a BulkSMSBD answer.
type bulkSMSBDReply struct {
	code, messageID, successMessage, errorMessage, balance string
}

// parseBulkSMSBD reads a JSON object with response_code (number or string),
// message_id, success_message, error_message and balance. Some answers are a
// bare number: a known response code, or else a balance.
func parseBulkSMSBD(body []byte) (bulkSMSBDReply, bool) {
	s := strings.TrimSpace(string(body))
	if s != "" && s[0] != '{' {
		if _, known := bulkSMSBDCodes[s]; known {
			return bulkSMSBDReply{code: s}, true
		}
		if _, ok := taka(s); ok {
			return bulkSMSBDReply{balance: s}, true
		}
		return bulkSMSBDReply{}, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || m == nil {
		return bulkSMSBDReply{}, false
	}
	return bulkSMSBDReply{
		code:           jsonText(m["response_code"]),
		messageID:      jsonText(m["message_id"]),
		successMessage: jsonText(m["success_message"]),
		errorMessage:   jsonText(m["error_message"]),
		balance:        jsonText(m["balance"]),
	}, true
}

// reply checks an answer: HTTP 2xx with response_code 202 (or, for the
// balance, no code but a balance) is a success; anything else an SMSError.
func (b *BulkSMSBD) reply(op string, a answer) (bulkSMSBDReply, error) {
	r, parsed := parseBulkSMSBD(a.body)
	if a.status < 200 || a.status > 299 {
		if parsed && r.code != "" && r.code != BulkSMSBDSubmitted && a.status < 500 {
			return r, b.codeError(r)
		}
		return r, b.c.httpError(op, a)
	}
	switch {
	case !parsed:
		return r, b.c.badResponse(op, a, "answer is not a JSON object")
	case r.code == BulkSMSBDSubmitted:
		return r, nil
	case r.code == "" && op == "balance" && r.balance != "":
		return r, nil
	case r.code == "":
		return r, b.c.badResponse(op, a, "answer has no response_code")
	}
	return r, b.codeError(r)
}

// codeError is BulkSMSBD's refusal with its response_code.
func (b *BulkSMSBD) codeError(r bulkSMSBDReply) *ports.SMSError {
	msg := r.errorMessage
	if msg == "" {
		msg = bulkSMSBDCodes[r.code]
	}
	if msg == "" {
		msg = "unknown response code"
	}
	return &ports.SMSError{
		Code:      r.code,
		Message:   ProviderBulkSMSBD + ": " + b.c.scrub(msg),
		Retryable: r.code == BulkSMSBDInternalError,
	}
}
