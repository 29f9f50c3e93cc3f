package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Attempts runs a payment's tries at the gateways: it opens an attempt and
// sends the customer to the gateway, then settles the gateway's browser
// return (a callback, or a signed return) exactly once.
type Attempts struct {
	tx          ports.TxProvider
	clock       ports.Clock
	log         *slog.Logger
	gateways    *Gateways
	settle      *settler
	pub         publisher
	confirmWait time.Duration // how long a repeated callback waits for a confirm in flight
}

// Start opens a new attempt at gateway g for a pending payment and
// returns the gateway page to send the customer to (docs/architecture.md
// §4, step 2). The attempt is stored before the gateway is called, so every
// call is traceable. Errors: domain.ErrNotFound, domain.ErrNotPayable (not pending or
// expired), domain.ErrGatewayUnavailable, ErrGatewayDisabled (an operator
// switched g off: app/gatewayswitch.go), *domain.ValidationError on
// "amount" when g does not take the payment's amount (its limits; no
// attempt, no gateway call), *ports.GatewayError (the gateway refused), or
// a transport error.
func (s *Attempts) Start(ctx context.Context, transactionID string, g domain.Gateway) (string, error) {
	gw, err := s.gateways.get(g)
	if err != nil {
		return "", err
	}
	if err := s.gateways.checkEnabled(ctx, g); err != nil {
		return "", err // no attempt, no gateway call
	}
	url, err := s.start(ctx, gw, transactionID)
	if errors.Is(err, ports.ErrTryNewAttempt) {
		// The gateway refused our credentials before doing anything and they
		// are renewed now: a fresh attempt (a new invoice number, never the
		// same create twice) may go through.
		s.log.Info("gateway refused stale credentials; opening a fresh attempt", "payment", transactionID, "gateway", g)
		url, err = s.start(ctx, gw, transactionID)
	}
	return url, err
}

// startAttempt stores one attempt, asks the gateway to create it and
// records the answer.
func (s *Attempts) start(ctx context.Context, gw ports.PaymentGateway, transactionID string) (string, error) {
	g := gw.Gateway()
	var (
		att   *domain.Attempt
		phone string
		order domain.Order
	)
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Payments().Update(ctx, transactionID, func(p *domain.Payment) error {
			if !p.Payable(s.clock.Now()) {
				return fmt.Errorf("%w: %s is %s", domain.ErrNotPayable, p.ID, p.Status())
			}
			if err := s.gateways.checkAmount(g, p.Amount); err != nil {
				return err // no attempt, no gateway call
			}
			c, err := tx.Clients().Get(ctx, p.Order.ClientID)
			if err != nil {
				return err
			}
			if !c.Active() {
				return ErrMerchantSuspended // no attempt, no gateway call
			}
			phone, order = p.Order.CustomerPhone, p.Order
			att = domain.NewAttempt(p, g, s.clock.Now())
			return tx.Attempts().Create(ctx, att)
		})
	})
	if err != nil {
		return "", err
	}
	payer, _ := domain.NationalMobile(phone) // bKash pre-fills the wallet field from an 01… number; "" if none
	res, callErr := gw.Create(ctx, ports.CreateRequest{AttemptID: att.ID, Amount: att.Amount, PayerReference: payer,
		Customer: ports.Customer{Name: order.CustomerName, Email: order.CustomerEmail, Phone: order.CustomerPhone},
		OrderID:  order.OrderID, PaymentID: att.PaymentID})
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, att.ID, func(_ *domain.Payment, a *domain.Attempt) error {
			now := s.clock.Now()
			if callErr != nil {
				code, msg := "CREATE_FAILED", "the gateway could not start the payment"
				var ge *ports.GatewayError
				if errors.As(callErr, &ge) {
					code, msg = ge.Code, ge.Message
				}
				return a.Fail(code, msg, now)
			}
			return a.Redirect(res.GatewayRef, res.RedirectURL, res.Signature, now)
		})
	})
	if callErr != nil {
		return "", fmt.Errorf("start %s attempt for %s: %w", g, transactionID, callErr)
	}
	if err != nil {
		return "", err
	}
	return res.RedirectURL, nil
}

// CallbackStatus is what the gateway's browser redirect claims.
type CallbackStatus string

// Callback statuses (bKash: status=success|failure|cancel).
const (
	CallbackSuccess CallbackStatus = "success"
	CallbackFailure CallbackStatus = "failure"
	CallbackCancel  CallbackStatus = "cancel"
)

