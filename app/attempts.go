package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// StartAttempt opens a new attempt at gateway g for a pending payment and
// returns the gateway page to send the customer to (ARCHITECTURE.md §2 step
// 2). The attempt is stored before the gateway is called, so every call is
// traceable. Errors: domain.ErrNotFound, domain.ErrNotPayable (not pending or
// expired), domain.ErrGatewayUnavailable, *ports.GatewayError (the gateway
// refused), or a transport error.
func (s *Service) StartAttempt(ctx context.Context, transactionID string, g domain.Gateway) (string, error) {
	gw, err := s.gateway(g)
	if err != nil {
		return "", err
	}
	url, err := s.startAttempt(ctx, gw, transactionID)
	if errors.Is(err, ports.ErrTryNewAttempt) {
		// The gateway refused our credentials before doing anything and they
		// are renewed now: a fresh attempt (a new invoice number, never the
		// same create twice) may go through.
		s.log.Info("gateway refused stale credentials; opening a fresh attempt", "payment", transactionID, "gateway", g)
		url, err = s.startAttempt(ctx, gw, transactionID)
	}
	return url, err
}

// startAttempt stores one attempt, asks the gateway to create it and
// records the answer.
func (s *Service) startAttempt(ctx context.Context, gw ports.PaymentGateway, transactionID string) (string, error) {
	g := gw.Gateway()
	var (
		att   *domain.Attempt
		phone string
	)
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Get(ctx, transactionID, true)
		if err != nil {
			return err
		}
		if !p.Payable(s.clock.Now()) {
			return fmt.Errorf("%w: %s is %s", domain.ErrNotPayable, p.ID, p.Status())
		}
		phone = p.Order.CustomerPhone
		att = domain.NewAttempt(p, g, s.clock.Now())
		return tx.Attempts().Create(ctx, att)
	})
	if err != nil {
		return "", err
	}
	payer := ""
	if n, ok := NormalizeBDMobile(phone); ok {
		payer = "0" + n[3:] // bKash pre-fills the wallet field from an 01… number
	}
	res, callErr := gw.Create(ctx, ports.CreateRequest{AttemptID: att.ID, Amount: att.Amount, PayerReference: payer})
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().Get(ctx, att.ID, true)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if callErr != nil {
			code, msg := "CREATE_FAILED", "the gateway could not start the payment"
			var ge *ports.GatewayError
			if errors.As(callErr, &ge) {
				code, msg = ge.Code, ge.Message
			}
			if err := a.Fail(code, msg, now); err != nil {
				return err
			}
		} else if err := a.Redirect(res.GatewayRef, res.RedirectURL, res.Signature, now); err != nil {
			return err
		}
		return tx.Attempts().Update(ctx, a)
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

// CallbackResult is the settled state after a callback.
type CallbackResult struct {
	Payment *domain.Payment
	Attempt *domain.Attempt
}

