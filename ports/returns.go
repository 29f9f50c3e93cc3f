package ports

import (
	"context"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
)

// CallbackVerifier is an optional capability of a PaymentGateway: a gateway
// whose browser return carries no status worth acting on, because money
// moves on the gateway's own page before the customer comes back (Nagad:
// verify decides). Every return of such a gateway goes to Confirm, whatever
// status it claims. A gateway without it (bKash) is confirmed only on a
// return claiming success: there Confirm (execute) is what moves money, so a
// failure or cancel return must never reach it.
type CallbackVerifier interface {
	// ConfirmsEveryCallback reports whether every browser return must be
	// confirmed with the gateway.
	ConfirmsEveryCallback() bool
}

// CallbackAuthenticator is an optional capability of a PaymentGateway whose
// browser returns and server notifications are signed by the gateway itself
// (SSLCommerz verify_sign: docs/gateways/sslcommerz.md §4). HandleCallback
// refuses one that fails the check before it touches the attempt. A correct
// signature is still only a claim: Confirm asks the gateway.
type CallbackAuthenticator interface {
	// AuthenticateCallback checks a return's or notification's fields (first
	// value of each); errors wrap ErrBadReturn.
	AuthenticateCallback(params map[string]string) error
}

// ReturnKind is the paycore return route a signed return URL was made for.
type ReturnKind string

// Return kinds.
const (
	ReturnSuccess ReturnKind = "success"
	ReturnCancel  ReturnKind = "cancel"
)

// SignedReturn is what a correctly signed browser return says. It binds the
// attempt, the amount and an expiry to a URL paycore gave the gateway; it
// is not proof of payment (TransactionID is whatever the browser brought).
type SignedReturn struct {
	Kind          ReturnKind
	AttemptID     string
	Amount        domain.Money
	ExpiresAt     time.Time
	TransactionID string // the gateway's transaction id on success returns
}

// ReturnVerifier is an optional capability of a PaymentGateway whose browser
// returns are signed by paycore (the redirect gateway): the return names the
// attempt itself, since the gateway sends back no reference of its own.
type ReturnVerifier interface {
	// VerifyReturn checks a return's query: signature (constant time),
	// expiry at now, and a transaction id on success returns. Errors wrap
	// ErrBadReturn (ErrReturnExpired for a valid but expired one).
	VerifyReturn(query map[string][]string, now time.Time) (SignedReturn, error)
}

// Errors of ReturnVerifier.
var (
	// ErrBadReturn: a forged, tampered or malformed browser return.
	ErrBadReturn = fmt.Errorf("%w: gateway return refused", domain.ErrForbidden)
	// ErrReturnExpired: a correctly signed return past its expiry.
	ErrReturnExpired = fmt.Errorf("%w: expired", ErrBadReturn)
)

// ReviewRepository stores operator reviews of attempts (one per attempt).
type ReviewRepository interface {
	// Open stores r as the attempt's open review, replacing an earlier
	// review of the same attempt.
	Open(ctx context.Context, r *domain.Review) error
	// Get reads an attempt's review; domain.ErrNotFound if none.
	Get(ctx context.Context, attemptID string) (*domain.Review, error)
	// List returns up to limit reviews in status st ("" = any), oldest first.
	List(ctx context.Context, st domain.ReviewStatus, limit int) ([]*domain.Review, error)
	// Update locks the attempt's review, calls fn with it and writes it
	// back if fn returns nil; call it with the attempt already locked
	// (inside AttemptRepository.Update: the lock order). fn's error as is,
	// or domain.ErrNotFound.
	Update(ctx context.Context, attemptID string, fn func(r *domain.Review) error) error
}
