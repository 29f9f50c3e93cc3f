package bkash

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Errors the client returns, to be tested with errors.Is.
var (
	// ErrNoAnswer: bKash could not be heard: a timeout, a connection error,
	// HTTP 5xx, a body that is not a JSON object or that cannot be decoded,
	// or a body with only "message" (docs/gateways/bkash.md §10.2).
	// The request may have been processed. Confirm turns it into a query
	// (docs/gateways/bkash.md §2.7) and Refund into a refund status; from Refund it means the
	// refund's outcome is unknown.
	ErrNoAnswer = errors.New("bkash: no answer")
	// ErrUnauthorized: bKash answered HTTP 401 {"message":"Unauthorized"}
	// (expired or revoked id_token) even after one fresh grant, or on a call
	// that is never sent twice. Errors that match it also match ErrNoAnswer,
	// because the body holds only "message".
	ErrUnauthorized = errors.New("bkash: unauthorized")
	// ErrRefundPending: bKash accepted the refund but its transactionStatus
	// is not "Completed" yet; check it later with RefundStatus, never by
	// calling Refund again.
	ErrRefundPending = errors.New("bkash: refund not completed yet")
	// ErrNoToken: no usable id_token could be had (the grant or refresh was
	// refused or not heard, or the TokenStore failed), so the call was NOT
	// sent: it is safe to try again later, even for execute and refund.
	ErrNoToken = errors.New("bkash: no id_token")
	// ErrTokenBackoff: a grant or refresh failed recently, so no token call
	// is made until the shared backoff ends (bKash blocks merchants that
	// call the token APIs too often, docs/gateways/bkash.md §4.3) and there
	// is no unexpired id_token: the call was NOT sent. Errors that match it
	// also match ErrNoToken.
	ErrTokenBackoff = errors.New("bkash: token calls backing off")
	// ErrInvalidRequest: the request was refused before any call to bKash
	// (a currency other than BDT, an empty ID, a refund reason too long…).
	ErrInvalidRequest = errors.New("bkash: invalid request")
)

// callError is a call that got no usable answer. It matches ErrNoAnswer,
// and ErrUnauthorized too when bKash answered 401.
type callError struct {
	op     string
	status int    // HTTP status, 0 when none was received
	reason string // scrubbed
	cause  error  // transport error, if any (carries no secret: the URL only)
}

func (e *callError) Error() string {
	s := "bkash " + e.op + ": no answer: " + e.reason
	if e.status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.status)
	}
	return s
}

func (e *callError) Unwrap() error { return e.cause }

func (e *callError) Is(target error) bool {
	return target == ErrNoAnswer || (e.status == 401 && (target == ErrUnauthorized || target == ports.ErrTryNewAttempt))
}

// tokenError is a call not sent for want of an id_token. It matches
// ErrNoToken and deliberately hides its cause from errors.Is/As, so that a
// grant that got no answer is never taken for the call getting none.
type tokenError struct {
	op  string
	err error
}

func (e *tokenError) Error() string {
	return "bkash " + e.op + ": not sent: no id_token: " + e.err.Error()
}

// Is matches ErrNoToken and ports.ErrNotSent (nothing reached bKash), and
// ErrTokenBackoff when that is why.
func (e *tokenError) Is(target error) bool {
	return target == ErrNoToken || target == ports.ErrNotSent ||
		(target == ErrTokenBackoff && errors.Is(e.err, ErrTokenBackoff))
}

// backoffError is a token needed while token calls back off.
type backoffError struct {
	failures int
	until    time.Time
	last     string // scrubbed
}

func (e *backoffError) Error() string {
	return fmt.Sprintf("bkash token calls are backing off after %d failed grant/refresh in a row (last: %s); none before %s (docs/gateways/bkash.md §4.3)",
		e.failures, e.last, e.until.UTC().Format(time.RFC3339))
}

func (e *backoffError) Is(target error) bool { return target == ErrTokenBackoff }

// refused reports whether err is bKash saying no (a statusCode other than
// "0000", or HTTP 4xx), as opposed to not being heard.
func refused(err error) bool {
	var ge *ports.GatewayError
	if errors.As(err, &ge) {
		return true
	}
	var ce *callError
	return errors.As(err, &ce) && ce.status >= 400 && ce.status < 500
}

// RefundError is bKash refusing a refund or a refund status with a
// statusCode other than "0000", most often 2071–2082 (docs/gateways/bkash.md §10.1): 2071 refund
// window passed, 2072 amount not valid, 2073 invalid SKU, 2074 cannot be
// reversed, 2075/2076 SKU/reason too long, 2077 invalid trxID, 2078 invalid
// reason, 2079 invalid app token, 2080–2082 not permitted; 2127 transaction
// not yet completed. Message is bKash's statusMessage, or a description of
// the code when bKash sent none. errors.As also finds a *ports.GatewayError
// with the same code and message inside it.
type RefundError struct {
	Code    string
	Message string
}

// Error is "bkash refund: <code> <message>".
func (e *RefundError) Error() string { return "bkash refund: " + e.Code + " " + e.Message }

// Unwrap returns the same refusal as a *ports.GatewayError.
func (e *RefundError) Unwrap() error {
	return &ports.GatewayError{Gateway: domain.GatewayBkash, Code: e.Code, Message: e.Message}
}

// refundCodeText describes the refund codes of docs/gateways/bkash.md §10.1 (RDOC = NET) for
// answers that carry no statusMessage.
var refundCodeText = map[string]string{
	"2071": "Refund is not allowed this long after the payment",
	"2072": "Refund amount is not valid",
	"2073": "Invalid SKU",
	"2074": "The transaction cannot be reversed",
	"2075": "SKU is too long (255 characters at most)",
	"2076": "Reason is too long (255 characters at most)",
	"2077": "Invalid trxID",
	"2078": "Invalid reason",
	"2079": "Invalid app token",
	"2080": "Not permitted for this identity",
	"2081": "Not permitted for this merchant",
	"2082": "Not permitted for this merchant",
	"2127": "Transaction is not yet completed",
}

// jwtLike matches JWT/JWE compact serializations (what bKash's id_token and
// refresh_token are) so they are scrubbed even when not known to us.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]*)+`)

const redacted = "[REDACTED]"

// scrub removes secrets from text that came from bKash (or from an
// error), then caps it at 300 bytes. Cut only after scrubbing: a cut secret
// would no longer be recognized.
func (c *Client) scrub(s string, extra ...string) string {
	for _, secret := range append([]string{c.cfg.Password, c.cfg.AppSecret}, extra...) {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	if t := c.last.Load(); t != nil {
		for _, secret := range []string{t.IDToken, t.RefreshToken} {
			if len(secret) >= 4 {
				s = strings.ReplaceAll(s, secret, redacted)
			}
		}
	}
	s = jwtLike.ReplaceAllString(s, redacted)
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}
