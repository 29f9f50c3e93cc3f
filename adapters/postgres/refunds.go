package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
)

type refundRow struct {
	bun.BaseModel `bun:"table:refunds"`

	ID             string    `bun:"id,pk"`
	PaymentID      string    `bun:"payment_id"`
	ClientID       string    `bun:"client_id"`
	Amount         int64     `bun:"amount"`
	Currency       string    `bun:"currency"`
	Reason         string    `bun:"reason"`
	Status         string    `bun:"status"`
	GatewayRef     string    `bun:"gateway_ref"`
	FailureCode    string    `bun:"failure_code"`
	FailureMessage string    `bun:"failure_message"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

func toRefundRow(r *domain.Refund) *refundRow {
	return &refundRow{
		ID: r.ID, PaymentID: r.PaymentID, ClientID: r.ClientID, Amount: r.Amount.Minor(),
		Currency: r.Amount.Currency().Code, Reason: r.Reason, Status: string(r.Status()),
		GatewayRef: r.GatewayRef, FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func (r *refundRow) toDomain() (*domain.Refund, error) {
	amount, err := domain.NewMoney(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	return domain.RefundFromDB(domain.Refund{
		ID: r.ID, PaymentID: r.PaymentID, ClientID: r.ClientID, Amount: amount, Reason: r.Reason,
		GatewayRef: r.GatewayRef, FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, domain.RefundStatus(r.Status)), nil
}

type refundRepo struct{ db bun.IDB }

func (r refundRepo) Create(ctx context.Context, x *domain.Refund) error {
	_, err := r.db.NewInsert().Model(toRefundRow(x)).Exec(ctx)
	return mapErr(err)
}

func (r refundRepo) Get(ctx context.Context, id string) (*domain.Refund, error) {
	return r.get(ctx, id, false)
}

// Update locks the refund's payment, then the refund (the lock order,
// docs/architecture.md §3), calls fn and writes back what it changed.
func (r refundRepo) Update(ctx context.Context, refundID string, fn func(*domain.Payment, *domain.Refund) error) error {
	get := func(ctx context.Context, id string) (*domain.Refund, error) { return r.get(ctx, id, true) }
	return updatePart(ctx, r.db, "refunds", refundID, get, r.write, fn)
}

func (r refundRepo) get(ctx context.Context, id string, forUpdate bool) (*domain.Refund, error) {
	var row refundRow
	q := r.db.NewSelect().Model(&row).Where("id = ?", id)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain()
}

func (r refundRepo) ListByPayment(ctx context.Context, paymentID string) ([]*domain.Refund, error) {
	var rows []refundRow
	if err := r.db.NewSelect().Model(&rows).Where("payment_id = ?", paymentID).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Refund, 0, len(rows))
	for i := range rows {
		x, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (r refundRepo) write(ctx context.Context, x *domain.Refund) error {
	_, err := r.db.NewUpdate().Model(toRefundRow(x)).
		Column("status", "gateway_ref", "failure_code", "failure_message", "updated_at").WherePK().Exec(ctx)
	return mapErr(err)
}
