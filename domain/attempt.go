package domain

import (
	"fmt"
	"time"
)

// AttemptStatus is the status of one try to pay a payment through a gateway.
type AttemptStatus string

// Attempt statuses.
const (
	AttemptCreated    AttemptStatus = "created"    // stored; the gateway's create call not answered yet
	AttemptRedirected AttemptStatus = "redirected" // the gateway gave a page; the customer is there
	AttemptConfirming AttemptStatus = "confirming" // callback claimed; execute/verify in flight
	AttemptUnresolved AttemptStatus = "unresolved" // execute gave no answer; reconciliation asks the gateway
	AttemptSucceeded  AttemptStatus = "succeeded"  // money moved
	AttemptFailed     AttemptStatus = "failed"     // refused; no money moved
	AttemptCancelled  AttemptStatus = "cancelled"  // the customer cancelled; no money moved
	AttemptExpired    AttemptStatus = "expired"    // the customer never came back; no money moved
)

// AttemptStatuses lists every attempt status.
var AttemptStatuses = []AttemptStatus{
	AttemptCreated, AttemptRedirected, AttemptConfirming, AttemptUnresolved,
	AttemptSucceeded, AttemptFailed, AttemptCancelled, AttemptExpired,
}

var attemptTransitions = map[AttemptStatus][]AttemptStatus{
	AttemptCreated:    {AttemptRedirected, AttemptFailed},
	AttemptRedirected: {AttemptConfirming, AttemptFailed, AttemptCancelled, AttemptExpired},
	AttemptConfirming: {AttemptSucceeded, AttemptFailed, AttemptUnresolved},
	AttemptUnresolved: {AttemptSucceeded, AttemptFailed},
}

