package ports

import (
	"context"
	"errors"

	"github.com/paycore/paycore/domain"
)

// PaymentGateway is one payment gateway (bKash, Nagad, the redirect gateway)
// seen from the core: open an attempt, then confirm it once the customer is
// back.
type PaymentGateway interface {
	// Gateway names the gateway.
	Gateway() domain.Gateway
	// Create opens a payment at the gateway for an attempt (bKash create,
	// mode 0011) and returns where to send the customer. An error means no
	// page was obtained; a *GatewayError carries the gateway's code and
	// message when it refused.
	Create(ctx context.Context, req CreateRequest) (CreateResult, error)
	// Confirm settles an attempt after the customer approved it (bKash
	// execute; query only when execute gave no answer,
	// docs/gateways/bkash.md §2.7). It
	// returns OutcomeUnknown, not an error, when the gateway could not be
	// heard: money may have moved.
	Confirm(ctx context.Context, req ConfirmRequest) (ConfirmResult, error)
}

// CreateRequest opens a payment at a gateway.
type CreateRequest struct {
	AttemptID      string // our reference: bKash merchantInvoiceNumber
	Amount         domain.Money
	PayerReference string // customer phone if known (pre-fills the wallet), else ""
	// Customer is the order's customer as the merchant gave them (a gateway
	// that asks for the customer's details, SSLCommerz, sends them).
	Customer Customer
	// OrderID is the merchant's order_id, PaymentID paycore's txn_….
	OrderID, PaymentID string
}

// Customer is who pays, as the merchant described them; any field may be "".
type Customer struct {
	Name, Email, Phone string
}

// CreateResult is the gateway's answer to CreateRequest.
type CreateResult struct {
	GatewayRef  string // bKash paymentID
	RedirectURL string // bKash bkashURL
	Signature   string // bKash callback signature, "" if none
}

// ConfirmRequest settles an attempt.
type ConfirmRequest struct {
	AttemptID  string
	GatewayRef string       // the gateway's reference stored at Create (bKash paymentID)
	Amount     domain.Money // what the attempt asked for; the answer must match
	// Callback holds the query parameters of the gateway's browser return as
	// received (Nagad payment_ref_id, the redirect gateway's transaction_id).
	// They are claims to check with the gateway, never proof.
	Callback map[string]string
	// ClaimedTrxID is the gateway transaction the attempt already holds (a
	// redirect gateway return's transaction_id claimed before its verify
	// answered), "" if none. Reconciliation passes it so a Resolver needs
	// no store of its own.
	ClaimedTrxID string
}

// Outcome is what a gateway says happened to an attempt.
type Outcome string

// Outcomes.
const (
	OutcomeSucceeded Outcome = "succeeded" // money moved: TrxID set
	OutcomeFailed    Outcome = "failed"    // refused: Code and Message set
	OutcomeUnknown   Outcome = "unknown"   // no answer: ask again later
)

// ConfirmResult is the gateway's answer to ConfirmRequest.
type ConfirmResult struct {
	Outcome Outcome
	TrxID   string // gateway transaction id when succeeded
	Code    string // gateway status code when failed (bKash "2023")
	Message string // gateway message when failed, shown to the customer
	// Review, when set, says why an operator must look at the attempt
	// whatever the outcome (an unverified claim, a verify answer that does
	// not match the attempt): paycore opens a review with this reason and
	// Message as its detail. TrxID may then name the transaction claimed.
	Review string
	// AwaitOperator, with OutcomeUnknown and Review set, says the gateway
	// answered but its answer settles nothing and the gateway must not be
	// asked again: the attempt stays unresolved for the operator's review
	// and reconciliation never calls a Resolver for it (bKash: execute
	// answered 2117/2062/2068 "already executed"; query is allowed only when
	// execute gave no answer, docs/gateways/bkash.md §2.7).
	AwaitOperator bool
}

// ErrTryNewAttempt marks a Create refused before the gateway did anything
// (bKash: HTTP 401 for an id_token it no longer knows), after which the
// adapter renewed its credentials: a fresh attempt — never the same create
// again — may succeed.
var ErrTryNewAttempt = errors.New("gateway refused stale credentials; try a new attempt")

// ErrNotSent marks a Confirm (or Create) error where the call never reached
// the gateway (bKash: no id_token, its token calls backing off): nothing
// happened there, so the attempt fails with a message instead of waiting
// for reconciliation.
var ErrNotSent = errors.New("gateway call not sent")

// GatewayError is a refusal by a gateway, with its own code and message.
type GatewayError struct {
	Gateway domain.Gateway
	Code    string
	Message string
}

func (e *GatewayError) Error() string {
	return string(e.Gateway) + ": " + e.Code + " " + e.Message
}

// Resolver settles attempts whose confirm got no answer (reconciliation).
// bKash: query, allowed only for attempts whose execute gave no answer
// (docs/gateways/bkash.md §2.7); Nagad and the redirect gateway: their
// verify call.
type Resolver interface {
	// Resolve asks the gateway about an attempt that Confirm left unknown:
	// succeeded (money moved), failed (it did not: the customer may start
	// again) or still unknown.
	Resolve(ctx context.Context, req ConfirmRequest) (ConfirmResult, error)
}

// AbandonChecker is an optional capability of a PaymentGateway where money
// moves on the gateway's own page before the customer is sent back (Nagad),
// so a customer who never came back may still have paid. Reconciliation
// asks it before an attempt whose customer never returned expires, and
// never expires such an attempt unasked (docs/architecture.md §4, step 4).
// A gateway without it (bKash: money moves only at execute, which paycore
// sends) lets abandoned attempts expire unasked.
type AbandonChecker interface {
	// CheckAbandoned asks about an attempt whose customer never came back:
	// OutcomeSucceeded — paid (TrxID set), settled as if the customer had
	// returned; OutcomeFailed — not paid and it no longer can be at the
	// gateway's page: the attempt expires (or, with Review set, fails for an
	// operator); OutcomeUnknown — the gateway could not be heard: the attempt
	// stays open and is asked again at the next pass.
	CheckAbandoned(ctx context.Context, req ConfirmRequest) (ConfirmResult, error)
}

// AmountLimits is an optional capability of a PaymentGateway: the smallest
// and the largest amount one payment may have at it, from the gateway's own
// rules or the merchant's contract with it (docs/gateways/). The core offers
// the gateway on the hosted page only for amounts within them and refuses
// to start an attempt outside them, before any gateway call. A gateway
// without it states no limits.
type AmountLimits interface {
	// Limits returns min ≤ max, both positive and in the gateway's currency.
	Limits() (min, max domain.Money)
}
