package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Operator reviews. An attempt is flagged when the gateway's answer cannot
// be settled automatically:
//
//   - an unverified claim: a correctly signed redirect gateway success
//     return while no verify endpoint is configured. The attempt stays
//     unresolved (holding the claimed transaction_id) and the payment
//     processing until an operator checks the gateway's dashboard and
//     confirms or rejects it;
//   - a gateway answer that does not match the attempt (amount, order,
//     merchant, transaction), a transaction already used by another
//     attempt, or money moved on a payment no longer payable. The attempt
//     has failed (or succeeded without settling its payment); the operator
//     settles the money by hand (refund at the gateway) and closes the
//     review with RejectClaim.
//
// Decisions are final and recorded with who made them and a note.

// Reviews is the operator's queue of flagged attempts and their decisions.
type Reviews struct {
	tx     ports.TxProvider
	clock  ports.Clock
	log    *slog.Logger
	settle *settler
}

// ReviewView is a review with its attempt and payment.
type ReviewView struct {
	Review  *domain.Review
	Attempt *domain.Attempt
	Payment *domain.Payment
}

// List returns up to limit reviews in status st ("" = any), oldest first,
// with their attempts and payments (operators only: the admin CLI). limit
// outside 1..500 → 100.
func (s *Reviews) List(ctx context.Context, st domain.ReviewStatus, limit int) ([]ReviewView, error) {
	if limit < 1 || limit > 500 {
		limit = 100
	}
	var out []ReviewView
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		out = nil
		rs, err := tx.Reviews().List(ctx, st, limit)
		if err != nil {
			return err
		}
		for _, r := range rs {
			v := ReviewView{Review: r}
			if v.Attempt, err = tx.Attempts().Get(ctx, r.AttemptID); err != nil {
				return err
			}
			if v.Payment, err = tx.Payments().Get(ctx, r.PaymentID); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// ReviewDecision is an operator's decision on an attempt's open review.
type ReviewDecision struct {
	AttemptID string
	By        string // who decides (required)
	Note      string // why, e.g. "seen in the gateway dashboard"
	// TrxID, for Confirm, is the gateway transaction the operator found
	// when the attempt claims none (bKash execute answered "already
	// executed", EXECUTE_ALREADY_DONE: look it up with paycore search --trx).
	// Ignored when the attempt already claims one.
	TrxID string
}

func (d ReviewDecision) check() error {
	var v domain.ValidationError
	if d.AttemptID == "" {
		v.Add("attempt_id", "attempt_id is required")
	}
	if strings.TrimSpace(d.By) == "" {
		v.Add("by", "who decides is required")
	}
	return v.Err()
}

// Confirm: an operator has seen the claimed payment at the gateway
// (its dashboard shows the transaction, for the attempt's amount). The
// attempt must be unresolved with a claimed transaction and its payment
// processing: the attempt succeeds with that transaction, the payment moves
// to success (payment.success webhook, SMS) and the review is confirmed,
// all in one transaction. Errors: domain.ErrNotFound (no review),
// domain.ErrInvalidTransition (review decided, attempt settled, payment
// not processing, or no transaction claimed), *domain.ValidationError.
func (s *Reviews) Confirm(ctx context.Context, d ReviewDecision) (AttemptResult, error) {
	return s.decide(ctx, d, domain.ReviewConfirmed)
}

// Reject: an operator found no such payment at the gateway, or has
// settled a flagged case by hand. An unresolved attempt fails
// (CLAIM_REJECTED) and its payment goes back from processing to pending, so
// the customer may pay again until it expires (then expired, with a
// payment.failed webhook); an attempt already settled is left as it is.
// The review is rejected. Errors as Confirm.
func (s *Reviews) Reject(ctx context.Context, d ReviewDecision) (AttemptResult, error) {
	return s.decide(ctx, d, domain.ReviewRejected)
}

// CodeClaimRejected is the failure code of an attempt whose claim an
// operator rejected.
const CodeClaimRejected = "CLAIM_REJECTED"

func (s *Reviews) decide(ctx context.Context, d ReviewDecision, to domain.ReviewStatus) (AttemptResult, error) {
	if err := d.check(); err != nil {
		return AttemptResult{}, err
	}
	var res AttemptResult
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Reviews().Get(ctx, d.AttemptID); err != nil {
			return err
		}
		var out *ports.ConfirmResult
		err := tx.Attempts().Update(ctx, d.AttemptID, func(p *domain.Payment, a *domain.Attempt) error {
			res = AttemptResult{Payment: p, Attempt: a}
			return tx.Reviews().Update(ctx, a.ID, func(r *domain.Review) error {
				if r.Status != domain.ReviewOpen {
					return fmt.Errorf("%w: the review of %s is already %s", domain.ErrInvalidTransition, a.ID, r.Status)
				}
				unresolved := a.Status() == domain.AttemptUnresolved
				if to == domain.ReviewConfirmed && unresolved && a.TrxID == "" && d.TrxID != "" {
					if err := a.HoldTrx(d.TrxID); err != nil {
						return err
					}
				}
				switch {
				case to == domain.ReviewConfirmed && !unresolved:
					return fmt.Errorf("%w: attempt %s is %s; only an unresolved claim can be confirmed (settle it at the gateway, then reject the review)",
						domain.ErrInvalidTransition, a.ID, a.Status())
				case to == domain.ReviewConfirmed && a.TrxID == "":
					return fmt.Errorf("%w: attempt %s claims no gateway transaction (give the one found at the gateway)", domain.ErrInvalidTransition, a.ID)
				case to == domain.ReviewConfirmed && p.Status() != domain.StatusProcessing:
					return fmt.Errorf("%w: payment %s is %s, not processing", domain.ErrInvalidTransition, p.ID, p.Status())
				case to == domain.ReviewConfirmed:
					out = &ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: a.TrxID}
				case unresolved:
					out = &ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeClaimRejected,
						Message: "The payment could not be confirmed with the gateway."}
				}
				s.log.Info("review decided", "attempt", a.ID, "payment", p.ID, "decision", to, "by", d.By)
				return r.Decide(to, d.By, d.Note, s.clock.Now())
			})
		})
		if err != nil || out == nil {
			return err
		}
		// The decision's outcome, applied in the same transaction: the rows
		// are locked already, in the same order.
		res, err = s.settle.applyIn(ctx, tx, d.AttemptID, *out)
		return err
	})
	return res, err
}

// flagPayment opens a review on the attempt that settled p (the one holding
// its gateway transaction, else its newest attempt), for a case about the
// payment as a whole that no rule may settle alone: a dispute while a
// refund is open, a refund the gateway made that the payment's books cannot
// take. Call it inside the payment's Update (the lock order).
func flagPayment(ctx context.Context, tx ports.Tx, log *slog.Logger, p *domain.Payment, reason, detail string, now time.Time) error {
	a, err := tx.Attempts().GetByTrxID(ctx, p.Gateway, p.TrxID)
	if errors.Is(err, domain.ErrNotFound) {
		atts, lerr := tx.Attempts().ListByPayment(ctx, p.ID)
		if lerr != nil {
			return lerr
		}
		if len(atts) == 0 {
			return fmt.Errorf("flag payment %s for review: it has no attempt", p.ID)
		}
		a, err = atts[len(atts)-1], nil
	}
	if err != nil {
		return err
	}
	log.Error("payment flagged for operator review", "payment", p.ID, "attempt", a.ID, "reason", reason)
	return tx.Reviews().Open(ctx, domain.NewReview(a, reason, detail, p.TrxID, now))
}
