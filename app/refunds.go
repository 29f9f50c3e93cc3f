package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Refunds gives money back: a merchant requests a refund, a job takes it to
// the gateway once, and the gateway's answer settles it and the payment.
type Refunds struct {
	tx         ports.TxProvider
	clock      ports.Clock
	log        *slog.Logger
	gateways   *Gateways
	pub        publisher
	sms        smsQueue
	maxRefunds int // the most refunds one payment may have
}

// RefundInput is a merchant's refund request (POST /api/v1/refund,
// GraphQL refundPayment).
type RefundInput struct {
	TransactionID string
	Amount        string // decimal as sent; "" = everything still refundable
	Reason        string // 1-255 characters; "" → "Refund requested by merchant"
}

// Request validates a refund against what is still refundable (the amount
// paid, less refunds done and refunds still open), stores it pending and
// queues its processing at the gateway, in one transaction under the
// payment's row lock. Errors: domain.ErrNotFound (no such payment for this
// client, or a payment-scoped principal), *domain.ValidationError (amount,
// reason, transaction_id).
func (s *Refunds) Request(ctx context.Context, pr Principal, in RefundInput) (*domain.Refund, error) {
	var v domain.ValidationError
	checkText(&v, map[string]string{"transaction_id": in.TransactionID, "amount": in.Amount, "reason": in.Reason})
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Reason == "" {
		in.Reason = "Refund requested by merchant"
	}
	var out *domain.Refund
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Payments().Update(ctx, in.TransactionID, func(p *domain.Payment) error {
			if !pr.CanSee(p) || pr.TransactionID != "" {
				return domain.ErrNotFound
			}
			refunds, err := tx.Refunds().ListByPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			amount, err := s.check(p, refunds, in)
			if err != nil {
				return err
			}
			r, err := domain.NewRefund(p, amount, in.Reason, s.clock.Now())
			if err != nil {
				return err
			}
			if err := tx.Refunds().Create(ctx, r); err != nil {
				return err
			}
			out = r
			return tx.Jobs().EnqueueRefund(ctx, r.ID)
		})
	})
	return out, err
}

// check validates a refund request against payment p and its refunds so
// far and returns the amount to refund, or a *domain.ValidationError.
func (s *Refunds) check(p *domain.Payment, refunds []*domain.Refund, in RefundInput) (domain.Money, error) {
	open, _ := domain.NewMoney(0, p.Amount.Currency().Code)
	for _, r := range refunds {
		if r.Open() {
			open, _ = open.Add(r.Amount)
		}
	}
	var (
		v      domain.ValidationError
		amount domain.Money
		err    error
	)
	if in.Amount == "" {
		amount, err = p.Refundable().Sub(open)
		if err != nil || amount.IsZero() {
			v.Add("amount", "nothing is left to refund")
		}
	} else {
		amount, err = domain.ParseAmount(in.Amount, p.Amount.Currency().Code)
		if err != nil {
			v.Add("amount", amountProblem(err, p.Amount.Currency()))
		}
	}
	if n := len([]rune(in.Reason)); n > domain.MaxRefundReason {
		v.Add("reason", fmt.Sprintf("reason must be at most %d characters", domain.MaxRefundReason))
	}
	if len(v.Fields) == 0 {
		if err := p.CheckRefundable(amount, open); errors.Is(err, domain.ErrInvalidTransition) {
			v.Add("transaction_id", fmt.Sprintf("payment is %s; only successful payments can be refunded", p.Status()))
		} else if err != nil {
			left, _ := p.Refundable().Sub(open)
			v.Add("amount", fmt.Sprintf("amount exceeds the refundable amount of %s", left.Decimal()))
		}
	}
	if len(v.Fields) == 0 && len(refunds) >= s.maxRefunds {
		v.Add("transaction_id", fmt.Sprintf("a payment can have at most %d refunds", s.maxRefunds))
	}
	return amount, v.Err()
}

// amountProblem words a money parse error for a 422.
func amountProblem(err error, cur domain.Currency) string {
	switch {
	case errors.Is(err, domain.ErrTooManyDecimals):
		return fmt.Sprintf("amount must have at most %d decimals for %s", cur.Decimals, cur.Code)
	case errors.Is(err, domain.ErrZeroAmount), errors.Is(err, domain.ErrNegativeAmount):
		return "amount must be greater than 0"
	case errors.Is(err, domain.ErrAmountOverflow):
		return "amount is too large"
	}
	return "amount must be a number"
}

// ErrRefundUnsettled: the gateway has not told the refund's outcome yet;
// the job asks again later (refund status only, never a second submit).
var ErrRefundUnsettled = fmt.Errorf("refund outcome not known yet: %w", ErrRetryable)

