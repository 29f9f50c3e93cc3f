package domain_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// allowed is docs/merchant-api.md §6.2 written out independently of the code.
var allowed = map[[2]domain.PaymentStatus]bool{
	{domain.StatusPending, domain.StatusProcessing}:                  true,
	{domain.StatusPending, domain.StatusCancelled}:                   true,
	{domain.StatusPending, domain.StatusExpired}:                     true,
	{domain.StatusPending, domain.StatusFailed}:                      true,
	{domain.StatusProcessing, domain.StatusSuccess}:                  true,
	{domain.StatusProcessing, domain.StatusFailed}:                   true,
	{domain.StatusProcessing, domain.StatusCancelled}:                true,
	{domain.StatusProcessing, domain.StatusPending}:                  true,
	{domain.StatusSuccess, domain.StatusPartiallyRefunded}:           true,
	{domain.StatusSuccess, domain.StatusRefunded}:                    true,
	{domain.StatusSuccess, domain.StatusDisputed}:                    true,
	{domain.StatusPartiallyRefunded, domain.StatusPartiallyRefunded}: true,
	{domain.StatusPartiallyRefunded, domain.StatusRefunded}:          true,
	{domain.StatusPartiallyRefunded, domain.StatusDisputed}:          true,
}

func paymentIn(t *testing.T, s domain.PaymentStatus) *domain.Payment {
	t.Helper()
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_1", OrderID: "ORD-1"}, domain.MustMoney(50000, "BDT"), t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return domain.PaymentFromDB(*p, s)
}

// move drives p to status to through the public method for that move.
func move(p *domain.Payment, to domain.PaymentStatus, now time.Time) error {
	switch to {
	case domain.StatusProcessing:
		return p.StartProcessing(now)
	case domain.StatusSuccess:
		return p.Succeed(domain.GatewayBkash, "TR0011x", "CKQ70ZB4TM", now)
	case domain.StatusPending:
		return p.Reopen(now)
	case domain.StatusFailed:
		return p.Fail(now)
	case domain.StatusCancelled:
		return p.Cancel(now)
	case domain.StatusExpired:
		return p.Expire(now.Add(2 * time.Hour))
	case domain.StatusPartiallyRefunded:
		return p.ApplyRefund(domain.MustMoney(100, "BDT"), now)
	case domain.StatusRefunded:
		return p.ApplyRefund(p.Refundable(), now)
	case domain.StatusDisputed:
		return p.Dispute(now)
	}
	return fmt.Errorf("no method for %s", to)
}

func TestPaymentTransitions(t *testing.T) {
	t.Parallel()
	for _, from := range domain.PaymentStatuses {
		for _, to := range domain.PaymentStatuses {
			want := allowed[[2]domain.PaymentStatus{from, to}]
			t.Run(fmt.Sprintf("%s→%s", from, to), func(t *testing.T) {
				t.Parallel()
				if got := domain.CanTransition(from, to); got != want {
					t.Fatalf("CanTransition = %v, want %v", got, want)
				}
				p := paymentIn(t, from)
				if from == domain.StatusPartiallyRefunded && to == domain.StatusRefunded {
					p = paymentIn(t, domain.StatusSuccess)
					if err := p.ApplyRefund(domain.MustMoney(100, "BDT"), t0); err != nil {
						t.Fatal(err)
					}
				}
				v := p.Version
				err := move(p, to, t0)
				if want {
					if err != nil {
						t.Fatalf("move: %v", err)
					}
					if p.Status() != to || p.Version != v+1 {
						t.Fatalf("status %s version %d, want %s version %d", p.Status(), p.Version, to, v+1)
					}
					return
				}
				if !errors.Is(err, domain.ErrInvalidTransition) {
					t.Fatalf("move error = %v, want ErrInvalidTransition", err)
				}
				if p.Status() != from || p.Version != v {
					t.Fatalf("refused move changed the payment: %s v%d", p.Status(), p.Version)
				}
			})
		}
	}
}

