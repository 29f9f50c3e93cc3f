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
	var (
		att   *domain.Attempt
		phone string
	)
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
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
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
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
	GatewayRef string // bKash paymentID
	Status     CallbackStatus
	Signature  string // bKash signature, "" if none
}

// CallbackResult is the settled state after a callback.
type CallbackResult struct {
	Payment *domain.Payment
	Attempt *domain.Attempt
}

// HandleCallback settles a gateway's return (ARCHITECTURE.md §2 step 3). The
// query string is never trusted: only status=success leads to Confirm (bKash
// rule 5: execute only for success; rule 4: failure/cancel never execute),
// and only Confirm's answer moves money. The attempt is claimed under a row
// lock, so of any number of repeated or concurrent callbacks exactly one
// confirms; the others wait for and return the same outcome. Errors:
// domain.ErrNotFound for an unknown reference, domain.ErrGatewayUnavailable.
func (s *Service) HandleCallback(ctx context.Context, in CallbackInput) (CallbackResult, error) {
	gw, err := s.gateway(in.Gateway)
	if err != nil {
		return CallbackResult{}, err
	}
	var (
		res     CallbackResult
		claimed bool
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
		if a.Status() != domain.AttemptRedirected {
			return nil // settled or being settled: report, never confirm twice
		}
		now := s.clock.Now()
		switch {
		case in.Status == CallbackCancel:
			if err := a.Cancel(now); err != nil {
				return err
			}
		case in.Status != CallbackSuccess:
			if err := a.Fail("CALLBACK_"+string(in.Status), "Payment failed", now); err != nil {
				return err
			}
		case a.Signature != "" && in.Signature != "" && a.Signature != in.Signature:
			// bKash repeats the signature of its create response; a different
			// one is not bKash's redirect.
			if err := a.Fail("BAD_SIGNATURE", "Payment failed", now); err != nil {
				return err
			}
		case !p.Payable(now):
			// Paid by another attempt, or expired: do not execute, no money moves.
			if err := a.Fail("NOT_PAYABLE", "This payment can no longer be paid", now); err != nil {
				return err
			}
		default:
			if err := a.Confirm(now); err != nil {
				return err
			}
			if err := p.StartProcessing(now); err != nil {
				return err
			}
			if err := tx.Payments().Update(ctx, p); err != nil {
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
		return s.confirm(ctx, gw, res.Attempt)
	case res.Attempt.Status() == domain.AttemptConfirming:
		return s.waitSettled(ctx, res.Attempt.ID)
	}
	return res, nil
}

// confirm asks the gateway for the outcome of a claimed attempt and applies
// it in one transaction.
func (s *Service) confirm(ctx context.Context, gw ports.PaymentGateway, a *domain.Attempt) (CallbackResult, error) {
	out, callErr := gw.Confirm(ctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount})
	if callErr != nil {
		s.log.Error("confirm attempt", "attempt", a.ID, "err", callErr)
		out = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	}
	// The gateway has answered: apply it even if the browser went away.
	ctx = context.WithoutCancel(ctx)
	var res CallbackResult
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		res, err = s.applyOutcome(ctx, tx, a.ID, out)
		return err
	})
	return res, err
}

// applyOutcome moves an attempt in confirming or unresolved, and its
// payment, by the gateway's answer; on success it also queues the customer's
// SMS. Used by callbacks and by reconciliation.
func (s *Service) applyOutcome(ctx context.Context, tx ports.Tx, attemptID string, out ports.ConfirmResult) (CallbackResult, error) {
	a, err := tx.Attempts().Get(ctx, attemptID, true)
	if err != nil {
		return CallbackResult{}, err
	}
	p, err := tx.Payments().Get(ctx, a.PaymentID, true)
	if err != nil {
		return CallbackResult{}, err
	}
	now := s.clock.Now()
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
		} else if err := s.queuePaymentSMS(ctx, tx, p, TemplatePaymentSuccess, domain.Money{}); err != nil {
			return CallbackResult{}, err
		} else {
			ev = domain.EventPaymentSuccess
		}
	case ports.OutcomeFailed:
		if err := a.Fail(out.Code, out.Message, now); err != nil {
			return CallbackResult{}, err
		}
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
	}
	if err := tx.Attempts().Update(ctx, a); err != nil {
		return CallbackResult{}, err
	}
	if err := tx.Payments().Update(ctx, p); err != nil {
		return CallbackResult{}, err
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