// Process takes a refund to the gateway (the River job's body). A pending
// refund is marked submitted in its own transaction before the gateway is
// called, so however often this runs the refund is submitted at most once;
// a submitted refund is only asked about (CheckRefund). The outcome is
// applied under the payment's row lock: success moves the payment to
// partially_refunded or refunded. ErrRefundUnsettled when the gateway could
// not be heard; an error wrapping ErrRetryable when the call failed.
func (s *Refunds) Process(ctx context.Context, refundID string) error {
	var (
		r       *domain.Refund
		p       *domain.Payment
		submit  bool
		refunds []*domain.Refund
	)
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		submit = false
		return tx.Refunds().Update(ctx, refundID, func(pay *domain.Payment, x *domain.Refund) error {
			var err error
			if refunds, err = tx.Refunds().ListByPayment(ctx, x.PaymentID); err != nil {
				return err
			}
			r, p = x, pay
			if x.Status() == domain.RefundPending {
				submit = true
				return x.Submit(s.clock.Now())
			}
			return nil
		})
	})
	if err != nil || !r.Open() {
		return err
	}
	var prior []string
	for _, x := range refunds {
		if x.ID != r.ID && x.GatewayRef != "" {
			prior = append(prior, x.GatewayRef)
		}
	}
	gw, err := s.gateways.get(p.Gateway)
	if err != nil {
		return s.settle(ctx, r.ID, ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NO_GATEWAY", Message: err.Error()})
	}
	rf, ok := gw.(ports.Refunder)
	if !ok {
		return s.settle(ctx, r.ID, ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_SUPPORTED",
			Message: fmt.Sprintf("%s does not support refunds", p.Gateway)})
	}
	req := ports.RefundRequest{RefundID: r.ID, GatewayRef: p.GatewayRef, TrxID: p.TrxID, Amount: r.Amount,
		Reason: r.Reason, RefundRef: r.GatewayRef, PriorRefundRefs: prior}
	var res ports.RefundResult
	if submit {
		res, err = rf.SubmitRefund(ctx, req)
		if err != nil {
			// Nothing was sent; the refund stays submitted and the next run
			// asks its status, which finds nothing and fails it.
			return fmt.Errorf("submit refund %s: %w: %w", r.ID, ErrRetryable, err)
		}
	} else if res, err = rf.CheckRefund(ctx, req); err != nil {
		return fmt.Errorf("refund status %s: %w: %w", r.ID, ErrRetryable, err)
	}
	if res.Outcome == ports.OutcomeUnknown {
		if res.RefundRef != "" && res.RefundRef != r.GatewayRef {
			if err := s.track(ctx, r.ID, res.RefundRef); err != nil {
				return fmt.Errorf("refund %s: keep the gateway's refund id: %w: %w", r.ID, ErrRetryable, err)
			}
		}
		return ErrRefundUnsettled
	}
	return s.settle(ctx, r.ID, res)
}

// track keeps the gateway's id of a refund it took but has not finished, so
// its status is asked by that id.
func (s *Refunds) track(ctx context.Context, refundID, ref string) error {
	return s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Refunds().Update(ctx, refundID, func(_ *domain.Payment, r *domain.Refund) error {
			if r.Status() != domain.RefundSubmitted {
				return nil
			}
			return r.Track(ref)
		})
	})
}

// settle applies a gateway's final answer about a refund, under the
// payment's and then the refund's row lock.
func (s *Refunds) settle(ctx context.Context, refundID string, res ports.RefundResult) error {
	return s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Refunds().Update(ctx, refundID, func(p *domain.Payment, r *domain.Refund) error {
			if !r.Open() {
				return nil
			}
			now := s.clock.Now()
			if res.Outcome != ports.OutcomeSucceeded {
				return r.Fail(res.Code, res.Message, now)
			}
			if err := r.Succeed(res.RefundRef, now); err != nil {
				return err
			}
			if err := p.ApplyRefund(r.Amount, now); err != nil {
				// The gateway gave the money back but the payment cannot
				// take it (disputed meanwhile): an operator settles it.
				return flagPayment(ctx, tx, s.log, p, domain.ReviewRefundNotApplied,
					fmt.Sprintf("The gateway refunded %s (refund %s, %s) but payment %s is %s: %v.",
						r.Amount, r.ID, res.RefundRef, p.ID, p.Status(), err), now)
			}
			if err := s.pub.publish(ctx, tx, p, domain.EventPaymentRefunded); err != nil {
				return err
			}
			return s.sms.queue(ctx, tx, p, TemplateRefund, r.Amount)
		})
	})
}

// List returns a payment's refunds if the principal may see it;
// domain.ErrNotFound otherwise.
func (s *Refunds) List(ctx context.Context, pr Principal, transactionID string) ([]*domain.Refund, error) {
	var out []*domain.Refund
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Get(ctx, transactionID)
		if err != nil {
			return err
		}
		if !pr.CanSee(p) {
			return domain.ErrNotFound
		}
		out, err = tx.Refunds().ListByPayment(ctx, p.ID)
		return err
	})
	return out, err
}