func TestPaymentRules(t *testing.T) {
	t.Parallel()
	t.Run("expired pending cannot start processing", func(t *testing.T) {
		p := paymentIn(t, domain.StatusPending)
		if err := p.StartProcessing(t0.Add(2 * time.Hour)); !errors.Is(err, domain.ErrNotPayable) {
			t.Fatalf("err = %v", err)
		}
		if p.Payable(t0.Add(2 * time.Hour)) {
			t.Fatal("payable after expiry")
		}
	})
	t.Run("expire before ExpiresAt refused", func(t *testing.T) {
		p := paymentIn(t, domain.StatusPending)
		if err := p.Expire(t0); !errors.Is(err, domain.ErrInvalidTransition) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refunds add up and over-refund is refused", func(t *testing.T) {
		p := paymentIn(t, domain.StatusSuccess)
		if err := p.ApplyRefund(domain.MustMoney(20000, "BDT"), t0); err != nil {
			t.Fatal(err)
		}
		if err := p.ApplyRefund(domain.MustMoney(30001, "BDT"), t0); !errors.Is(err, domain.ErrRefundExceeds) {
			t.Fatalf("over-refund err = %v", err)
		}
		if err := p.ApplyRefund(domain.MustMoney(30000, "BDT"), t0); err != nil {
			t.Fatal(err)
		}
		if p.Status() != domain.StatusRefunded || p.Refunded.Minor() != 50000 || !p.Refundable().IsZero() {
			t.Fatalf("status %s refunded %d", p.Status(), p.Refunded.Minor())
		}
	})
	t.Run("succeed records references", func(t *testing.T) {
		p := paymentIn(t, domain.StatusProcessing)
		if err := p.Succeed(domain.GatewayBkash, "TR0011abc", "CKQ70ZB4TM", t0); err != nil {
			t.Fatal(err)
		}
		if p.TrxID != "CKQ70ZB4TM" || p.Gateway != domain.GatewayBkash || p.GatewayRef != "TR0011abc" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("new payment", func(t *testing.T) {
		p := paymentIn(t, domain.StatusPending)
		if len(p.ID) != 24 || p.ID[:4] != "txn_" || p.Status() != domain.StatusPending || p.Version != 1 {
			t.Fatalf("%s %s %d", p.ID, p.Status(), p.Version)
		}
		if _, err := domain.NewPayment(domain.Order{ClientID: "c", OrderID: "o"}, domain.MustMoney(0, "BDT"), t0, time.Hour); !errors.Is(err, domain.ErrZeroAmount) {
			t.Fatalf("zero amount: %v", err)
		}
	})
}

var allowedAttempt = map[[2]domain.AttemptStatus]bool{
	{domain.AttemptCreated, domain.AttemptRedirected}:    true,
	{domain.AttemptCreated, domain.AttemptFailed}:        true,
	{domain.AttemptRedirected, domain.AttemptConfirming}: true,
	{domain.AttemptRedirected, domain.AttemptFailed}:     true,
	{domain.AttemptRedirected, domain.AttemptCancelled}:  true,
	{domain.AttemptRedirected, domain.AttemptExpired}:    true,
	{domain.AttemptConfirming, domain.AttemptSucceeded}:  true,
	{domain.AttemptConfirming, domain.AttemptFailed}:     true,
	{domain.AttemptConfirming, domain.AttemptUnresolved}: true,
	{domain.AttemptUnresolved, domain.AttemptSucceeded}:  true,
	{domain.AttemptUnresolved, domain.AttemptFailed}:     true,
}

func TestAttemptTransitions(t *testing.T) {
	t.Parallel()
	p := paymentIn(t, domain.StatusPending)
	for _, from := range domain.AttemptStatuses {
		for _, to := range domain.AttemptStatuses {
			want := allowedAttempt[[2]domain.AttemptStatus{from, to}]
			if got := domain.CanAttemptTransition(from, to); got != want {
				t.Errorf("%s→%s: CanAttemptTransition = %v, want %v", from, to, got, want)
			}
			a := domain.AttemptFromDB(*domain.NewAttempt(p, domain.GatewayBkash, t0), from)
			var err error
			switch to {
			case domain.AttemptCreated:
				err = fmt.Errorf("%w: no move into created", domain.ErrInvalidTransition)
			case domain.AttemptRedirected:
				err = a.Redirect("TR0011x", "https://pay", "sig", t0)
			case domain.AttemptConfirming:
				err = a.Confirm(t0)
			case domain.AttemptUnresolved:
				err = a.Unresolve(t0)
			case domain.AttemptSucceeded:
				err = a.Succeed("CKQ70ZB4TM", t0)
			case domain.AttemptFailed:
				err = a.Fail("2023", "Insufficient Balance", t0)
			case domain.AttemptCancelled:
				err = a.Cancel(t0)
			case domain.AttemptExpired:
				err = a.Expire(t0)
			}
			if want && (err != nil || a.Status() != to) {
				t.Errorf("%s→%s: err %v status %s", from, to, err, a.Status())
			}
			if !want && (!errors.Is(err, domain.ErrInvalidTransition) || a.Status() != from) {
				t.Errorf("%s→%s: err %v status %s, want refused", from, to, err, a.Status())
			}
		}
	}
}

// AwaitGateway moves a pending payment to processing even past its
// expiry (a gateway is asked about money that may have moved), and nothing
// else; StartProcessing refuses an expired payment.
func TestAwaitGatewayPastExpiry(t *testing.T) {
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_1", OrderID: "o-1"}, domain.MustMoney(1000, "BDT"), t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	late := t0.Add(2 * time.Hour)
	if err := p.StartProcessing(late); !errors.Is(err, domain.ErrNotPayable) {
		t.Fatalf("StartProcessing past expiry: %v, want domain.ErrNotPayable", err)
	}
	if err := p.AwaitGateway(late); err != nil || p.Status() != domain.StatusProcessing {
		t.Fatalf("AwaitGateway past expiry: %v, status %s", err, p.Status())
	}
	if err := p.AwaitGateway(late); !errors.Is(err, domain.ErrInvalidTransition) {
		t.Fatalf("AwaitGateway from processing: %v, want domain.ErrInvalidTransition", err)
	}
}
