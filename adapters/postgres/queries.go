package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

type queries struct{ db bun.IDB }

// paymentWhere is a PaymentFilter's conditions.
type paymentWhere ports.PaymentFilter

// apply adds f's filter to sel, not its keyset position.
func (f paymentWhere) apply(sel *bun.SelectQuery) *bun.SelectQuery {
	sel = sel.Where("client_id = ?", f.ClientID)
	if f.Status != "" {
		sel = sel.Where("status = ?", string(f.Status))
	}
	if f.OrderID != "" {
		sel = sel.Where("order_id = ?", f.OrderID)
	}
	if !f.From.IsZero() {
		sel = sel.Where("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		sel = sel.Where("created_at < ?", f.To)
	}
	return sel
}

// List implements ports.PaymentQueries: the page from the index on
// (client_id[, status], created_at DESC, id DESC), after f's keyset
// position; the total from client_payment_stats when the filter is at most
// a status, else counted (up to f.CountCap with From or To).
func (q queries) List(ctx context.Context, f ports.PaymentFilter) (ports.PaymentList, error) {
	var rows []paymentRow
	sel := paymentWhere(f).apply(q.db.NewSelect().Model(&rows))
	if f.AfterID != "" {
		sel = sel.Where("(created_at, id) < (?, ?)", f.AfterCreated, f.AfterID)
	}
	err := sel.Order("created_at DESC", "id DESC").Limit(int64(f.Limit)).Offset(int64(f.Offset)).Scan(ctx)
	if err != nil {
		return ports.PaymentList{}, mapErr(err)
	}
	out := ports.PaymentList{Payments: make([]*domain.Payment, 0, len(rows))}
	for i := range rows {
		p, err := rows[i].toDomain()
		if err != nil {
			return ports.PaymentList{}, err
		}
		out.Payments = append(out.Payments, p)
	}
	switch {
	case f.AfterID == "" && f.Offset == 0 && len(rows) < f.Limit:
		out.Total = len(rows) // the whole list is on this page
	case f.OrderID == "" && f.From.IsZero() && f.To.IsZero():
		out.Total, err = q.keptCount(ctx, f.ClientID, f.Status)
	default:
		out.Total, out.TotalCapped, err = q.count(ctx, f)
	}
	return out, mapErr(err)
}

// keptCount is how many payments clientID has (in status st, "" any), from
// client_payment_stats.
func (q queries) keptCount(ctx context.Context, clientID string, st domain.PaymentStatus) (int, error) {
	var n int64
	sel := q.db.NewSelect().Table("client_payment_stats").ColumnExpr("coalesce(sum(n), 0)").Where("client_id = ?", clientID)
	if st != "" {
		sel = sel.Where("status = ?", string(st))
	}
	err := sel.Scan(ctx, &n)
	return int(n), err
}

// count counts the payments f selects: all of them, or with From or To and
// a CountCap, up to CountCap (capped: more match).
func (q queries) count(ctx context.Context, f ports.PaymentFilter) (int, bool, error) {
	sub := paymentWhere(f).apply(q.db.NewSelect().Model((*paymentRow)(nil)).ColumnExpr("1"))
	capped := f.CountCap > 0 && (!f.From.IsZero() || !f.To.IsZero())
	if capped {
		sub = sub.Limit(int64(f.CountCap + 1))
	}
	var n int
	if err := q.db.NewSelect().TableExpr("(?) AS s", sub).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return 0, false, err
	}
	if capped && n > f.CountCap {
		return f.CountCap, true, nil
	}
	return n, false, nil
}

// Stats implements ports.PaymentQueries from client_payment_stats, which a
// trigger on payments keeps in the same transaction as every change
// (migrations/20261206060000_reads.tx.up.sql): a few rows per status and
// currency, whatever the client's history.
func (q queries) Stats(ctx context.Context, clientID string) (ports.PaymentStats, error) {
	st := ports.PaymentStats{Paid: map[string]int64{}, Refunded: map[string]int64{}}
	var rows []struct {
		Currency string `bun:"currency"`
		Total    int64  `bun:"total"`
		Success  int64  `bun:"success"`
		Failed   int64  `bun:"failed"`
		Paid     int64  `bun:"paid"`
		Refunded int64  `bun:"refunded"`
	}
	err := q.db.NewRaw(`SELECT currency,
		coalesce(sum(n), 0) AS total,
		coalesce(sum(n) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')), 0) AS success,
		coalesce(sum(n) FILTER (WHERE status IN ('failed', 'cancelled', 'expired')), 0) AS failed,
		coalesce(sum(amount) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')), 0) AS paid,
		coalesce(sum(refunded), 0) AS refunded
		FROM client_payment_stats WHERE client_id = ? GROUP BY currency`, clientID).Scan(ctx, &rows)
	if err != nil {
		return st, err
	}
	for _, r := range rows {
		st.Total += r.Total
		st.Success += r.Success
		st.Failed += r.Failed
		if r.Total != 0 || r.Paid != 0 || r.Refunded != 0 {
			st.Paid[r.Currency] = r.Paid
			st.Refunded[r.Currency] = r.Refunded
		}
	}
	return st, nil
}

func (q queries) ExpiredPayments(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := q.db.NewSelect().Model((*paymentRow)(nil)).Column("id").
		Where("status = 'pending' AND expires_at <= ?", now).Order("expires_at").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, mapErr(err)
}
