package redirectgw

import (
	"errors"
	"fmt"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Errors the client returns, to be tested with errors.Is.
var (
	// ErrNoAnswer: the gateway could not be heard: a timeout, a connection
	// error, HTTP 5xx, or a body that is not a JSON object (an HTML error
	// page). The call may have been processed. Checkout is never sent twice:
	// open a new attempt instead.
	ErrNoAnswer = errors.New("redirectgw: no answer")
	// ErrConfig: the gateway refused paycore's configuration (a *ConfigError:
	// domain mismatch, or a key it does not accept). Retrying cannot help
	// until an operator fixes the configuration.
	ErrConfig = errors.New("redirectgw: configuration refused by the gateway")
	// ErrInvalidRequest: the request was refused before any call (a currency
	// other than BDT, an amount ≤ 0, an empty ID).
	ErrInvalidRequest = errors.New("redirectgw: invalid request")
	// ErrNoVerifyEndpoint: Verify was called but Config.VerifyURL is empty.
	ErrNoVerifyEndpoint = errors.New("redirectgw: no verify endpoint configured")
	// ErrBadReturn: a browser return that CheckReturn refuses: a parameter
	// missing or repeated, a MAC that does not match, an expired return, or
	// a success return without a well-formed transaction_id.
	ErrBadReturn = errors.New("redirectgw: bad return")
	// ErrReturnExpired: a return whose signature is valid but whose expiry
	// has passed. It also matches ErrBadReturn.
	ErrReturnExpired = fmt.Errorf("%w: expired", ErrBadReturn)
)

// Codes the client puts in ConfigError.Code, ports.GatewayError.Code and
// ports.ConfirmResult.Code. The gateway has no codes of its own.
const (
	// CodeDomainMismatch: checkout answered "Domain mismatch":
	// Config.ClientBaseURL differs from the Base URL on the gateway's API
	// Settings page (a *ConfigError).
	CodeDomainMismatch = "DOMAIN_MISMATCH"
	// CodeUnauthorized: HTTP 401/403, most likely a wrong API key (a
	// *ConfigError).
	CodeUnauthorized = "UNAUTHORIZED"
	// CodeGatewayError: any other {"status":"error"} answer with HTTP 2xx;
	// with HTTP 4xx the code is "HTTP<status>" (a *ports.GatewayError).
	CodeGatewayError = "ERROR"

	// CodeBadReturn: Confirm refused the browser return: its MAC is wrong,
	// it was signed for another attempt or amount, it expired, it is a
	// cancel return, or it lacks a transaction_id. Nothing was asked of the
	// gateway; the attempt failed.
	CodeBadReturn = "BAD_RETURN"
	// CodeAmountMismatch: verify reports a completed payment for another
	// amount or currency than the attempt's. Money may have moved: the
	// result carries Review = CodeAmountMismatch (an operator review).
	CodeAmountMismatch = "AMOUNT_MISMATCH"
	// CodeVerifyMismatch: verify does not confirm the return: the gateway
	// does not know the transaction_id, reports it failed, or reports it
	// for another transaction or attempt. The result carries Review =
	// CodeVerifyMismatch (an operator review).
	CodeVerifyMismatch = "VERIFY_MISMATCH"
	// CodeVerifyPending: verify reports the payment still pending
	// (OutcomeUnknown): ask again later.
	CodeVerifyPending = "VERIFY_PENDING"
	// CodeVerifyNoAnswer: verify could not be heard, or refused paycore's
	// configuration (OutcomeUnknown): ask again later.
	CodeVerifyNoAnswer = "VERIFY_NO_ANSWER"
	// CodeUnverifiedClaim: no verify endpoint is configured and
	// TrustSignedReturn is off, so a correctly signed success return is
	// only a claim (OutcomeUnknown with TrxID set; Confirm sets Review =
	// CodeUnverifiedClaim). paycore keeps the payment processing until an
	// operator confirms it in the gateway's dashboard
	// (docs/gateways/redirectgw.md §4.3).
	CodeUnverifiedClaim = "UNVERIFIED_CLAIM"
	// CodeReturnLost: the customer never came back from the gateway's page,
	// and the gateway cannot be asked without the transaction_id only the
	// return carries: the attempt fails and an operator checks the
	// gateway's dashboard (docs/gateways/redirectgw.md §4.4).
	CodeReturnLost = "RETURN_LOST"
)

// ConfigError is the gateway refusing paycore's configuration: the
// document's {"status":"error","message":"Domain mismatch. …"} when
// client_base_url differs from the Base URL stored at the gateway
// (CodeDomainMismatch), or HTTP 401/403 (CodeUnauthorized). It is never
// retried: nothing changes until an operator fixes Config.ClientBaseURL or
// Config.APIKey (or the gateway's settings). It matches ErrConfig, and
// errors.As also finds a *ports.GatewayError with the same Code and Message
// inside it.
type ConfigError struct {
	// Op is OpCheckout or OpVerify.
	Op string
	// HTTPStatus is the answer's HTTP status.
	HTTPStatus int
	// Code is CodeDomainMismatch or CodeUnauthorized.
	Code string
	// Message is the gateway's message (without the API key).
	Message string
}

// Error describes the refusal and what to fix; it never holds the API key.
func (e *ConfigError) Error() string {
	hint := "check Config.APIKey"
	if e.Code == CodeDomainMismatch {
		hint = "Config.ClientBaseURL must equal the Base URL on the gateway's API Settings page"
	}
	return fmt.Sprintf("redirectgw %s: configuration refused (%s, HTTP %d): %q: %s",
		e.Op, e.Code, e.HTTPStatus, e.Message, hint)
}

// Is reports whether target is ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// Unwrap returns the refusal as a *ports.GatewayError, for callers that
// handle every gateway's refusals alike.
func (e *ConfigError) Unwrap() error {
	return &ports.GatewayError{Gateway: domain.GatewayRedirectGW, Code: e.Code, Message: e.Message}
}

// callError is a call that got no usable answer. It matches ErrNoAnswer.
type callError struct {
	op     string
	status int    // HTTP status, 0 when none was received
	reason string // scrubbed
	cause  error  // transport error, if any (carries no secret: the URL only)
}

func (e *callError) Error() string {
	s := "redirectgw " + e.op + ": no answer: " + e.reason
	if e.status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.status)
	}
	return s
}

func (e *callError) Unwrap() error { return e.cause }

func (e *callError) Is(target error) bool { return target == ErrNoAnswer }
