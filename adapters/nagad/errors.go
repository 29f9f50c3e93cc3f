package nagad

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Errors the client returns, to be tested with errors.Is. An *Error (Nagad's
// {reason, message}) matches the class of its reason; see Reason* below.
var (
	// ErrNoAnswer: Nagad could not be heard: a timeout, a connection error,
	// HTTP 5xx without a {reason} body, or a body that is neither JSON nor
	// the firewall's page. The request may have been processed: Confirm
	// turns it into OutcomeUnknown; from Refund it means the refund's
	// outcome is unknown (check with Verify, never refund again).
	ErrNoAnswer = errors.New("nagad: no answer")
	// ErrConfig: the merchant set-up is wrong and retrying will not help:
	// merchant ID, keys, headers, or the IP/domain whitelist (reasons 004,
	// 050, 052, 053, 056, 057, 058, 061, 064, HTTP 401/403, and the
	// firewall's "Request Rejected" page, see RejectedError).
	ErrConfig = errors.New("nagad: configuration error")
	// ErrDuplicateOrder: reason 16_0006_083, the orderId was already
	// initialized today (docs/gateways/nagad.md §10.3, §11.2). Start a new attempt.
	ErrDuplicateOrder = errors.New("nagad: duplicate order id")
	// ErrDateTime: reasons 16_0006_076 (datetime outside the allowed window)
	// and 16_0006_081 (bad format): the server clock is off (docs/gateways/nagad.md §10.1, §10.2).
	ErrDateTime = errors.New("nagad: datetime refused")
	// ErrInvalidData: Nagad refused the content of a request (reasons 001,
	// 040, 059, 060, 068, 069, 080, 999).
	ErrInvalidData = errors.New("nagad: request data refused")
	// ErrUnknownPayment: reason 16_0006_055, Nagad knows no such payment
	// reference.
	ErrUnknownPayment = errors.New("nagad: unknown payment reference")
	// ErrPaymentState: reason 16_0006_017, the payment is not in a state
	// that allows the operation (completing twice, refunding an unpaid one).
	ErrPaymentState = errors.New("nagad: payment state does not allow this")
	// ErrUnavailable: reason 16_0006_075, Nagad could not store the request;
	// nothing was done, try again later.
	ErrUnavailable = errors.New("nagad: temporarily unavailable")
	// ErrBadResponse: Nagad answered, but the answer could not be used: its
	// sensitiveData did not decrypt with MerchantPrivateKey, its signature did
	// not verify with PGPublicKey, or fields are missing. For initialize it
	// usually means a key belongs to another environment.
	ErrBadResponse = errors.New("nagad: unusable answer")
	// ErrInvalidRequest: the request was refused before any call to Nagad
	// (a currency other than BDT, an empty reference, an attempt ID that
	// yields no valid orderId…). Nothing was sent.
	ErrInvalidRequest = errors.New("nagad: invalid request")
)

// Reasons Nagad answers in {"reason","message"} (docs/gateways/nagad.md §9.2, [G] §5.2.9.3).
const (
	ReasonInvalidPIN          = "16_0006_001" // Invalid Pin Provided ([G] example)
	ReasonMerchantIDInvalid   = "16_0006_004" // Provided merchant ID is invalid
	ReasonPurchaseState       = "16_0006_017" // Purchase information state is invalid
	ReasonEncryptedType       = "16_0006_040" // Invalid encrypted request type
	ReasonMerchantIDInvalid2  = "16_0006_050" // Provided merchant ID is invalid
	ReasonInvalidMerchant     = "16_0006_052" // Invalid Merchant
	ReasonInactiveMerchant    = "16_0006_053" // Inactive Merchant
	ReasonInvalidPaymentRef   = "16_0006_055" // Invalid Payment Reference Id
	ReasonEncryptionFailed    = "16_0006_056" // Encryption failed
	ReasonDecryptionFailed    = "16_0006_057" // Decryption failed
	ReasonSignature           = "16_0006_058" // Failed to verify signature
	ReasonInvalidSensitive    = "16_0006_059" // Invalid Sensitive Data
	ReasonProcessingSensitive = "16_0006_060" // Error processing sensitive data
	ReasonInvalidMerchantKey  = "16_0006_061" // Invalid merchant key
	ReasonHeaderMissing       = "16_0006_064" // Mandatory Header Missing
	ReasonInvalidOrderID      = "16_0006_068" // Invalid Order Id
	ReasonNotEncoded          = "16_0006_069" // Data not encoded
	ReasonPersist             = "16_0006_075" // Could not persist data to storage
	ReasonDateTimeWindow      = "16_0006_076" // Transaction Date Time Not in allowed window
	ReasonInvalidCurrency     = "16_0006_080" // Invalid Currency Code
	ReasonDateTimeFormat      = "16_0006_081" // Invalid Date Time Format
	ReasonDuplicateOrderID    = "16_0006_083" // Duplicate Order ID in same day
	ReasonInvalidRequest      = "16_0006_999" // Invalid Request
)

// reasonInfo is what the client knows of one reason: the guide's text, the
// sentinel it matches, and a hint for whoever reads the error.
type reasonInfo struct {
	text  string
	class error
	hint  string
}

var reasons = map[string]reasonInfo{
	ReasonInvalidPIN:          {"Invalid Pin Provided", ErrInvalidData, ""},
	ReasonMerchantIDInvalid:   {"Provided merchant ID is invalid", ErrConfig, "check MerchantID"},
	ReasonMerchantIDInvalid2:  {"Provided merchant ID is invalid", ErrConfig, "check MerchantID"},
	ReasonInvalidMerchant:     {"Invalid Merchant", ErrConfig, "check MerchantID and that the merchant is set up in this environment"},
	ReasonInactiveMerchant:    {"Inactive Merchant", ErrConfig, "the merchant account is not active; contact Nagad"},
	ReasonEncryptionFailed:    {"Encryption failed", ErrConfig, "check the merchant public key uploaded to Nagad's portal"},
	ReasonDecryptionFailed:    {"Decryption failed", ErrConfig, "Nagad could not decrypt sensitiveData: PGPublicKey is probably not Nagad's key for this environment"},
	ReasonSignature:           {"Failed to verify signature", ErrConfig, "MerchantPrivateKey does not match the public key uploaded to Nagad's portal"},
	ReasonInvalidMerchantKey:  {"Invalid merchant key", ErrConfig, "check the merchant key pair registered with Nagad"},
	ReasonHeaderMissing:       {"Mandatory Header Missing", ErrConfig, "X-KM-Api-Version, X-KM-IP-V4 (one IPv4) and X-KM-Client-Type are required"},
	ReasonPurchaseState:       {"Purchase information state is invalid", ErrPaymentState, ""},
	ReasonEncryptedType:       {"Invalid encrypted request type", ErrInvalidData, ""},
	ReasonInvalidPaymentRef:   {"Invalid Payment Reference Id", ErrUnknownPayment, ""},
	ReasonInvalidSensitive:    {"Invalid Sensitive Data", ErrInvalidData, ""},
	ReasonProcessingSensitive: {"Error processing sensitive data", ErrInvalidData, ""},
	ReasonInvalidOrderID:      {"Invalid Order Id", ErrInvalidData, "orderId must be 5-20 letters or digits"},
	ReasonNotEncoded:          {"Data not encoded", ErrInvalidData, ""},
	ReasonPersist:             {"Could not persist data to storage", ErrUnavailable, "nothing was done; try again later"},
	ReasonDateTimeWindow:      {"Transaction Date Time Not in allowed window", ErrDateTime, "the server clock is off (datetime is sent in Asia/Dhaka)"},
	ReasonInvalidCurrency:     {"Invalid Currency Code", ErrInvalidData, ""},
	ReasonDateTimeFormat:      {"Invalid Date Time Format", ErrDateTime, "datetime must be yyyyMMddHHmmss in Asia/Dhaka"},
	ReasonDuplicateOrderID:    {"Duplicate Order ID in same day", ErrDuplicateOrder, "this orderId was already used today; start a new attempt"},
	ReasonInvalidRequest:      {"Invalid Request", ErrInvalidData, ""},
}

// Describe returns the integration guide's text for a reason code
// ("16_0006_083" → "Duplicate Order ID in same day"), or "" for a code the
// client does not know.
func Describe(reason string) string { return reasons[reason].text }

// Error is Nagad refusing a call with {"reason","message"} (docs/gateways/nagad.md §9.1), or
// with an HTTP 4xx and no reason. Nothing was done at Nagad.
//
// errors.Is matches the class of the reason (ErrConfig, ErrDuplicateOrder,
// ErrDateTime, ErrInvalidData, ErrUnknownPayment, ErrPaymentState,
// ErrUnavailable); errors.As also finds a *ports.GatewayError with Code =
// Reason and Message = Message.
type Error struct {
	// Op is the call: OpInitialize, OpComplete, OpVerify or OpRefund.
	Op string
	// HTTPStatus is the answer's HTTP status.
	HTTPStatus int
	// Reason is Nagad's code, e.g. "16_0006_083"; "HTTP403" for a 4xx
	// answer without one.
	Reason string
	// Message is Nagad's message, or the guide's text for Reason when
	// Nagad sent none.
	Message string
	// DevMessage is Nagad's optional devMessage, "" when absent.
	DevMessage string
}

// Error is "nagad <op>: <reason> <message> (HTTP n)", plus a hint for the
// reasons that point at the set-up.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nagad %s: %s %s", e.Op, e.Reason, e.Message)
	if e.DevMessage != "" && e.DevMessage != e.Message {
		fmt.Fprintf(&b, " (%s)", e.DevMessage)
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if h := reasons[e.Reason].hint; h != "" {
		b.WriteString(": " + h)
	}
	return b.String()
}

// Is reports whether target is the class of e's reason.
func (e *Error) Is(target error) bool {
	if c := reasons[e.Reason].class; c != nil {
		return target == c
	}
	return target == ErrConfig && (e.HTTPStatus == 401 || e.HTTPStatus == 403)
}

// Unwrap returns the refusal as a *ports.GatewayError.
func (e *Error) Unwrap() error {
	return &ports.GatewayError{Gateway: domain.GatewayNagad, Code: e.Reason, Message: e.Message}
}

// CodeRequestRejected is the ports.GatewayError code of a RejectedError.
const CodeRequestRejected = "REQUEST_REJECTED"

// RejectedError is Nagad's web application firewall answering an HTML
// "Request Rejected … Your support ID is: N" page instead of JSON (often
// with HTTP 200). It happens when the calling server's IP (or the callback
// domain) is not whitelisted for the merchant, e.g. servers outside
// Bangladesh (docs/gateways/nagad.md §11.1). It is a configuration problem: it matches
// ErrConfig, and errors.As finds a *ports.GatewayError with Code
// CodeRequestRejected. Give Nagad the SupportID.
type RejectedError struct {
	// Op is the call: OpInitialize, OpComplete, OpVerify or OpRefund.
	Op string
	// HTTPStatus is the answer's HTTP status.
	HTTPStatus int
	// SupportID is the firewall's support ID, "" when the page had none.
	SupportID string
}

// Error explains the rejection and carries the Support ID.
func (e *RejectedError) Error() string {
	id := e.SupportID
	if id == "" {
		id = "none given"
	}
	return fmt.Sprintf("nagad %s: request rejected by Nagad's firewall (Support ID: %s, HTTP %d): "+
		"this server's IP address or the callback domain is probably not whitelisted for the merchant; "+
		"ask Nagad to whitelist it, quoting the Support ID", e.Op, id, e.HTTPStatus)
}

// Is matches ErrConfig.
func (e *RejectedError) Is(target error) bool { return target == ErrConfig }

// Unwrap returns the rejection as a *ports.GatewayError.
func (e *RejectedError) Unwrap() error {
	msg := "Nagad rejected the request"
	if e.SupportID != "" {
		msg += " (Support ID " + e.SupportID + ")"
	}
	return &ports.GatewayError{Gateway: domain.GatewayNagad, Code: CodeRequestRejected, Message: msg}
}

var (
	supportIDRe = regexp.MustCompile(`(?i)support\s*id(?:\s*is)?\s*[:#]?\s*([A-Za-z0-9-]+)`)
	rejectedRe  = regexp.MustCompile(`(?i)request\s+rejected|url\s+was\s+rejected`)
)

// rejection recognizes the firewall's page in a body that is not JSON.
func rejection(op string, status int, body []byte) (*RejectedError, bool) {
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	hasID := supportIDRe.FindSubmatch(body)
	if !rejectedRe.Match(body) && hasID == nil {
		return nil, false
	}
	e := &RejectedError{Op: op, HTTPStatus: status}
	if hasID != nil {
		e.SupportID = string(hasID[1])
	}
	return e, true
}

// callError is a call that got no usable answer. It matches ErrNoAnswer.
type callError struct {
	op     string
	status int    // HTTP status, 0 when none was received
	reason string // no secret: transport text or a body snippet
	cause  error
}

// Error is "nagad <op>: no answer: <reason> (HTTP n)".
func (e *callError) Error() string {
	s := "nagad " + e.op + ": no answer: " + e.reason
	if e.status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.status)
	}
	return s
}

// Unwrap returns the transport error, if any.
func (e *callError) Unwrap() error { return e.cause }

// Is matches ErrNoAnswer.
func (e *callError) Is(target error) bool { return target == ErrNoAnswer }

// badResponse wraps why an answer could not be used in ErrBadResponse.
func badResponse(op string, err error) error {
	return fmt.Errorf("nagad %s: %w: %w", op, ErrBadResponse, err)
}
