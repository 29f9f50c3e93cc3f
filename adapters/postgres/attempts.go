package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
)

type attemptRow struct {
	bun.BaseModel `bun:"table:attempts"`

	ID             string     `bun:"id,pk"`
	PaymentID      string     `bun:"payment_id"`
	Gateway        string     `bun:"gateway"`
	Status         string     `bun:"status"`
	Amount         int64      `bun:"amount"`
	Currency       string     `bun:"currency"`
	GatewayRef     *string    `bun:"gateway_ref"`
	RedirectURL    string     `bun:"redirect_url"`
	Signature      string     `bun:"signature"`
	TrxID          string     `bun:"trx_id"`
	FailureCode    string     `bun:"failure_code"`
	FailureMessage string     `bun:"failure_message"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
	Checks         int        `bun:"checks"`
	NextCheckAt    *time.Time `bun:"next_check_at"`
}

func toAttemptRow(a *domain.Attempt) *attemptRow {
	var ref *string
	if a.GatewayRef != "" {
		ref = &a.GatewayRef
	}
	return &attemptRow{
		ID: a.ID, PaymentID: a.PaymentID, Gateway: string(a.Gateway), Status: string(a.Status()),
		Amount: a.Amount.Minor(), Currency: a.Amount.Currency().Code, GatewayRef: ref,
		RedirectURL: a.RedirectURL, Signature: a.Signature, TrxID: a.TrxID,
		FailureCode: a.FailureCode, FailureMessage: a.FailureMessage,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Checks: a.Checks, NextCheckAt: timePtr(a.NextCheckAt),
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (r *attemptRow) toDomain() (*domain.Attempt, error) {
	amount, err := domain.NewMoney(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	ref := ""
	if r.GatewayRef != nil {
		ref = *r.GatewayRef
	}
	a := domain.AttemptFromDB(domain.Attempt{
		ID: r.ID, PaymentID: r.PaymentID, Gateway: domain.Gateway(r.Gateway), Amount: amount,
		GatewayRef: ref, RedirectURL: r.RedirectURL, Signature: r.Signature, TrxID: r.TrxID,
		FailureCode: r.FailureCode, FailureMessage: r.FailureMessage,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Checks: r.Checks,
	}, domain.AttemptStatus(r.Status))
	if r.NextCheckAt != nil {
		a.NextCheckAt = r.NextCheckAt.UTC()
	}
	return a, nil
}

// attemptRepo reads and writes attempts on db; bound to a transaction (t
// set), its write-backs are deferred as paymentRepo's are.
type attemptRepo struct {
	db bun.IDB
	t  *txn
}

func (r attemptRepo) Create(ctx context.Context, a *domain.Attempt) error {
	_, err := r.db.NewInsert().Model(toAttemptRow(a)).Exec(ctx)
	return mapErr(err)
}

func (r attemptRepo) get(ctx context.Context, forUpdate bool, where string, args ...any) (*domain.Attempt, error) {
	var row attemptRow
	q := r.db.NewSelect().Model(&row).Where(where, args...)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain()
}

func (r attemptRepo) Get(ctx context.Context, id string) (*domain.Attempt, error) {
	return r.get(ctx, false, "id = ?", id)
}

func (r attemptRepo) GetByGatewayRef(ctx context.Context, g domain.Gateway, ref string) (*domain.Attempt, error) {
	if ref == "" {
		return nil, domain.ErrNotFound
	}
	return r.get(ctx, false, "gateway = ? AND gateway_ref = ?", string(g), ref)
}

// Update locks the attempt's payment, then the attempt (the lock order of
// docs/architecture.md §3), calls fn and writes back the payment when fn
// moved its Version and the attempt when fn changed it. The payment is
// found and locked in one statement: payment_id never changes, so the
// unlocked subquery reading it is safe, and FOR UPDATE locks only the
// payments row (a subquery's rows are not locked).
func (r attemptRepo) Update(ctx context.Context, attemptID string, fn func(*domain.Payment, *domain.Attempt) error) error {
	var prow paymentRow
	if err := r.db.NewSelect().Model(&prow).
		Where("id = (SELECT a.payment_id FROM attempts AS a WHERE a.id = ?)", attemptID).
		For("UPDATE").Scan(ctx); err != nil {
		return mapErr(err)
	}
	p, err := prow.toDomain()
	if err != nil {
		return err
	}
	a, err := r.get(ctx, true, "id = ?", attemptID)
	if err != nil {
		return err
	}
	v, before := p.Version, *a
	if err := fn(p, a); err != nil {
		return err
	}
	if *a != before {
		if err := r.write(ctx, a); err != nil {
			return err
		}
	}
	if p.Version != v {
		return paymentRepo(r).write(ctx, p)
	}
	return nil
}

func (r attemptRepo) ListByPayment(ctx context.Context, paymentID string) ([]*domain.Attempt, error) {
	var rows []attemptRow
	if err := r.db.NewSelect().Model(&rows).Where("payment_id = ?", paymentID).
		Order("created_at", "id").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Attempt, 0, len(rows))
	for i := range rows {
		a, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (r attemptRepo) write(ctx context.Context, a *domain.Attempt) error {
	if r.t != nil {
		return r.t.deferAttemptUpdate(a)
	}
	res, err := r.db.NewUpdate().Model(toAttemptRow(a)).
		ExcludeColumn("id", "payment_id", "gateway", "amount", "currency", "created_at").
		WherePK().Exec(ctx)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return domain.ErrNotFound
	}
	return nil
}

// Stale returns up to limit attempts in status st last updated before
// `before` (and, for unresolved ones, due for a check), oldest first.
func (r attemptRepo) Stale(ctx context.Context, st domain.AttemptStatus, before time.Time, limit int) ([]*domain.Attempt, error) {
	var rows []attemptRow
	q := r.db.NewSelect().Model(&rows).Where("status = ?", string(st))
	if st == domain.AttemptUnresolved {
		q = q.Where("(next_check_at IS NULL OR next_check_at <= ?)", before)
	} else {
		q = q.Where("updated_at < ?", before)
	}
	if err := q.Order("updated_at").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Attempt, 0, len(rows))
	for i := range rows {
		a, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
