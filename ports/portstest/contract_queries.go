package portstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// testQueries is TestRepositories' contract of ports.PaymentQueries: lists,
// filters, cursors, capped counts and the kept dashboard figures, over the
// payments that client makes with newPayment from t0 on.
func testQueries(t *testing.T, open Opener, client domain.Client, newPayment func(*testing.T, string, time.Time) *domain.Payment, t0 time.Time) {
	ctx := context.Background()
	run := func(t *testing.T, s ports.TxProvider, fn func(ctx context.Context, tx ports.Tx) error) {
		t.Helper()
		if err := s.Transact(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	s, add := open(t)
	add(client)
	var ids []string
	run(t, s, func(ctx context.Context, tx ports.Tx) error {
		for i := range 5 {
			p := newPayment(t, "o-q"+string(rune('0'+i)), t0.Add(time.Duration(i)*time.Minute))
			if i == 4 {
				if err := p.StartProcessing(p.CreatedAt); err != nil {
					return err
				}
				if err := p.Succeed(domain.GatewayBkash, "R", "T", p.CreatedAt); err != nil {
					return err
				}
			}
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		return nil
	})
	run(t, s, func(ctx context.Context, tx ports.Tx) error {
		l, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, Offset: 1, Limit: 2})
		if err != nil {
			return err
		}
		if l.Total != 5 || l.TotalCapped || len(l.Payments) != 2 || l.Payments[0].ID != ids[3] || l.Payments[1].ID != ids[2] {
			t.Errorf("List page 2 of 2: total %d, %d rows, want newest first", l.Total, len(l.Payments))
		}
		// Keyset: after the third newest, the two oldest; the total is
		// still the whole filter's.
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, AfterCreated: l.Payments[1].CreatedAt,
			AfterID: l.Payments[1].ID, Limit: 10})
		if err != nil {
			return err
		}
		if l.Total != 5 || len(l.Payments) != 2 || l.Payments[0].ID != ids[1] || l.Payments[1].ID != ids[0] {
			t.Errorf("List after the third: total %d, %d rows, want the two oldest", l.Total, len(l.Payments))
		}
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, Status: domain.StatusSuccess, Limit: 10})
		if err != nil {
			return err
		}
		if l.Total != 1 {
			t.Errorf("List status=success: %d, want 1", l.Total)
		}
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, Status: domain.StatusPending, Limit: 1})
		if err != nil {
			return err
		}
		if l.Total != 4 || len(l.Payments) != 1 || l.Payments[0].ID != ids[3] {
			t.Errorf("List status=pending, 1 per page: total %d, %d rows", l.Total, len(l.Payments))
		}
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute), Limit: 10})
		if err != nil {
			return err
		}
		if l.Total != 2 || l.TotalCapped {
			t.Errorf("List [from, to): %d, want 2", l.Total)
		}
		// A capped count: 4 match from t0+1m, at most 2 are counted.
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, From: t0.Add(time.Minute), Limit: 1, CountCap: 2})
		if err != nil {
			return err
		}
		if l.Total != 2 || !l.TotalCapped || len(l.Payments) != 1 || l.Payments[0].ID != ids[4] {
			t.Errorf("List from t0+1m capped at 2: total %d capped %v, %d rows", l.Total, l.TotalCapped, len(l.Payments))
		}
		l, err = tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, From: t0.Add(time.Minute), Limit: 1, CountCap: 4})
		if err != nil {
			return err
		}
		if l.Total != 4 || l.TotalCapped {
			t.Errorf("List from t0+1m capped at 4: total %d capped %v", l.Total, l.TotalCapped)
		}
		st, err := tx.Queries().Stats(ctx, client.ID)
		if err != nil {
			return err
		}
		if st.Total != 5 || st.Success != 1 || st.Failed != 0 || st.Paid["BDT"] != 150000 || st.Refunded["BDT"] != 0 {
			t.Errorf("Stats: %+v", st)
		}
		due, err := tx.Queries().ExpiredPayments(ctx, t0.Add(time.Hour+90*time.Second), 10)
		if err != nil {
			return err
		}
		if len(due) != 2 || due[0] != ids[0] || due[1] != ids[1] {
			t.Errorf("ExpiredPayments: %v, want the first two", due)
		}
		return nil
	})
	// The totals follow every change: a refund, a failure, an
	// expiry, and a change rolled back.
	run(t, s, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Payments().Update(ctx, ids[4], func(p *domain.Payment) error {
			return p.ApplyRefund(domain.MustMoney(50000, "BDT"), t0.Add(time.Hour))
		}); err != nil {
			return err
		}
		if err := tx.Payments().Update(ctx, ids[0], func(p *domain.Payment) error { return p.Expire(t0.Add(2 * time.Hour)) }); err != nil {
			return err
		}
		return tx.Payments().Update(ctx, ids[1], func(p *domain.Payment) error { return p.Cancel(t0.Add(time.Hour)) })
	})
	boom := errors.New("boom")
	if err := s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Payments().Update(ctx, ids[2], func(p *domain.Payment) error { return p.Cancel(t0.Add(time.Hour)) }); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("rolled back change: %v", err)
	}
	run(t, s, func(ctx context.Context, tx ports.Tx) error {
		st, err := tx.Queries().Stats(ctx, client.ID)
		if err != nil {
			return err
		}
		if st.Total != 5 || st.Success != 1 || st.Failed != 2 || st.Paid["BDT"] != 150000 || st.Refunded["BDT"] != 50000 {
			t.Errorf("Stats after refund, expiry, cancel: %+v", st)
		}
		l, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: client.ID, Status: domain.StatusPending, Limit: 1})
		if err != nil {
			return err
		}
		if l.Total != 2 {
			t.Errorf("pending after expiry and cancel: %d, want 2", l.Total)
		}
		return nil
	})
}