// CanAttemptTransition reports whether an attempt may move from one status
// to another.
func CanAttemptTransition(from, to AttemptStatus) bool {
	for _, s := range attemptTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether the attempt's outcome is settled.
func (s AttemptStatus) Final() bool {
	switch s {
	case AttemptSucceeded, AttemptFailed, AttemptCancelled, AttemptExpired:
		return true
	}
	return false
}

// Attempt is one try to pay a payment through one gateway. Its ID is the
// merchantInvoiceNumber sent to bKash.
type Attempt struct {
	ID          string // att_…
	PaymentID   string // txn_…
	Gateway     Gateway
	Amount      Money
	GatewayRef  string // bKash paymentID, once created
	RedirectURL string // where the customer pays (bKash bkashURL)
	Signature   string // bKash callback signature from the create response, if any
	TrxID       string // gateway transaction id, once succeeded
	FailureCode string // gateway code of a refusal (bKash statusCode "2023")
	// FailureMessage is the gateway's own words for a refusal, shown to the
	// customer (docs/gateways/bkash.md §2.6: show statusMessage).
	FailureMessage string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Checks counts reconciliation checks of an unresolved attempt;
	// NextCheckAt is when to check next (zero: at once; never for an
	// attempt awaiting an operator, see AwaitOperator).
	Checks      int
	NextCheckAt time.Time

	status AttemptStatus
}

// NewAttempt returns a created attempt with a fresh att_ ID.
func NewAttempt(p *Payment, g Gateway, now time.Time) *Attempt {
	return &Attempt{
		ID: NewID(PrefixAttempt), PaymentID: p.ID, Gateway: g, Amount: p.Amount,
		CreatedAt: now, UpdatedAt: now, status: AttemptCreated,
	}
}

// AttemptFromDB rehydrates a stored attempt; not a constructor.
func AttemptFromDB(a Attempt, status AttemptStatus) *Attempt {
	a.status = status
	return &a
}

// Status returns the attempt's status.
func (a *Attempt) Status() AttemptStatus { return a.status }

func (a *Attempt) move(to AttemptStatus, now time.Time) error {
	if !CanAttemptTransition(a.status, to) {
		return fmt.Errorf("%w: attempt %s %s → %s", ErrInvalidTransition, a.ID, a.status, to)
	}
	a.status = to
	a.UpdatedAt = now
	return nil
}

// Redirect records the gateway's reference and page: created → redirected.
func (a *Attempt) Redirect(gatewayRef, redirectURL, signature string, now time.Time) error {
	if err := a.move(AttemptRedirected, now); err != nil {
		return err
	}
	a.GatewayRef, a.RedirectURL, a.Signature = gatewayRef, redirectURL, signature
	return nil
}

// Confirm claims the attempt for execute/verify: redirected → confirming.
// Only one caller can claim it (the row is locked while it moves).
func (a *Attempt) Confirm(now time.Time) error { return a.move(AttemptConfirming, now) }

// Succeed records the gateway's transaction id: confirming or unresolved →
// succeeded.
func (a *Attempt) Succeed(trxID string, now time.Time) error {
	if err := a.move(AttemptSucceeded, now); err != nil {
		return err
	}
	a.TrxID = trxID
	return nil
}

// Fail records the gateway's refusal code and message. A failed attempt
// holds no gateway transaction: one it had claimed is released (an operator
// review keeps it), so a transaction put on the wrong attempt cannot block
// the attempt it belongs to.
func (a *Attempt) Fail(code, message string, now time.Time) error {
	if err := a.move(AttemptFailed, now); err != nil {
		return err
	}
	a.FailureCode, a.FailureMessage, a.TrxID = code, message, ""
	return nil
}

// ClaimReturn claims a redirected attempt for confirmation from a browser
// return that brings the gateway's transaction id (the redirect gateway's
// transaction_id): redirected → confirming, holding trxID from now on, so
// a crash before the gateway answers keeps it for reconciliation and no
// other attempt can claim it meanwhile (the store refuses a second holder
// with ErrDuplicate).
func (a *Attempt) ClaimReturn(trxID string, now time.Time) error {
	if err := a.Confirm(now); err != nil {
		return err
	}
	a.TrxID = trxID
	return nil
}

// HoldTrx keeps trxID on an attempt in confirming or unresolved whose
// outcome is still unknown, unless it already holds one: the claimed
// transaction stays with the attempt until it is settled. ErrInvalidTransition
// for a settled attempt.
func (a *Attempt) HoldTrx(trxID string) error {
	if a.status != AttemptConfirming && a.status != AttemptUnresolved {
		return fmt.Errorf("%w: attempt %s is %s; only an open outcome holds a claimed transaction", ErrInvalidTransition, a.ID, a.status)
	}
	if a.TrxID == "" {
		a.TrxID = trxID
	}
	return nil
}

// Cancel: the customer cancelled on the gateway's page; redirected → cancelled.
func (a *Attempt) Cancel(now time.Time) error { return a.move(AttemptCancelled, now) }

// Unresolve: execute/verify gave no answer; confirming → unresolved, left to
// reconciliation.
func (a *Attempt) Unresolve(now time.Time) error { return a.move(AttemptUnresolved, now) }

// MaxCheckInterval caps the backoff between reconciliation checks.
const MaxCheckInterval = time.Hour

// ScheduleCheck records one more reconciliation check that left the attempt
// unresolved and sets the next: 1, 2, 4 … minutes, at most MaxCheckInterval.
func (a *Attempt) ScheduleCheck(now time.Time) {
	a.Checks++
	d := time.Minute << min(a.Checks-1, 6)
	a.NextCheckAt = now.Add(min(d, MaxCheckInterval))
}

// awaitOperator is the NextCheckAt of an unresolved attempt that
// reconciliation must never ask the gateway about (AwaitOperator): no check
// is ever due. It is stored as it is (next_check_at), so every store's
// "due for a check" filter leaves the attempt out without knowing of it.
var awaitOperator = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// AwaitOperator marks an unresolved attempt as answered but not settled:
// the gateway answered, yet its answer says neither paid nor not paid
// (bKash execute answering 2117 "already executed", where the rules forbid
// asking with query: docs/gateways/bkash.md §2.7). Reconciliation no longer
// asks the gateway about it; only an operator's review settles it.
// ErrInvalidTransition unless the attempt is unresolved.
func (a *Attempt) AwaitOperator() error {
	if a.status != AttemptUnresolved {
		return fmt.Errorf("%w: attempt %s is %s; only an unresolved attempt awaits an operator", ErrInvalidTransition, a.ID, a.status)
	}
	a.NextCheckAt = awaitOperator
	return nil
}

// AwaitingOperator reports whether the attempt is unresolved and marked by
// AwaitOperator: the gateway must not be asked about it again.
func (a *Attempt) AwaitingOperator() bool {
	return a.status == AttemptUnresolved && a.NextCheckAt.Equal(awaitOperator)
}

// Expire: the customer never came back; redirected → expired.
func (a *Attempt) Expire(now time.Time) error { return a.move(AttemptExpired, now) }
