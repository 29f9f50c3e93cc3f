package portstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Opener returns an empty store for one test and a way to add a client to
// it (clients are created outside use cases).
type Opener func(t *testing.T) (ports.TxProvider, func(domain.Client))

// TestRepositories is the contract of ports.TxProvider and the repositories
// it binds: what use cases rely on, checked the same way against the
// in-memory Store and the PostgreSQL adapter, so a fake cannot drift from
// the database.
func TestRepositories(t *testing.T, open Opener) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	client := domain.Client{ID: "cli_contract", Name: "Contract Shop", Status: domain.ClientActive, Language: "en", CreatedAt: t0}
	newPayment := func(t *testing.T, orderID string, at time.Time) *domain.Payment {
		t.Helper()
		p, err := domain.NewPayment(domain.Order{ClientID: client.ID, OrderID: orderID, ReturnURL: "https://shop.example/return",
			CancelURL: "https://shop.example/cart", FailureURL: "https://shop.example/failed"},
			domain.MustMoney(150000, "BDT"), at, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	run := func(t *testing.T, s ports.TxProvider, fn func(ctx context.Context, tx ports.Tx) error) {
		t.Helper()
		if err := s.Transact(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("payments", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-1", t0)
		run(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Payments().Create(ctx, p) })
		err := s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Payments().Create(ctx, newPayment(t, "o-1", t0))
		})
		if !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("second payment for order o-1: %v, want ErrDuplicate", err)
		}
		err = s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Payments().Get(ctx, "txn_missing")
			return err
		})
		if !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Get unknown: %v, want ErrNotFound", err)
		}
		err = s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Payments().Update(ctx, "txn_missing", func(*domain.Payment) error { return nil })
		})
		if !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Update unknown: %v, want ErrNotFound", err)
		}
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Payments().Update(ctx, p.ID, func(p *domain.Payment) error { return p.StartProcessing(t0.Add(time.Minute)) })
		})
		// fn's error comes back as is and nothing is written.
		boom := errors.New("boom")
		err = s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Payments().Update(ctx, p.ID, func(p *domain.Payment) error {
				if err := p.Reopen(t0.Add(2 * time.Minute)); err != nil {
					return err
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update with failing fn: %v, want boom", err)
		}
		var got *domain.Payment
		run(t, s, func(ctx context.Context, tx ports.Tx) (err error) { got, err = tx.Payments().Get(ctx, p.ID); return })
		if got.Status() != domain.StatusProcessing || got.Version != 2 || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("stored payment: %s v%d at %s, want processing v2", got.Status(), got.Version, got.UpdatedAt)
		}
		if got.Order.CancelURL != p.Order.CancelURL || got.Order.FailureURL != p.Order.FailureURL {
			t.Errorf("outcome URLs %q %q, want %q %q", got.Order.CancelURL, got.Order.FailureURL, p.Order.CancelURL, p.Order.FailureURL)
		}
		if !got.Amount.Equal(p.Amount) || got.Order.OrderID != "o-1" || !got.ExpiresAt.Equal(p.ExpiresAt) {
			t.Fatalf("stored payment lost fields: %+v", got)
		}
	})

	t.Run("rollback", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-rb", t0)
		boom := errors.New("boom")
		err := s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			if err := tx.Events().PaymentChanged(ctx, domain.PaymentChanged{TransactionID: p.ID}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact: %v, want boom", err)
		}
		err = s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Payments().Get(ctx, p.ID)
			return err
		})
		if !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("payment of a rolled back transaction: %v, want ErrNotFound", err)
		}
	})

	t.Run("attempts", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-att", t0)
		a1 := domain.NewAttempt(p, domain.GatewayBkash, t0.Add(time.Second))
		a2 := domain.NewAttempt(p, domain.GatewayBkash, t0.Add(2*time.Second))
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			if err := tx.Attempts().Create(ctx, a2); err != nil {
				return err
			}
			return tx.Attempts().Create(ctx, a1)
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Attempts().Update(ctx, a1.ID, func(p *domain.Payment, a *domain.Attempt) error {
				if p.ID != a.PaymentID {
					t.Errorf("Update gave payment %s for attempt of %s", p.ID, a.PaymentID)
				}
				if err := a.Redirect("PAY1", "https://gw.example/pay/1", "sig", t0.Add(3*time.Second)); err != nil {
					return err
				}
				if err := a.Confirm(t0.Add(4 * time.Second)); err != nil {
					return err
				}
				return p.StartProcessing(t0.Add(4 * time.Second))
			})
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Attempts().GetByGatewayRef(ctx, domain.GatewayBkash, "PAY1")
			if err != nil {
				return err
			}
			if got.ID != a1.ID || got.Status() != domain.AttemptConfirming || got.Signature != "sig" {
				t.Errorf("GetByGatewayRef: %s %s, want %s confirming", got.ID, got.Status(), a1.ID)
			}
			pay, err := tx.Payments().Get(ctx, p.ID)
			if err != nil {
				return err
			}
			if pay.Status() != domain.StatusProcessing {
				t.Errorf("payment changed in Attempts().Update: %s, want processing", pay.Status())
			}
			list, err := tx.Attempts().ListByPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			if len(list) != 2 || list[0].ID != a1.ID || list[1].ID != a2.ID {
				t.Errorf("ListByPayment: want oldest first")
			}
			if _, err := tx.Attempts().GetByGatewayRef(ctx, domain.GatewayNagad, "PAY1"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("GetByGatewayRef other gateway: %v, want ErrNotFound", err)
			}
			return nil
		})
		// One gateway transaction settles one attempt.
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Attempts().Update(ctx, a1.ID, func(_ *domain.Payment, a *domain.Attempt) error {
				return a.Succeed("TRX1", t0.Add(5*time.Second))
			})
		})
		err := s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Attempts().Update(ctx, a2.ID, func(_ *domain.Payment, a *domain.Attempt) error {
				if err := a.Redirect("PAY2", "u", "", t0.Add(6*time.Second)); err != nil {
					return err
				}
				return a.ClaimReturn("TRX1", t0.Add(6*time.Second))
			})
		})
		if !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("second attempt holding TRX1: %v, want ErrDuplicate", err)
		}
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Attempts().GetByTrxID(ctx, domain.GatewayBkash, "TRX1")
			if err != nil {
				return err
			}
			if got.ID != a1.ID {
				t.Errorf("GetByTrxID: %s, want %s", got.ID, a1.ID)
			}
			return nil
		})
	})

	t.Run("stale", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-stale", t0)
		old := domain.NewAttempt(p, domain.GatewayNagad, t0)
		fresh := domain.NewAttempt(p, domain.GatewayNagad, t0)
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			for i, a := range []*domain.Attempt{old, fresh} {
				if err := a.Redirect("REF"+string(rune('A'+i)), "u", "", t0.Add(time.Duration(i)*time.Hour)); err != nil {
					return err
				}
				if err := tx.Attempts().Create(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Attempts().Stale(ctx, domain.AttemptRedirected, t0.Add(30*time.Minute), 10)
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].ID != old.ID {
				t.Errorf("Stale: %d attempts, want only the old one", len(got))
			}
			return nil
		})
	})

	t.Run("refunds", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-ref", t0)
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			if err := p.StartProcessing(t0); err != nil {
				return err
			}
			if err := p.Succeed(domain.GatewayBkash, "PAY", "TRX", t0); err != nil {
				return err
			}
			return tx.Payments().Create(ctx, p)
		})
		r, err := domain.NewRefund(p, domain.MustMoney(50000, "BDT"), "damaged", t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		run(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Refunds().Create(ctx, r) })
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Refunds().Update(ctx, r.ID, func(p *domain.Payment, r *domain.Refund) error {
				if err := r.Submit(t0.Add(2 * time.Minute)); err != nil {
					return err
				}
				if err := r.Succeed("RTRX", t0.Add(3*time.Minute)); err != nil {
					return err
				}
				return p.ApplyRefund(r.Amount, t0.Add(3*time.Minute))
			})
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			list, err := tx.Refunds().ListByPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			if len(list) != 1 || list[0].Status() != domain.RefundSucceeded || list[0].GatewayRef != "RTRX" {
				t.Errorf("refund after Update: %+v", list)
			}
			pay, err := tx.Payments().Get(ctx, p.ID)
			if err != nil {
				return err
			}
			if pay.Status() != domain.StatusPartiallyRefunded || pay.Refunded.Minor() != 50000 {
				t.Errorf("payment after refund: %s refunded %d", pay.Status(), pay.Refunded.Minor())
			}
			return nil
		})
	})

	t.Run("reviews", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-rev", t0)
		a := domain.NewAttempt(p, domain.GatewayRedirectGW, t0)
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			if err := tx.Attempts().Create(ctx, a); err != nil {
				return err
			}
			return tx.Reviews().Open(ctx, domain.NewReview(a, "FIRST", "d1", "", t0))
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Reviews().Open(ctx, domain.NewReview(a, "SECOND", "d2", "T", t0.Add(time.Minute)))
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.Attempts().Update(ctx, a.ID, func(*domain.Payment, *domain.Attempt) error {
				return tx.Reviews().Update(ctx, a.ID, func(r *domain.Review) error {
					if r.Reason != "SECOND" || r.TrxID != "T" {
						t.Errorf("Open did not replace the attempt's review: %+v", r)
					}
					return r.Decide(domain.ReviewRejected, "ops", "checked", t0.Add(2*time.Minute))
				})
			})
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			open, err := tx.Reviews().List(ctx, domain.ReviewOpen, 10)
			if err != nil {
				return err
			}
			all, err := tx.Reviews().List(ctx, "", 10)
			if err != nil {
				return err
			}
			if len(open) != 0 || len(all) != 1 || all[0].Status != domain.ReviewRejected || all[0].DecidedBy != "ops" {
				t.Errorf("reviews after decision: open %d, all %+v", len(open), all)
			}
			return nil
		})
	})

	t.Run("queries", func(t *testing.T) { testQueries(t, open, client, newPayment, t0) })

	t.Run("event log", func(t *testing.T) {
		s, add := open(t)
		add(client)
		p := newPayment(t, "o-ev", t0)
		e := &domain.Event{ID: domain.NewID(domain.PrefixEvent), Type: domain.EventPaymentPending, ClientID: client.ID,
			PaymentID: p.ID, Payload: []byte(`{"id":"x"}`), CreatedAt: t0}
		d := &domain.WebhookDelivery{ID: domain.NewID(domain.PrefixDelivery), EventID: e.ID, ClientID: client.ID,
			URL: "https://shop.example/hook", Status: domain.DeliveryPending, CreatedAt: t0, UpdatedAt: t0}
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			if err := tx.EventLog().CreateEvent(ctx, e); err != nil {
				return err
			}
			return tx.EventLog().CreateDelivery(ctx, d)
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			return tx.EventLog().UpdateDelivery(ctx, d.ID, func(d *domain.WebhookDelivery) error {
				try := d.Record(500, false, false, t0.Add(time.Second))
				return tx.EventLog().AddAttempt(ctx, try)
			})
		})
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.EventLog().GetDelivery(ctx, d.ID)
			if err != nil {
				return err
			}
			if got.Attempts != 1 || got.LastStatus != 500 || got.Status != domain.DeliveryPending {
				t.Errorf("delivery after a failed try: %+v", got)
			}
			both, joined, err := tx.EventLog().GetDeliveryEvent(ctx, d.ID)
			if err != nil {
				return err
			}
			if both.Attempts != 1 || joined.ID != e.ID || joined.Type != e.Type || joined.PaymentID != p.ID ||
				string(joined.Payload) != string(e.Payload) || !joined.CreatedAt.Equal(t0) || joined.ClientID != client.ID {
				t.Errorf("delivery with its event: %+v, %+v", both, joined)
			}
			if _, _, err := tx.EventLog().GetDeliveryEvent(ctx, "whd_none"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("unknown delivery with its event: %v, want ErrNotFound", err)
			}
			tries, err := tx.EventLog().ListAttempts(ctx, d.ID)
			if err != nil {
				return err
			}
			if len(tries) != 1 || tries[0].StatusCode != 500 {
				t.Errorf("tries: %+v", tries)
			}
			mine, err := tx.EventLog().ListDeliveries(ctx, client.ID, "", 10)
			if err != nil {
				return err
			}
			theirs, err := tx.EventLog().ListDeliveries(ctx, "cli_other", "", 10)
			if err != nil {
				return err
			}
			if len(mine) != 1 || len(theirs) != 0 {
				t.Errorf("ListDeliveries by client: %d mine, %d another's", len(mine), len(theirs))
			}
			ev, err := tx.EventLog().GetEvent(ctx, e.ID)
			if err != nil {
				return err
			}
			if string(ev.Payload) != `{"id":"x"}` {
				t.Errorf("event payload %q", ev.Payload)
			}
			return nil
		})
	})

	t.Run("gateway hooks", func(t *testing.T) {
		s, _ := open(t)
		rec := ports.GatewayHookRecord{Gateway: "bkash", EventID: "ev-1", Verdict: "accepted", At: t0, Headers: map[string]string{}}
		run(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.GatewayHooks().RecordHook(ctx, rec) })
		err := s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error { return tx.GatewayHooks().RecordHook(ctx, rec) })
		if !errors.Is(err, domain.ErrDuplicate) {
			t.Fatalf("second accepted ev-1: %v, want ErrDuplicate", err)
		}
		run(t, s, func(ctx context.Context, tx ports.Tx) error {
			seen, err := tx.GatewayHooks().HookAccepted(ctx, "bkash", "ev-1")
			if err != nil || !seen {
				t.Errorf("HookAccepted ev-1: %v %v", seen, err)
			}
			seen, err = tx.GatewayHooks().HookAccepted(ctx, "nagad", "ev-1")
			if err != nil || seen {
				t.Errorf("HookAccepted nagad ev-1: %v %v", seen, err)
			}
			return nil
		})
	})
}