// HandleCallback settles a gateway's return (ARCHITECTURE.md §2 step 3). The
// query string is never trusted. For a gateway whose Confirm moves money
// (bKash execute) only status=success leads to Confirm (bKash rule 5;
// rule 4: failure/cancel never execute). For a gateway that is a
// ports.CallbackVerifier (Nagad) every return goes to Confirm whatever its
// status says, and Confirm's verify decides; a return for an attempt left
// unresolved asks the gateway again (at most once per reconciliation
// interval). Only the gateway's answer moves the payment. The attempt is
// claimed under a row lock, so of any number of repeated or concurrent
// callbacks exactly one confirms; the others wait for and return the same
// outcome. Errors: domain.ErrNotFound for an unknown reference,
// domain.ErrGatewayUnavailable.
func (s *Service) HandleCallback(ctx context.Context, in CallbackInput) (CallbackResult, error) {
	gw, err := s.gateway(in.Gateway)
	if err != nil {
		return CallbackResult{}, err
	}
	verifies := confirmsEveryCallback(gw)
	var (
		res     CallbackResult
		claimed bool
		recheck bool
	)
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().GetByGatewayRef(ctx, in.Gateway, in.GatewayRef, true)
		if err != nil {
			return err
		}
		p, err := tx.Payments().Get(ctx, a.PaymentID, true)
		if err != nil {
			return err
		}
		res = CallbackResult{Payment: p, Attempt: a}
		now := s.clock.Now()
		if a.Status() != domain.AttemptRedirected {
			// Settled or being settled: report, never confirm twice. An
			// unresolved attempt of a verifying gateway is asked about again
			// once its next check is due (the customer may have finished).
			recheck = verifies && a.Status() == domain.AttemptUnresolved && !a.NextCheckAt.After(now)
			return nil
		}
		switch {
		case !verifies && in.Status == CallbackCancel:
			if err := a.Cancel(now); err != nil {
				return err
			}
		case !verifies && in.Status != CallbackSuccess:
			if err := a.Fail("CALLBACK_"+string(in.Status), "Payment failed", now); err != nil {
				return err
			}
		case !verifies && a.Signature != "" && in.Signature != "" && a.Signature != in.Signature:
			// bKash repeats the signature of its create response; a different
			// one is not bKash's redirect.
			if err := a.Fail("BAD_SIGNATURE", "Payment failed", now); err != nil {
				return err
			}
		case !verifies && !p.Payable(now):
			// Paid by another attempt, or expired: do not execute, no money moves.
			if err := a.Fail("NOT_PAYABLE", "This payment can no longer be paid", now); err != nil {
				return err
			}
		default:
			if err := s.claim(ctx, tx, p, a, now); err != nil {
				return err
			}
			claimed = true
		}
		if err := tx.Attempts().Update(ctx, a); err != nil {
			return err
		}
		return s.publish(ctx, tx, p, "")
	})
	if err != nil {
		return CallbackResult{}, err
	}
	switch {
	case claimed:
		return s.confirm(ctx, gw, res.Attempt, in.Params)
	case recheck:
		if _, err := s.resolveAttempt(ctx, res.Attempt.ID); err != nil {
			s.log.Warn("callback: ask the gateway about an unresolved attempt", "attempt", res.Attempt.ID, "err", err)
		}
		return s.attemptState(ctx, res.Attempt.ID)
	case res.Attempt.Status() == domain.AttemptConfirming:
		return s.waitSettled(ctx, res.Attempt.ID)
	}
	return res, nil
}

// confirmsEveryCallback reports whether gw wants every browser return
// confirmed (ports.CallbackVerifier).
func confirmsEveryCallback(gw ports.PaymentGateway) bool {
	cv, ok := gw.(ports.CallbackVerifier)
	return ok && cv.ConfirmsEveryCallback()
}

// claim takes a redirected attempt for confirmation under its row lock. The
// payment moves to processing when it is still payable; when it is not
// (paid by another attempt, or expired) it is left alone and only the
// attempt is confirmed: with gateways where money moves on the gateway's
// page the customer may have paid anyway, and the answer must be heard
// (applyOutcome flags it for review).
func (s *Service) claim(ctx context.Context, tx ports.Tx, p *domain.Payment, a *domain.Attempt, now time.Time) error {
	if err := a.Confirm(now); err != nil {
		return err
	}
	if p.Payable(now) {
		if err := p.StartProcessing(now); err != nil {
			return err
		}
		return tx.Payments().Update(ctx, p)
	}
	return nil
}

// confirm asks the gateway for the outcome of a claimed attempt and applies
// it in one transaction. callback holds the browser return's parameters.
func (s *Service) confirm(ctx context.Context, gw ports.PaymentGateway, a *domain.Attempt, callback map[string]string) (CallbackResult, error) {
	out, callErr := gw.Confirm(ctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount, Callback: callback})
	if callErr != nil {
		s.log.Error("confirm attempt", "attempt", a.ID, "err", callErr)
		out = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	}
	// The gateway has answered: apply it even if the browser went away.
	ctx = context.WithoutCancel(ctx)
	var res CallbackResult
	apply := func(out ports.ConfirmResult) error {
		return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			res, err = s.applyOutcome(ctx, tx, a.ID, out)
			return err
		})
	}
	err := apply(out)
	if errors.Is(err, domain.ErrDuplicate) && out.TrxID != "" {
		// Another attempt took the same gateway transaction between our
		// check and our write (the unique index caught it).
		s.log.Error("gateway transaction already settles another attempt", "attempt", a.ID, "trx_id", out.TrxID)
		err = apply(duplicateTrx(out.TrxID))
	}
	return res, err
}

// duplicateTrx is the outcome of an attempt whose gateway transaction
// already settles another attempt: failed here, and flagged.
func duplicateTrx(trxID string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: domain.ReviewDuplicateTrx, Review: domain.ReviewDuplicateTrx,
		Message: "The gateway transaction " + trxID + " already settles another payment; an operator will review it."}
}

