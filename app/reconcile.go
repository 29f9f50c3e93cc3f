package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Reconciler settles what customers and gateways left open: attempts whose
// outcome is unknown, attempts whose customer never came back, and
// payments nobody paid in time. The periodic job runs it.
type Reconciler struct {
	tx          ports.TxProvider
	clock       ports.Clock
	log         *slog.Logger
	settle      *settler
	pub         publisher
	sms         smsQueue
	confirmWait time.Duration // a confirm older than twice this is taken as crashed
	attemptTTL  time.Duration // how long a customer may stay at the gateway
}

// ReconcileReport counts what one Run did.
type ReconcileReport struct {
	Resolved, StillUnknown, AttemptsExpired, PaymentsExpired int
}

// reconcileBatch bounds each kind of work in one pass.
const reconcileBatch = 100

// Run is one reconciliation pass (docs/architecture.md §4, step 4):
//
//   - attempts whose confirm got no answer (unresolved), and attempts left
//     confirming by a crash mid-confirm, are asked about through the
//     gateway's Resolver (bKash query is allowed exactly there:
//     docs/gateways/bkash.md §2.7), with backoff 1, 2, 4 … 60 minutes between
//     checks;
//   - attempts whose customer never came back (redirected for longer than
//     Config.AttemptTTL) are expired without asking the gateway (bKash: no
//     execute, so no money moved);
//   - pending payments past their ExpiresAt expire, with their open
//     attempts, a payment.failed event and SMS.
//
// Errors of single items are joined; the pass goes on past them.
func (s *Reconciler) Run(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	now := s.clock.Now()
	var unresolved, stuck, abandoned []*domain.Attempt
	var expired []string
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if unresolved, err = tx.Attempts().Stale(ctx, domain.AttemptUnresolved, now, reconcileBatch); err != nil {
			return err
		}
		if stuck, err = tx.Attempts().Stale(ctx, domain.AttemptConfirming, now.Add(-2*s.confirmWait), reconcileBatch); err != nil {
			return err
		}
		if abandoned, err = tx.Attempts().Stale(ctx, domain.AttemptRedirected, now.Add(-s.attemptTTL), reconcileBatch); err != nil {
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
		settled, err := s.settle.resolve(ctx, a.ID)
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
		if err := s.ExpireAttempt(ctx, a.ID); err != nil {
			errs = append(errs, err)
		} else {
			rep.AttemptsExpired++
		}
	}
	for _, id := range expired {
		if err := s.ExpirePayment(ctx, id); err != nil {
			errs = append(errs, err)
		} else {
			rep.PaymentsExpired++
		}
	}
	return rep, errors.Join(errs...)
}

// Resolve asks the gateway about one open attempt now, as Run does, and
// reports whether it is settled (gateway webhooks use it).
func (s *Reconciler) Resolve(ctx context.Context, attemptID string) (bool, error) {
	return s.settle.resolve(ctx, attemptID)
}

// ExpireAttempt expires an attempt whose customer never came back, without
// calling the gateway. An attempt no longer redirected is left alone.
func (s *Reconciler) ExpireAttempt(ctx context.Context, attemptID string) error {
	return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, attemptID, func(_ *domain.Payment, a *domain.Attempt) error {
			if a.Status() != domain.AttemptRedirected {
				return nil
			}
			return a.Expire(s.clock.Now())
		})
	})
}

// ExpirePayment expires a pending payment past ExpiresAt and its open
// redirected attempts, locking the payment and then each attempt (the lock
// order), with a payment.failed event and SMS. A payment no longer pending,
// or not yet due, is left alone.
func (s *Reconciler) ExpirePayment(ctx context.Context, id string) error {
	return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Payments().Update(ctx, id, func(p *domain.Payment) error {
			now := s.clock.Now()
			if p.Status() != domain.StatusPending || now.Before(p.ExpiresAt) {
				return nil
			}
			atts, err := tx.Attempts().ListByPayment(ctx, id)
			if err != nil {
				return err
			}
			for _, a := range atts {
				if a.Status() != domain.AttemptRedirected {
					continue
				}
				err := tx.Attempts().Update(ctx, a.ID, func(_ *domain.Payment, a *domain.Attempt) error {
					if a.Status() != domain.AttemptRedirected {
						return nil
					}
					return a.Expire(now)
				})
				if err != nil {
					return err
				}
			}
			if err := p.Expire(now); err != nil {
				return err
			}
			if err := s.sms.queue(ctx, tx, p, TemplatePaymentFailed, domain.Money{}); err != nil {
				return err
			}
			return s.pub.publish(ctx, tx, p, domain.EventPaymentFailed)
		})
	})
}
