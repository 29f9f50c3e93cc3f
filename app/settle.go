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

// settler applies what a gateway says about an attempt — from a callback,
// a signed return, reconciliation, a gateway webhook or an operator's
// decision — to the attempt and its payment. It is the one place where a
// gateway's answer moves money's state.
type settler struct {
	tx       ports.TxProvider
	clock    ports.Clock
	log      *slog.Logger
	gateways *Gateways
	pub      publisher
	sms      smsQueue
	// confirmTimeout bounds one Confirm (execute, then query where it had
	// no answer), detached from the customer's request.
	confirmTimeout time.Duration
}

// CodeGatewayNotSent is the failure code of an attempt whose confirm never
// reached the gateway (ports.ErrNotSent).
const CodeGatewayNotSent = "GATEWAY_NOT_SENT"

// AttemptResult is an attempt and its payment as they stand after a use
// case.
type AttemptResult struct {
	Payment *domain.Payment
	Attempt *domain.Attempt
}

// confirm asks the gateway for the outcome of an attempt claimed for
// confirmation (bKash execute, Nagad verify, redirect gateway verify) and
// applies it. callback holds the browser return's parameters. The answer is
// applied even when the customer's request has gone away.
func (s *settler) confirm(ctx context.Context, gw ports.PaymentGateway, a *domain.Attempt, callback map[string]string) (AttemptResult, error) {
	// The call outlives the customer's request: a shopper who closes the tab
	// mid-execute must not turn a completed payment into an unresolved one
	// (docs/gateways/bkash.md §2.9). It gets its own deadline instead.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.confirmTimeout)
	defer cancel()
	out, callErr := gw.Confirm(cctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount,
		Callback: callback, ClaimedTrxID: a.TrxID})
	switch {
	case errors.Is(callErr, ports.ErrNotSent):
		// Nothing reached the gateway (bKash: no id_token while its token
		// calls back off): no money moved, the customer may try again.
		s.log.Error("confirm attempt: the gateway call was not sent", "attempt", a.ID, "err", callErr)
		out = ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeGatewayNotSent,
			Message: "The payment service is temporarily unavailable and nothing was charged. Please try again in a few minutes."}
	case callErr != nil:
		s.log.Error("confirm attempt", "attempt", a.ID, "err", callErr)
		out = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	}
	return s.apply(context.WithoutCancel(ctx), a.ID, out)
}

// apply applies a gateway's answer in its own transaction. A transaction
// another attempt took between our check and our write (the store's unique
// index) fails this attempt for review instead.
func (s *settler) apply(ctx context.Context, attemptID string, out ports.ConfirmResult) (AttemptResult, error) {
	var res AttemptResult
	run := func(out ports.ConfirmResult) error {
		return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			res, err = s.applyTrx(ctx, tx, attemptID, out, false)
			return err
		})
	}
	err := run(out)
	if errors.Is(err, domain.ErrDuplicate) && out.TrxID != "" {
		s.log.Error("gateway transaction already settles another attempt", "attempt", attemptID, "trx_id", out.TrxID)
		err = run(duplicateTrx(out.TrxID))
	}
	return res, err
}

// applyAbandoned settles an attempt whose customer never came back by the
// gateway's answer to CheckAbandoned (paid, or a mismatch for review): the
// attempt is claimed as a callback would claim it, and the answer applied,
// in one transaction. An attempt no longer redirected (a late callback got
// there first) is left to what settled it.
func (s *settler) applyAbandoned(ctx context.Context, attemptID string, out ports.ConfirmResult) error {
	run := func(out ports.ConfirmResult) error {
		return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			claimed := false
			err := tx.Attempts().Update(ctx, attemptID, func(p *domain.Payment, a *domain.Attempt) error {
				if a.Status() != domain.AttemptRedirected {
					return nil
				}
				claimed = true
				return claim(p, a, s.clock.Now(), "")
			})
			if err != nil || !claimed {
				return err
			}
			_, err = s.applyTrx(ctx, tx, attemptID, out, false)
			return err
		})
	}
	err := run(out)
	if errors.Is(err, domain.ErrDuplicate) && out.TrxID != "" {
		err = run(duplicateTrx(out.TrxID))
	}
	return err
}

