package domain

import "errors"

// Money errors.
var (
	ErrUnknownCurrency  = errors.New("unknown currency")
	ErrInvalidAmount    = errors.New("amount is not a decimal number")
	ErrTooManyDecimals  = errors.New("amount has more decimals than the currency allows")
	ErrZeroAmount       = errors.New("amount must be greater than zero")
	ErrNegativeAmount   = errors.New("amount must not be negative")
	ErrAmountOverflow   = errors.New("amount is too large")
	ErrCurrencyMismatch = errors.New("currencies differ")
)

// State and lookup errors. Edges map them to HTTP status codes and GraphQL
// error codes in one place each.
var (
	// ErrInvalidTransition: the payment, attempt or refund cannot move from
	// its current status to the requested one (docs/merchant-api.md §6.2).
	ErrInvalidTransition = errors.New("invalid status transition")
	// ErrNotFound: no such record, or not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique key (order_id per client, idempotency key) is taken.
	ErrDuplicate = errors.New("already exists")
	// ErrNotPayable: the payment is no longer pending or has expired.
	ErrNotPayable = errors.New("payment is not payable")
	// ErrUnavailable: a store paycore needs (the database) cannot be reached
	// right now; nothing was done, and the same call may succeed shortly.
	ErrUnavailable = errors.New("temporarily unavailable")
	// ErrGatewayUnavailable: the gateway is not configured or not active.
	ErrGatewayUnavailable = errors.New("gateway unavailable")
	// ErrUnauthenticated: missing or invalid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: authenticated, but not allowed.
	ErrForbidden = errors.New("forbidden")
)

// ValidationError lists per-field problems of an input; edges render it as
// HTTP 422 with "errors":{"field":["…"]} or a GraphQL error with code
// VALIDATION_FAILED.
type ValidationError struct {
	Fields map[string][]string
}

// Add records a problem with a field.
func (v *ValidationError) Add(field, msg string) {
	if v.Fields == nil {
		v.Fields = map[string][]string{}
	}
	v.Fields[field] = append(v.Fields[field], msg)
}

// Err returns v when it holds a problem, else nil.
func (v *ValidationError) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string { return "validation failed" }

// ErrRefundExceeds: the refund is larger than what remains refundable.
var ErrRefundExceeds = errors.New("refund exceeds the refundable amount")