// attemptState reads an attempt and its payment.
func (s *Service) attemptState(ctx context.Context, attemptID string) (CallbackResult, error) {
	var res CallbackResult
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().Get(ctx, attemptID, false)
		if err != nil {
			return err
		}
		p, err := tx.Payments().Get(ctx, a.PaymentID, false)
		if err != nil {
			return err
		}
		res = CallbackResult{Payment: p, Attempt: a}
		return nil
	})
	return res, err
}

// applyOutcome moves an attempt in confirming or unresolved, and its
// payment, by the gateway's answer; on success it also queues the customer's
// SMS. A gateway transaction already held by another attempt fails this one
// (one transaction settles one payment); an unknown outcome keeps the
// transaction claimed, if any, on the attempt; an outcome with Review set,
// or money moved on a payment no longer processing, opens a review. Used by
// callbacks, returns, reconciliation and reviews.
func (s *Service) applyOutcome(ctx context.Context, tx ports.Tx, attemptID string, out ports.ConfirmResult) (CallbackResult, error) {
	a, err := tx.Attempts().Get(ctx, attemptID, true)
	if err != nil {
		return CallbackResult{}, err
	}
	p, err := tx.Payments().Get(ctx, a.PaymentID, true)
	if err != nil {
		return CallbackResult{}, err
	}
	if out.TrxID != "" && out.Outcome != ports.OutcomeFailed {
		other, err := tx.Attempts().GetByTrxID(ctx, a.Gateway, out.TrxID)
		switch {
		case err == nil && other.ID != a.ID:
			s.log.Error("gateway transaction already settles another attempt",
				"attempt", a.ID, "other_attempt", other.ID, "trx_id", out.TrxID)
			out = duplicateTrx(out.TrxID)
		case err != nil && !errors.Is(err, domain.ErrNotFound):
			return CallbackResult{}, err
		}
	}
	now := s.clock.Now()
	review, claimedTrx := out.Review, a.TrxID
	var ev domain.EventType
	switch out.Outcome {
	case ports.OutcomeSucceeded:
		if err := a.Succeed(out.TrxID, now); err != nil {
			return CallbackResult{}, err
		}
		if err := p.Succeed(a.Gateway, a.GatewayRef, out.TrxID, now); err != nil {
			// Money moved on an attempt whose payment is no longer
			// processing: keep the trxID on the attempt for an operator.
			s.log.Error("attempt succeeded on a payment that is not processing",
				"attempt", a.ID, "payment", p.ID, "status", p.Status(), "trx_id", out.TrxID)
			if review == "" {
				review = domain.ReviewPaidNotPayable
				out.Message = fmt.Sprintf("The gateway reports transaction %s paid, but payment %s is %s: refund or settle it by hand.",
					out.TrxID, p.ID, p.Status())
			}
		} else if err := s.queuePaymentSMS(ctx, tx, p, TemplatePaymentSuccess, domain.Money{}); err != nil {
			return CallbackResult{}, err
		} else {
			ev = domain.EventPaymentSuccess
		}
	case ports.OutcomeFailed:
		if err := a.Fail(out.Code, out.Message, now); err != nil {
			return CallbackResult{}, err
		}
		// A failed attempt holds no transaction: a claimed one is released
		// (kept on the review, if any), so a transaction put on the wrong
		// attempt cannot block the attempt it belongs to.
		a.TrxID = ""
		if p.Status() == domain.StatusProcessing {
			if err := p.Reopen(now); err != nil {
				return CallbackResult{}, err
			}
		}
	default:
		if a.Status() == domain.AttemptConfirming {
			if err := a.Unresolve(now); err != nil {
				return CallbackResult{}, err
			}
		}
		if a.TrxID == "" && out.TrxID != "" {
			// A claimed transaction (the redirect gateway's transaction_id)
			// is held by this attempt until settled: no other attempt can
			// claim it meanwhile.
			a.TrxID = out.TrxID
		}
	}
	if err := tx.Attempts().Update(ctx, a); err != nil {
		return CallbackResult{}, err
	}
	if err := tx.Payments().Update(ctx, p); err != nil {
		return CallbackResult{}, err
	}
	if review != "" {
		trx := out.TrxID
		if trx == "" {
			trx = claimedTrx
		}
		s.log.Warn("attempt flagged for review", "attempt", a.ID, "payment", p.ID, "reason", review, "trx_id", trx)
		if err := tx.Reviews().Open(ctx, domain.NewReview(a, review, out.Message, trx, now)); err != nil {
			return CallbackResult{}, err
		}
	}
	if err := s.publish(ctx, tx, p, ev); err != nil {
		return CallbackResult{}, err
	}
	return CallbackResult{Payment: p, Attempt: a}, nil
}