// lateAnswer handles what a gateway says about an attempt that has already
// ended without money (expired, or failed — a lost return): money moved (or a correctly signed return claims it did) opens an
// operator review with the transaction; anything else changes nothing. The
// attempt and its payment stay as they are.
func (s *settler) lateAnswer(ctx context.Context, attemptID string, out ports.ConfirmResult) error {
	if out.Outcome != ports.OutcomeSucceeded && out.Review == "" {
		return nil
	}
	return s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, attemptID, func(p *domain.Payment, a *domain.Attempt) error {
			if a.Status() != domain.AttemptExpired && a.Status() != domain.AttemptFailed {
				return nil
			}
			if r, err := tx.Reviews().Get(ctx, a.ID); err == nil && r.Status == domain.ReviewOpen {
				return nil // an operator already has this attempt in hand
			} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return err
			}
			msg := fmt.Sprintf("The gateway reports transaction %s paid for attempt %s, which had %s (payment %s is %s): refund or settle it by hand.",
				out.TrxID, a.ID, a.Status(), p.ID, p.Status())
			if out.Outcome != ports.OutcomeSucceeded {
				msg = fmt.Sprintf("After attempt %s expired, the gateway's answer needs an operator (%s): %s", a.ID, out.Review, out.Message)
			}
			s.log.Error("gateway reports money moved on an expired attempt: operator review",
				"attempt", a.ID, "payment", p.ID, "trx_id", out.TrxID)
			return tx.Reviews().Open(ctx, domain.NewReview(a, domain.ReviewPaidAfterExpiry, msg, out.TrxID, s.clock.Now()))
		})
	})
}

// duplicateTrx is the outcome of an attempt whose gateway transaction
// already settles another attempt: failed here, and flagged with a review
// naming that transaction (the failed attempt itself holds none).
func duplicateTrx(trxID string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: domain.ReviewDuplicateTrx, Review: domain.ReviewDuplicateTrx,
		TrxID: trxID, Message: "The gateway transaction " + trxID + " already settles another payment; an operator will review it."}
}

// reviewAwaitOperator is the review reason of an attempt a gateway left
// awaiting an operator without naming a reason of its own.
const reviewAwaitOperator = "AWAIT_OPERATOR"

// applyIn moves an attempt in confirming or unresolved, and its payment,
// by the gateway's answer inside tx, under the payment's and then the
// attempt's row lock; on success it also queues the customer's SMS and the
// payment.success event. A gateway transaction already held by another
// attempt fails this one (one transaction settles one payment); an unknown
// outcome keeps the transaction claimed, if any, on the attempt; an outcome
// with Review set, or money moved on a payment no longer processing, opens
// a review.
func (s *settler) applyIn(ctx context.Context, tx ports.Tx, attemptID string, out ports.ConfirmResult) (AttemptResult, error) {
	return s.applyTrx(ctx, tx, attemptID, out, true)
}

