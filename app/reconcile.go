package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ReconcileReport counts what one Reconcile pass did.
type ReconcileReport struct {
	Resolved, StillUnknown, AttemptsExpired, PaymentsExpired int
}

// reconcileBatch bounds each kind of work in one pass.
const reconcileBatch = 100

// Reconcile is the periodic reconciliation pass (ARCHITECTURE.md §2 step 5):
//
//   - attempts whose confirm got no answer (unresolved), and attempts left
//     confirming by a crash mid-confirm, are asked about through the
//     gateway's Resolver (bKash query: rule 7 allows it exactly there), with
//     backoff 1, 2, 4 … 60 minutes between checks;
//   - attempts whose customer never came back (redirected for longer than
//     Config.AttemptTTL) are expired WITHOUT asking the gateway (bKash rule
//     7: no execute, so no money moved);
//   - pending payments past their ExpiresAt expire.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	now := s.clock.Now()
	var unresolved, stuck, abandoned []*domain.Attempt
	var expired []string
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if unresolved, err = tx.Attempts().Stale(ctx, domain.AttemptUnresolved, now, reconcileBatch); err != nil {
			return err
		}
		if stuck, err = tx.Attempts().Stale(ctx, domain.AttemptConfirming, now.Add(-s.cfg.ConfirmWait-s.cfg.ConfirmWait), reconcileBatch); err != nil {
			return err
		}
		if abandoned, err = tx.Attempts().Stale(ctx, domain.AttemptRedirected, now.Add(-s.cfg.AttemptTTL), reconcileBatch); err != nil {
			return err
		}
		expired, err = tx.Queries().ExpiredPayments(ctx, now, reconcileBatch)
		return err
	})
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, a := range append(stuck, unresolved...) {
		settled, err := s.resolveAttempt(ctx, a.ID)
		switch {
		case err != nil:
			errs = append(errs, err)
		case settled:
			rep.Resolved++
		default:
			rep.StillUnknown++
		}
	}
	for _, a := range abandoned {
		if err := s.expireAttempt(ctx, a.ID); err != nil {
			errs = append(errs, err)
		} else {
			rep.AttemptsExpired++
		}
	}
	for _, id := range expired {
		if err := s.expirePayment(ctx, id); err != nil {
			errs = append(errs, err)
		} else {
			rep.PaymentsExpired++
		}
	}
	return rep, errors.Join(errs...)
}

// resolveAttempt asks the gateway about one unresolved (or stuck
// confirming) attempt and applies a final answer; it reports whether the
// attempt is settled.
func (s *Service) resolveAttempt(ctx context.Context, attemptID string) (bool, error) {
	var a *domain.Attempt
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		a, err = tx.Attempts().Get(ctx, attemptID, true)
		if err != nil {
			return err
		}
		if a.Status() == domain.AttemptConfirming {
			// A node died between claiming and applying: execute may have
			// been sent, so treat it as an execute without an answer.
			if err := a.Unresolve(s.clock.Now()); err != nil {
				return err
			}
			return tx.Attempts().Update(ctx, a)
		}
		return nil
	})
	if err != nil || a.Status() != domain.AttemptUnresolved {
		return err == nil, err
	}
	gw, err := s.gateway(a.Gateway)
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
	settled := out.Outcome != ports.OutcomeUnknown
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		if settled {
			_, err := s.applyOutcome(ctx, tx, a.ID, out)
			return err
		}
		cur, err := tx.Attempts().Get(ctx, a.ID, true)
		if err != nil || cur.Status() != domain.AttemptUnresolved {
			return err
		}
		cur.ScheduleCheck(s.clock.Now())
		if cur.Checks > 0 && cur.Checks%10 == 0 {
			s.log.Error("attempt still unresolved: operator attention", "attempt", cur.ID, "checks", cur.Checks)
		}
		return tx.Attempts().Update(ctx, cur)
	})
	return settled, err
}

// expireAttempt expires an attempt whose customer never came back, without
// calling the gateway.
func (s *Service) expireAttempt(ctx context.Context, attemptID string) error {
	return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		a, err := tx.Attempts().Get(ctx, attemptID, true)
		if err != nil {
			return err
		}
		if a.Status() != domain.AttemptRedirected {
			return nil
		}
		if err := a.Expire(s.clock.Now()); err != nil {
			return err
		}
		return tx.Attempts().Update(ctx, a)
	})
}

// expirePayment expires a pending payment past ExpiresAt and its open
// redirected attempts.
func (s *Service) expirePayment(ctx context.Context, id string) error {
	return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Get(ctx, id, true)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if p.Status() != domain.StatusPending || now.Before(p.ExpiresAt) {
			return nil
		}
		atts, err := tx.Attempts().ListByPayment(ctx, id)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.Status() == domain.AttemptRedirected {
				if err := a.Expire(now); err != nil {
					return err
				}
				if err := tx.Attempts().Update(ctx, a); err != nil {
					return err
				}
			}
		}
		if err := p.Expire(now); err != nil {
			return err
		}
		if err := tx.Payments().Update(ctx, p); err != nil {
			return err
		}
		if err := s.queuePaymentSMS(ctx, tx, p, TemplatePaymentFailed, domain.Money{}); err != nil {
			return err
		}
		return s.publish(ctx, tx, p, domain.EventPaymentFailed)
	})
}
