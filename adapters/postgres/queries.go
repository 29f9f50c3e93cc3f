package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

type queries struct{ db bun.IDB }

func (q queries) List(ctx context.Context, f ports.PaymentFilter) ([]*domain.Payment, int, error) {
	var rows []paymentRow
	sel := q.db.NewSelect().Model(&rows).Where("client_id = ?", f.ClientID)
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
	total, err := sel.Order("created_at DESC", "id DESC").Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, mapErr(err)
	}
	out := make([]*domain.Payment, 0, len(rows))
	for i := range rows {
		p, err := rows[i].toDomain()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, int(total), nil
}

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
		count(*) AS total,
		count(*) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')) AS success,
		count(*) FILTER (WHERE status IN ('failed', 'cancelled', 'expired')) AS failed,
		coalesce(sum(amount) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')), 0) AS paid,
		coalesce(sum(refunded), 0) AS refunded
		FROM payments WHERE client_id = ? GROUP BY currency`, clientID).Scan(ctx, &rows)
	if err != nil {
		return st, err
	}
	for _, r := range rows {
		st.Total += r.Total
		st.Success += r.Success
		st.Failed += r.Failed
		st.Paid[r.Currency] = r.Paid
		st.Refunded[r.Currency] = r.Refunded
	}
	return st, nil
}

func (q queries) ExpiredPayments(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := q.db.NewSelect().Model((*paymentRow)(nil)).Column("id").
		Where("status = 'pending' AND expires_at <= ?", now).Order("expires_at").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, mapErr(err)
}
