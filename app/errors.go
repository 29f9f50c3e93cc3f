package app

import (
	"errors"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Error codes: the one classification of use-case errors that both edges
// use. GraphQL sends the code as extensions.code; REST answers with
// CodeHTTPStatus(code).
const (
	CodeUnauthenticated    = "UNAUTHENTICATED"     // no or bad credentials (401)
	CodeForbidden          = "FORBIDDEN"           // authenticated, not allowed (403)
	CodeNotFound           = "NOT_FOUND"           // no such record, or not the caller's (404)
	CodeValidationFailed   = "VALIDATION_FAILED"   // bad input, per field (422)
	CodeNotPayable         = "NOT_PAYABLE"         // the payment is no longer pending, or expired (409)
	CodeGatewayUnavailable = "GATEWAY_UNAVAILABLE" // the gateway is not configured or not active (503)
	CodeGatewayDisabled    = "GATEWAY_DISABLED"    // an operator disabled the gateway: no new attempt there (409)
	CodeGatewayError       = "GATEWAY_ERROR"       // the gateway refused (502)
	CodeUnavailable        = "UNAVAILABLE"         // the database cannot be reached right now; retry (503)
	CodeConflict           = "CONFLICT"            // the record's state does not allow the change (409)
	CodeInternal           = "INTERNAL"            // anything else; details are logged, never sent (500)
)

// ErrorCode classifies an error a use case returned; "" for nil.
func ErrorCode(err error) string {
	var (
		ve *domain.ValidationError
		ge *ports.GatewayError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ve):
		return CodeValidationFailed
	case errors.Is(err, domain.ErrUnauthenticated):
		return CodeUnauthenticated
	case errors.Is(err, domain.ErrForbidden):
		return CodeForbidden
	case errors.Is(err, domain.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, domain.ErrNotPayable):
		return CodeNotPayable
	case errors.Is(err, ErrGatewayDisabled):
		return CodeGatewayDisabled
	case errors.Is(err, domain.ErrGatewayUnavailable):
		return CodeGatewayUnavailable
	case errors.Is(err, domain.ErrUnavailable):
		return CodeUnavailable
	case errors.As(err, &ge):
		return CodeGatewayError
	case errors.Is(err, domain.ErrInvalidTransition), errors.Is(err, domain.ErrDuplicate):
		return CodeConflict
	}
	return CodeInternal
}

// CodeHTTPStatus is the HTTP status for an error code.
func CodeHTTPStatus(code string) int {
	switch code {
	case CodeUnauthenticated:
		return 401
	case CodeForbidden:
		return 403
	case CodeNotFound:
		return 404
	case CodeValidationFailed:
		return 422
	case CodeNotPayable, CodeConflict, CodeGatewayDisabled:
		return 409
	case CodeGatewayUnavailable, CodeUnavailable:
		return 503
	case CodeGatewayError:
		return 502
	case "":
		return 200
	}
	return 500
}
