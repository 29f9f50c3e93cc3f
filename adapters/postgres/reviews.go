package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Operator reviews of attempts (migration 20261122000007) and the lookup
// of an attempt by its gateway transaction, which the same migration makes
// unique.

// Reviews returns the transaction's review repository.
func (t *txn) Reviews() ports.ReviewRepository { return reviewRepo{t.q} }

// GetByTrxID finds the attempt holding gateway transaction trxID; unique by
// the attempts_gateway_trx_key index.
func (r attemptRepo) GetByTrxID(ctx context.Context, g domain.Gateway, trxID string) (*domain.Attempt, error) {
	if trxID == "" {
		return nil, domain.ErrNotFound
	}
	return r.get(ctx, false, "gateway = ? AND trx_id = ?", string(g), trxID)
}

type reviewRow struct {
	bun.BaseModel `bun:"table:attempt_reviews"`

	AttemptID string     `bun:"attempt_id,pk"`
	PaymentID string     `bun:"payment_id"`
	Gateway   string     `bun:"gateway"`
	Reason    string     `bun:"reason"`
	Detail    string     `bun:"detail"`
	TrxID     string     `bun:"trx_id"`
	Status    string     `bun:"status"`
	DecidedBy string     `bun:"decided_by"`
	Note      string     `bun:"note"`
	CreatedAt time.Time  `bun:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at"`
	DecidedAt *time.Time `bun:"decided_at"`
}

func toReviewRow(r *domain.Review) *reviewRow {
	return &reviewRow{AttemptID: r.AttemptID, PaymentID: r.PaymentID, Gateway: string(r.Gateway), Reason: r.Reason,
		Detail: r.Detail, TrxID: r.TrxID, Status: string(r.Status), DecidedBy: r.DecidedBy, Note: r.Note,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DecidedAt: timePtr(r.DecidedAt)}
}

func (x *reviewRow) toDomain() *domain.Review {
	r := &domain.Review{AttemptID: x.AttemptID, PaymentID: x.PaymentID, Gateway: domain.Gateway(x.Gateway),
		Reason: x.Reason, Detail: x.Detail, TrxID: x.TrxID, Status: domain.ReviewStatus(x.Status),
		DecidedBy: x.DecidedBy, Note: x.Note, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
	if x.DecidedAt != nil {
		r.DecidedAt = x.DecidedAt.UTC()
	}
	return r
}

type reviewRepo struct{ db bun.IDB }

func (r reviewRepo) Open(ctx context.Context, x *domain.Review) error {
	_, err := r.db.NewInsert().Model(toReviewRow(x)).
		On("CONFLICT (attempt_id) DO UPDATE").
		Set("reason = EXCLUDED.reason, detail = EXCLUDED.detail, trx_id = EXCLUDED.trx_id").
		Set("status = EXCLUDED.status, decided_by = '', note = '', decided_at = NULL, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return mapErr(err)
}

func (r reviewRepo) Get(ctx context.Context, attemptID string) (*domain.Review, error) {
	return r.get(ctx, attemptID, false)
}

// Update locks the attempt's review, calls fn and writes the review back.
func (r reviewRepo) Update(ctx context.Context, attemptID string, fn func(*domain.Review) error) error {
	x, err := r.get(ctx, attemptID, true)
	if err != nil {
		return err
	}
	if err := fn(x); err != nil {
		return err
	}
	return r.write(ctx, x)
}

func (r reviewRepo) get(ctx context.Context, attemptID string, forUpdate bool) (*domain.Review, error) {
	var row reviewRow
	q := r.db.NewSelect().Model(&row).Where("attempt_id = ?", attemptID)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

func (r reviewRepo) List(ctx context.Context, st domain.ReviewStatus, limit int) ([]*domain.Review, error) {
	var rows []reviewRow
	q := r.db.NewSelect().Model(&rows)
	if st != "" {
		q = q.Where("status = ?", string(st))
	}
	if err := q.Order("created_at", "attempt_id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Review, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].toDomain())
	}
	return out, nil
}

func (r reviewRepo) write(ctx context.Context, x *domain.Review) error {
	res, err := r.db.NewUpdate().Model(toReviewRow(x)).ExcludeColumn("attempt_id", "payment_id", "gateway", "created_at").
		WherePK().Exec(ctx)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return domain.ErrNotFound
	}
	return nil
}