// CallbackInput is a gateway's return of the customer's browser.
type CallbackInput struct {
	Gateway    domain.Gateway
	GatewayRef string // bKash paymentID, Nagad payment_ref_id
	Status     CallbackStatus
	Signature  string // bKash signature, "" if none
	// Params are the return's query parameters as received (first value of
	// each), handed to the gateway's Confirm as claims to check.
	Params map[string]string
}

// HandleCallback settles a gateway's return (docs/architecture.md §4, step
// 3). The query string is never trusted. For a gateway whose Confirm moves
// money (bKash execute) only status=success leads to Confirm (failure and
// cancel never execute: docs/gateways/bkash.md §2.4, §2.5). For a gateway
// that is a
// ports.CallbackVerifier (Nagad) every return goes to Confirm whatever its
// status says, and Confirm's verify decides; a return for an attempt left
// unresolved asks the gateway again (at most once per reconciliation
// interval). Only the gateway's answer moves the payment. The attempt is
// claimed under a row lock, so of any number of repeated or concurrent
// callbacks exactly one confirms; the others wait for and return the same
// outcome. A gateway that signs its callbacks (ports.CallbackAuthenticator:
// SSLCommerz) has the signature checked first; a bad one is refused with
// ports.ErrBadReturn and changes nothing. Errors: domain.ErrNotFound for an
// unknown reference, domain.ErrGatewayUnavailable, ports.ErrBadReturn.
func (s *Attempts) HandleCallback(ctx context.Context, in CallbackInput) (AttemptResult, error) {
	gw, err := s.gateways.get(in.Gateway)
	if err != nil {
		return AttemptResult{}, err
	}
	verifies := confirmsEveryCallback(gw)
	if ca, ok := gw.(ports.CallbackAuthenticator); ok {
		if err := ca.AuthenticateCallback(in.Params); err != nil {
			s.log.Warn("gateway callback refused", "gateway", in.Gateway, "ref", in.GatewayRef, "err", err)
			return AttemptResult{}, err
		}
	}
	var (
		res     AttemptResult
		claimed bool
		recheck bool
		late    bool
	)
	found, err := s.findByRef(ctx, in.Gateway, in.GatewayRef)
	if err != nil {
		return AttemptResult{}, err
	}
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		claimed, recheck, late = false, false, false
		return tx.Attempts().Update(ctx, found, func(p *domain.Payment, a *domain.Attempt) error {
			res = AttemptResult{Payment: p, Attempt: a}
			now := s.clock.Now()
			if a.Status() != domain.AttemptRedirected {
				// Settled or being settled: report, never confirm twice. An
				// unresolved attempt of a verifying gateway is asked about
				// again once its next check is due (the customer may have
				// finished).
				recheck = verifies && a.Status() == domain.AttemptUnresolved && !a.NextCheckAt.After(now)
				// A verifying gateway's customer back after the attempt
				// expired may have paid meanwhile: ask, and open a review
				// if so (docs/gateways/nagad.md §7.6).
				late = verifies && (a.Status() == domain.AttemptExpired || a.Status() == domain.AttemptFailed)
				return nil
			}
			var err error
			switch {
			case !verifies && in.Status == CallbackCancel:
				err = a.Cancel(now)
			case !verifies && in.Status != CallbackSuccess:
				err = a.Fail("CALLBACK_"+string(in.Status), "Payment failed", now)
			case !verifies && a.Signature != "" && in.Signature != "" && a.Signature != in.Signature:
				// bKash repeats the signature of its create response; a
				// different one is not bKash's redirect.
				err = a.Fail("BAD_SIGNATURE", "Payment failed", now)
			case !verifies && !p.Payable(now):
				// Paid by another attempt, or expired: do not execute, no
				// money moves.
				err = a.Fail("NOT_PAYABLE", "This payment can no longer be paid", now)
			default:
				err = claim(p, a, now, "")
				claimed = err == nil
			}
			if err != nil {
				return err
			}
			return s.pub.publish(ctx, tx, p, "")
		})
	})
	if err != nil {
		return AttemptResult{}, err
	}
	switch {
	case claimed:
		return s.settle.confirm(ctx, gw, res.Attempt, in.Params)
	case late:
		out, err := gw.Confirm(ctx, ports.ConfirmRequest{AttemptID: res.Attempt.ID, GatewayRef: res.Attempt.GatewayRef,
			Amount: res.Attempt.Amount, Callback: in.Params})
		if err == nil {
			err = s.settle.lateAnswer(ctx, res.Attempt.ID, out)
		}
		if err != nil {
			s.log.Warn("callback: ask the gateway about an expired attempt", "attempt", res.Attempt.ID, "err", err)
		}
		return res, nil
	case recheck:
		if _, err := s.settle.resolve(ctx, res.Attempt.ID); err != nil {
			s.log.Warn("callback: ask the gateway about an unresolved attempt", "attempt", res.Attempt.ID, "err", err)
		}
		return s.settle.state(ctx, res.Attempt.ID)
	case res.Attempt.Status() == domain.AttemptConfirming:
		return s.waitSettled(ctx, res.Attempt.ID)
	}
	return res, nil
}