// waitSettled polls an attempt that another request is confirming until it
// leaves confirming or ConfirmWait passes, and returns what it sees then.
func (s *Service) waitSettled(ctx context.Context, attemptID string) (CallbackResult, error) {
	deadline := time.Now().Add(s.cfg.ConfirmWait)
	for {
		var res CallbackResult
		err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			a, err := tx.Attempts().Get(ctx, attemptID, false)
			if err != nil {
				return err
			}
			p, err := tx.Payments().Get(ctx, a.PaymentID, false)
			if err != nil {
				return err
			}
			res = CallbackResult{Payment: p, Attempt: a}
			return nil
		})
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

// HandleReturn settles a signed browser return (ARCHITECTURE.md §2 step 3,
// redirect gateway): the gateway sends back no reference of its own, so the
// attempt is the one the return's signature names. The signature is checked
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
func (s *Service) HandleReturn(ctx context.Context, in ReturnInput) (CallbackResult, error) {
	gw, err := s.gateway(in.Gateway)
	if err != nil {
		return CallbackResult{}, err
	}
	rv, ok := gw.(ports.ReturnVerifier)
	if !ok {
		return CallbackResult{}, fmt.Errorf("%w: %s has no signed returns", domain.ErrNotFound, in.Gateway)
	}
	sr, err := rv.VerifyReturn(in.Query, s.clock.Now())
	if err != nil {
		s.log.Warn("gateway return refused", "gateway", in.Gateway, "err", err)
		return CallbackResult{}, err
	}
	if sr.Kind != in.Kind {
		return CallbackResult{}, fmt.Errorf("%w: a %s return at the %s route", ports.ErrBadReturn, sr.Kind, in.Kind)
	}
	var (
		res     CallbackResult
		claimed bool
	)
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().Get(ctx, sr.AttemptID, true)
		if err != nil {
			return err
		}
		if a.Gateway != in.Gateway || !a.Amount.Equal(sr.Amount) {
			return fmt.Errorf("%w: the return does not fit attempt %s", ports.ErrBadReturn, a.ID)
		}
		p, err := tx.Payments().Get(ctx, a.PaymentID, true)
		if err != nil {
			return err
		}
		res = CallbackResult{Payment: p, Attempt: a}
		if a.Status() != domain.AttemptRedirected {
			return fmt.Errorf("%w (attempt %s is %s)", ErrReturnUsed, a.ID, a.Status())
		}
		now := s.clock.Now()
		if sr.Kind == ports.ReturnCancel {
			if err := a.Cancel(now); err != nil {
				return err
			}
		} else {
			other, err := tx.Attempts().GetByTrxID(ctx, a.Gateway, sr.TransactionID)
			switch {
			case err == nil:
				s.log.Error("gateway return replays a transaction of another attempt: refused",
					"attempt", a.ID, "other_attempt", other.ID, "trx_id", sr.TransactionID)
				return fmt.Errorf("%w (transaction %s)", ErrTrxReused, sr.TransactionID)
			case !errors.Is(err, domain.ErrNotFound):
				return err
			}
			if err := s.claim(ctx, tx, p, a, now); err != nil {
				return err
			}
			// The attempt holds the claimed transaction from now on: a crash
			// before the answer keeps it for reconciliation, and the unique
			// index refuses a concurrent claim of it by another attempt.
			a.TrxID = sr.TransactionID
			claimed = true
		}
		if err := tx.Attempts().Update(ctx, a); err != nil {
			return err
		}
		return s.publish(ctx, tx, p, "")
	})
	if errors.Is(err, domain.ErrDuplicate) && claimed {
		return res, fmt.Errorf("%w (transaction %s, claimed concurrently)", ErrTrxReused, sr.TransactionID)
	}
	if err != nil || !claimed {
		return res, err
	}
	return s.confirm(ctx, gw, res.Attempt, flatten(in.Query))
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
