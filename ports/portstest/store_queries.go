package portstest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The Store's ports.PaymentQueries: lists, cursors, capped counts and
// dashboard figures computed by scanning its payments.

type queries struct{ d *data }

func (q queries) List(_ context.Context, f ports.PaymentFilter) (ports.PaymentList, error) {
	var all []*domain.Payment
	for _, p := range q.d.payments {
		switch {
		case p.Order.ClientID != f.ClientID,
			f.Status != "" && p.Status() != f.Status,
			f.OrderID != "" && p.Order.OrderID != f.OrderID,
			!f.From.IsZero() && p.CreatedAt.Before(f.From),
			!f.To.IsZero() && !p.CreatedAt.Before(f.To):
			continue
		}
		all = append(all, &p)
	}
	slices.SortFunc(all, func(a, b *domain.Payment) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	out := ports.PaymentList{Total: len(all)}
	if f.CountCap > 0 && (!f.From.IsZero() || !f.To.IsZero()) && out.Total > f.CountCap {
		out.Total, out.TotalCapped = f.CountCap, true
	}
	after := all
	if f.AfterID != "" {
		// all is newest first: p comes before the cursor when (p.CreatedAt,
		// p.ID) is greater.
		i, found := slices.BinarySearchFunc(all, f, func(p *domain.Payment, f ports.PaymentFilter) int {
			return cmp.Or(f.AfterCreated.Compare(p.CreatedAt), cmp.Compare(f.AfterID, p.ID))
		})
		if found {
			i++
		}
		after = all[i:]
	}
	lo := min(f.Offset, len(after))
	hi := min(lo+f.Limit, len(after))
	out.Payments = after[lo:hi]
	return out, nil
}

func (q queries) Stats(_ context.Context, clientID string) (ports.PaymentStats, error) {
	st := ports.PaymentStats{Paid: map[string]int64{}, Refunded: map[string]int64{}}
	for _, p := range q.d.payments {
		if p.Order.ClientID != clientID {
			continue
		}
		cur := p.Amount.Currency().Code
		st.Total++
		switch p.Status() {
		case domain.StatusSuccess, domain.StatusPartiallyRefunded, domain.StatusRefunded, domain.StatusDisputed:
			st.Success++
			st.Paid[cur] += p.Amount.Minor()
		case domain.StatusFailed, domain.StatusCancelled, domain.StatusExpired:
			st.Failed++
		}
		st.Refunded[cur] += p.Refunded.Minor()
	}
	return st, nil
}

func (q queries) ExpiredPayments(_ context.Context, now time.Time, limit int) ([]string, error) {
	var due []domain.Payment
	for _, p := range q.d.payments {
		if p.Status() == domain.StatusPending && !p.ExpiresAt.After(now) {
			due = append(due, p)
		}
	}
	slices.SortFunc(due, func(a, b domain.Payment) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(q.d.paySeq[a.ID], q.d.paySeq[b.ID]))
	})
	var ids []string
	for _, p := range due[:min(limit, len(due))] {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// ==== event log