// findByRef returns the ID of the attempt a gateway knows by ref.
func (s *Attempts) findByRef(ctx context.Context, g domain.Gateway, ref string) (string, error) {
	var id string
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().GetByGatewayRef(ctx, g, ref)
		if err == nil {
			id = a.ID
		}
		return err
	})
	return id, err
}

// confirmsEveryCallback reports whether gw wants every browser return
// confirmed (ports.CallbackVerifier).
func confirmsEveryCallback(gw ports.PaymentGateway) bool {
	cv, ok := gw.(ports.CallbackVerifier)
	return ok && cv.ConfirmsEveryCallback()
}

// claim takes a redirected attempt for confirmation, holding trxID when the
// return brought one. A pending payment moves to processing — even past its
// ExpiresAt: claim is reached only where the gateway's answer is about money
// that may already have moved (a verifying gateway's return, a signed
// return, an abandoned attempt asked about), never for bKash's execute on
// an expired payment, which HandleCallback refuses first. A payment no
// longer pending (paid by another attempt, expired, cancelled) is left
// alone: the answer is still heard and a paid one opens a review.
func claim(p *domain.Payment, a *domain.Attempt, now time.Time, trxID string) error {
	var err error
	if trxID != "" {
		err = a.ClaimReturn(trxID, now)
	} else {
		err = a.Confirm(now)
	}
	if err != nil || p.Status() != domain.StatusPending {
		return err
	}
	if p.Payable(now) {
		return p.StartProcessing(now)
	}
	return p.AwaitGateway(now)
}

