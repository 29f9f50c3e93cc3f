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
//     Config.AttemptTTL) expire — after asking the gateway where money moves
//     on its own page (ports.AbandonChecker: Nagad), so a customer who paid
//     and closed the tab is not lost; unasked where it cannot have moved
//     (bKash: no execute, no money moved) or cannot be asked;
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
		switch done, err := s.abandon(ctx, a); {
		case err != nil:
			errs = append(errs, err)
		case done == abandonExpired:
			rep.AttemptsExpired++
		case done == abandonSettled:
			rep.Resolved++
		default:
			rep.StillUnknown++
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

// What abandon did with an attempt.
const (
	abandonExpired = iota // expired: no money moved
	abandonSettled        // the gateway said paid (or a mismatch): settled
	abandonOpen           // the gateway could not be heard: asked again next pass
)

// abandon ends an attempt whose customer never came back. A gateway that is
// a ports.AbandonChecker is asked first: paid settles the attempt as a
// callback would, not paid expires it, no answer leaves it redirected for
// the next pass. Any other gateway's attempt expires unasked.
func (s *Reconciler) abandon(ctx context.Context, a *domain.Attempt) (int, error) {
	gw, err := s.settle.gateways.get(a.Gateway)
	ac, ok := gw.(ports.AbandonChecker)
	if err != nil || !ok {
		return abandonExpired, s.ExpireAttempt(ctx, a.ID)
	}
	out, err := ac.CheckAbandoned(ctx, ports.ConfirmRequest{AttemptID: a.ID, GatewayRef: a.GatewayRef, Amount: a.Amount,
		ClaimedTrxID: a.TrxID})
	switch {
	case err != nil || out.Outcome == ports.OutcomeUnknown:
		s.log.Warn("abandoned attempt: the gateway could not tell; asking again later", "attempt", a.ID, "err", err)
		return abandonOpen, nil
	case out.Outcome == ports.OutcomeFailed && out.Review == "":
		return abandonExpired, s.ExpireAttempt(ctx, a.ID)
	}
	return abandonSettled, s.settle.applyAbandoned(context.WithoutCancel(ctx), a.ID, out)
}

// ExpireAttempt expires an attempt whose customer never came back, without
// calling the gateway (Run asks first where it must). An attempt no longer
// redirected is left alone.
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
// order), with a payment.failed event and SMS. A redirected attempt at a
// gateway where money moves on its own page is asked about first (as Run
// asks abandoned attempts): paid settles the payment instead, and no answer
// leaves the payment pending until the next pass. A payment no longer
// pending, or not yet due, is left alone.
func (s *Reconciler) ExpirePayment(ctx context.Context, id string) error {
	var open []*domain.Attempt
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		atts, err := tx.Attempts().ListByPayment(ctx, id)
		open = atts
		return err
	})
	if err != nil {
		return err
	}
	asked := map[string]bool{}
	for _, a := range open {
		if a.Status() != domain.AttemptRedirected || !s.mustAsk(a.Gateway) {
			continue
		}
		done, err := s.abandon(ctx, a)
		if err != nil {
			return err
		}
		if done == abandonOpen {
			return nil // the gateway could not tell yet: expire at a later pass
		}
		asked[a.ID] = true
	}
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
				if s.mustAsk(a.Gateway) && !asked[a.ID] {
					return nil // opened since the gateway was asked: next pass
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

// mustAsk reports whether g's abandoned attempts must be asked about before
// they expire (ports.AbandonChecker).
func (s *Reconciler) mustAsk(g domain.Gateway) bool {
	gw, err := s.settle.gateways.get(g)
	_, ok := gw.(ports.AbandonChecker)
	return err == nil && ok
}