// applyTrx is applyIn; with checkTrx false it does not look for another
// attempt holding out.TrxID first (one query fewer), so such a transaction
// fails the whole transaction with domain.ErrDuplicate (the store's unique
// index): for callers that then apply duplicateTrx in a new one (apply,
// applyAbandoned), with the same outcome as the check.
func (s *settler) applyTrx(ctx context.Context, tx ports.Tx, attemptID string, out ports.ConfirmResult, checkTrx bool) (AttemptResult, error) {
	var res AttemptResult
	err := tx.Attempts().Update(ctx, attemptID, func(p *domain.Payment, a *domain.Attempt) error {
		res = AttemptResult{Payment: p, Attempt: a}
		if checkTrx && out.TrxID != "" && out.Outcome != ports.OutcomeFailed {
			other, err := tx.Attempts().GetByTrxID(ctx, a.Gateway, out.TrxID)
			switch {
			case err == nil && other.ID != a.ID:
				s.log.Error("gateway transaction already settles another attempt",
					"attempt", a.ID, "other_attempt", other.ID, "trx_id", out.TrxID)
				out = duplicateTrx(out.TrxID)
			case err != nil && !errors.Is(err, domain.ErrNotFound):
				return err
			}
		}
		now := s.clock.Now()
		review, claimedTrx := out.Review, a.TrxID
		var ev domain.EventType
		switch out.Outcome {
		case ports.OutcomeSucceeded:
			if err := a.Succeed(out.TrxID, now); err != nil {
				return err
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
			} else if err := s.sms.queue(ctx, tx, p, TemplatePaymentSuccess, domain.Money{}); err != nil {
				return err
			} else {
				ev = domain.EventPaymentSuccess
			}
		case ports.OutcomeFailed:
			if err := a.Fail(out.Code, out.Message, now); err != nil {
				return err
			}
			if p.Status() == domain.StatusProcessing {
				if err := p.Reopen(now); err != nil {
					return err
				}
			}
		default:
			if a.Status() == domain.AttemptConfirming {
				if err := a.Unresolve(now); err != nil {
					return err
				}
			}
			if out.TrxID != "" {
				if err := a.HoldTrx(out.TrxID); err != nil {
					return err
				}
			}
			if out.AwaitOperator && a.Status() == domain.AttemptUnresolved {
				// Answered, not settled: never asked about again, the
				// review (opened below) settles it.
				if err := a.AwaitOperator(); err != nil {
					return err
				}
				if review == "" {
					review = reviewAwaitOperator
				}
			}
		}
		if review != "" {
			trx := out.TrxID
			if trx == "" {
				trx = claimedTrx
			}
			s.log.Warn("attempt flagged for review", "attempt", a.ID, "payment", p.ID, "reason", review, "trx_id", trx)
			if err := tx.Reviews().Open(ctx, domain.NewReview(a, review, out.Message, trx, now)); err != nil {
				return err
			}
		}
		return s.pub.publish(ctx, tx, p, ev)
	})
	return res, err
}

// resolve asks the gateway about one unresolved (or stuck confirming)
// attempt and applies a final answer; it reports whether the attempt is
// settled. An answer that is still unknown schedules the next check (1, 2,
// 4 … 60 minutes).
func (s *settler) resolve(ctx context.Context, attemptID string) (bool, error) {
	var a *domain.Attempt
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, attemptID, func(_ *domain.Payment, cur *domain.Attempt) error {
			a = cur
			if cur.Status() == domain.AttemptConfirming {
				// A node died between claiming and applying: execute may
				// have been sent, so treat it as an execute without an
				// answer.
				return cur.Unresolve(s.clock.Now())
			}
			return nil
		})
	})
	if err != nil || a.Status() != domain.AttemptUnresolved {
		return err == nil, err
	}
	if a.AwaitingOperator() {
		// The gateway answered and must not be asked again (bKash: query
		// only where execute gave no answer, docs/gateways/bkash.md §2.7):
		// the operator's review settles it.
		return false, nil
	}
	gw, err := s.gateways.get(a.Gateway)
	if err != nil {
		return false, err
	}
	rv, ok := gw.(ports.Resolver)
	if !ok {
		return false, fmt.Errorf("reconcile %s: %s cannot resolve attempts", a.ID, a.Gateway)
	}
	out, err := rv.Resolve(ctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount, ClaimedTrxID: a.TrxID})
	if err != nil {
		out = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	}
	if out.Outcome != ports.OutcomeUnknown {
		_, err := s.apply(context.WithoutCancel(ctx), a.ID, out)
		return err == nil, err
	}
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, a.ID, func(_ *domain.Payment, cur *domain.Attempt) error {
			if cur.Status() != domain.AttemptUnresolved {
				return nil
			}
			cur.ScheduleCheck(s.clock.Now())
			if cur.Checks > 0 && cur.Checks%10 == 0 {
				s.log.Error("attempt still unresolved: operator attention", "attempt", cur.ID, "checks", cur.Checks)
			}
			return nil
		})
	})
	return false, err
}

// state reads an attempt and its payment.
func (s *settler) state(ctx context.Context, attemptID string) (AttemptResult, error) {
	var res AttemptResult
	err := read(ctx, s.tx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().Get(ctx, attemptID)
		if err != nil {
			return err
		}
		p, err := tx.Payments().Get(ctx, a.PaymentID)
		if err != nil {
			return err
		}
		res = AttemptResult{Payment: p, Attempt: a}
		return nil
	})
	return res, err
}