// waitSettled polls an attempt that another request is confirming until it
// leaves confirming or ConfirmWait passes, and returns what it sees then.
func (s *Attempts) waitSettled(ctx context.Context, attemptID string) (AttemptResult, error) {
	deadline := time.Now().Add(s.confirmWait)
	for {
		res, err := s.settle.state(ctx, attemptID)
		if err != nil || res.Attempt.Status() != domain.AttemptConfirming || time.Now().After(deadline) {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ReturnInput is a browser return to one of paycore's signed return routes
// (the redirect gateway's success_url and cancel_url).
type ReturnInput struct {
	Gateway domain.Gateway
	Kind    ports.ReturnKind    // the route it arrived at
	Query   map[string][]string // its query, as received
}

// Refusals of HandleReturn, besides ports.ErrBadReturn and
// ports.ErrReturnExpired.
var (
	// ErrReturnUsed: the attempt the return names is no longer waiting for
	// its customer (already settled, being settled, or expired): a replayed
	// or repeated return changes nothing.
	ErrReturnUsed = fmt.Errorf("%w: this payment return was already used", domain.ErrInvalidTransition)
	// ErrTrxReused: the return brings a gateway transaction that already
	// settles (or is claimed by) another attempt: one gateway transaction
	// pays one payment at most.
	ErrTrxReused = fmt.Errorf("%w: the gateway transaction already belongs to another payment", domain.ErrDuplicate)
)

// HandleReturn settles a signed browser return (docs/architecture.md §4,
// step 3; docs/gateways/redirectgw.md §3.3): the gateway sends back no
// reference of its own, so the attempt is the one the return's signature
// names. The signature is checked
// by the gateway's ports.ReturnVerifier (HMAC in constant time, expiry);
// then, under the attempt's row lock, a return for an attempt that is no
// longer redirected is refused (ErrReturnUsed), a cancel return cancels the
// attempt (the payment stays pending), and a success return whose
// transaction_id is already held by another attempt is refused
// (ErrTrxReused) without touching this one. Otherwise the attempt is
// claimed and Confirm decides (verify, or an unverified claim left
// processing for review). Errors: ports.ErrBadReturn, ports.ErrReturnExpired,
// ErrReturnUsed, ErrTrxReused, domain.ErrNotFound, domain.ErrGatewayUnavailable.
// With ErrReturnUsed the result still names the attempt and its payment.
func (s *Attempts) HandleReturn(ctx context.Context, in ReturnInput) (AttemptResult, error) {
	gw, err := s.gateways.get(in.Gateway)
	if err != nil {
		return AttemptResult{}, err
	}
	rv, ok := gw.(ports.ReturnVerifier)
	if !ok {
		return AttemptResult{}, fmt.Errorf("%w: %s has no signed returns", domain.ErrNotFound, in.Gateway)
	}
	sr, err := rv.VerifyReturn(in.Query, s.clock.Now())
	if err != nil {
		s.log.Warn("gateway return refused", "gateway", in.Gateway, "err", err)
		return AttemptResult{}, err
	}
	if sr.Kind != in.Kind {
		return AttemptResult{}, fmt.Errorf("%w: a %s return at the %s route", ports.ErrBadReturn, sr.Kind, in.Kind)
	}
	var (
		res     AttemptResult
		claimed bool
	)
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		claimed = false
		return tx.Attempts().Update(ctx, sr.AttemptID, func(p *domain.Payment, a *domain.Attempt) error {
			if a.Gateway != in.Gateway || !a.Amount.Equal(sr.Amount) {
				return fmt.Errorf("%w: the return does not fit attempt %s", ports.ErrBadReturn, a.ID)
			}
			res = AttemptResult{Payment: p, Attempt: a}
			if a.Status() != domain.AttemptRedirected {
				return fmt.Errorf("%w (attempt %s is %s)", ErrReturnUsed, a.ID, a.Status())
			}
			now := s.clock.Now()
			if sr.Kind == ports.ReturnCancel {
				if err := a.Cancel(now); err != nil {
					return err
				}
				return s.pub.publish(ctx, tx, p, "")
			}
			other, err := tx.Attempts().GetByTrxID(ctx, a.Gateway, sr.TransactionID)
			switch {
			case err == nil:
				s.log.Error("gateway return replays a transaction of another attempt: refused",
					"attempt", a.ID, "other_attempt", other.ID, "trx_id", sr.TransactionID)
				return fmt.Errorf("%w (transaction %s)", ErrTrxReused, sr.TransactionID)
			case !errors.Is(err, domain.ErrNotFound):
				return err
			}
			// The attempt holds the claimed transaction from now on: a crash
			// before the answer keeps it for reconciliation, and the unique
			// index refuses a concurrent claim of it by another attempt.
			if err := claim(p, a, now, sr.TransactionID); err != nil {
				return err
			}
			claimed = true
			return s.pub.publish(ctx, tx, p, "")
		})
	})
	if errors.Is(err, ErrReturnUsed) && sr.Kind == ports.ReturnSuccess && res.Attempt != nil &&
		(res.Attempt.Status() == domain.AttemptExpired || res.Attempt.Status() == domain.AttemptFailed) {
		s.lateReturn(ctx, gw, res.Attempt, sr.TransactionID)
	}
	if errors.Is(err, domain.ErrDuplicate) && claimed {
		return res, fmt.Errorf("%w (transaction %s, claimed concurrently)", ErrTrxReused, sr.TransactionID)
	}
	if err != nil || !claimed {
		return res, err
	}
	return s.settle.confirm(ctx, gw, res.Attempt, flatten(in.Query))
}

// lateReturn asks the gateway about a correctly signed success return that
// arrived after its attempt expired: money may have moved on the gateway's
// page, so a paid answer — or a claim nobody can verify — opens an operator
// review; it never settles the expired attempt.
func (s *Attempts) lateReturn(ctx context.Context, gw ports.PaymentGateway, a *domain.Attempt, trxID string) {
	out := ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trxID, Review: domain.ReviewPaidAfterExpiry,
		Message: "a signed success return arrived after the attempt expired"}
	if rv, ok := gw.(ports.Resolver); ok {
		got, err := rv.Resolve(ctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount, ClaimedTrxID: trxID})
		if err == nil && (got.Outcome == ports.OutcomeSucceeded || got.Outcome == ports.OutcomeFailed && got.Review == "") {
			out = got // the gateway answered: paid opens a review, not paid changes nothing
		}
	}
	if err := s.settle.lateAnswer(ctx, a.ID, out); err != nil {
		s.log.Warn("late return: open a review", "attempt", a.ID, "err", err)
	}
}

// flatten keeps the first value of each query parameter.
func flatten(q map[string][]string) map[string]string {
	out := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
