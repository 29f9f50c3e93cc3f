package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
)

type paymentRow struct {
	bun.BaseModel `bun:"table:payments"`

	ID            string          `bun:"id,pk"`
	ClientID      string          `bun:"client_id"`
	OrderID       string          `bun:"order_id"`
	Amount        int64           `bun:"amount"`
	Currency      string          `bun:"currency"`
	Status        string          `bun:"status"`
	CustomerName  string          `bun:"customer_name"`
	CustomerEmail string          `bun:"customer_email"`
	CustomerPhone string          `bun:"customer_phone"`
	ReturnURL     string          `bun:"return_url"`
	CancelURL     string          `bun:"cancel_url"`
	FailureURL    string          `bun:"failure_url"`
	WebhookURL    string          `bun:"webhook_url"`
	Metadata      json.RawMessage `bun:"metadata,type:jsonb,nullzero"`
	Gateway       string          `bun:"gateway"`
	GatewayRef    string          `bun:"gateway_ref"`
	TrxID         string          `bun:"trx_id"`
	Refunded      int64           `bun:"refunded"`
	Version       int             `bun:"version"`
	ExpiresAt     time.Time       `bun:"expires_at"`
	CreatedAt     time.Time       `bun:"created_at"`
	UpdatedAt     time.Time       `bun:"updated_at"`
}

func toPaymentRow(p *domain.Payment) *paymentRow {
	return &paymentRow{
		ID: p.ID, ClientID: p.Order.ClientID, OrderID: p.Order.OrderID,
		Amount: p.Amount.Minor(), Currency: p.Amount.Currency().Code, Status: string(p.Status()),
		CustomerName: p.Order.CustomerName, CustomerEmail: p.Order.CustomerEmail,
		CustomerPhone: p.Order.CustomerPhone, ReturnURL: p.Order.ReturnURL,
		CancelURL: p.Order.CancelURL, FailureURL: p.Order.FailureURL,
		WebhookURL: p.Order.WebhookURL, Metadata: p.Order.Metadata,
		Gateway: string(p.Gateway), GatewayRef: p.GatewayRef, TrxID: p.TrxID,
		Refunded: p.Refunded.Minor(), Version: p.Version,
		ExpiresAt: p.ExpiresAt, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func (r *paymentRow) toDomain() (*domain.Payment, error) {
	amount, err := domain.NewMoney(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	refunded, err := domain.NewMoney(r.Refunded, r.Currency)
	if err != nil {
		return nil, err
	}
	return domain.PaymentFromDB(domain.Payment{
		ID: r.ID,
		Order: domain.Order{
			ClientID: r.ClientID, OrderID: r.OrderID, CustomerName: r.CustomerName,
			CustomerEmail: r.CustomerEmail, CustomerPhone: r.CustomerPhone,
			ReturnURL: r.ReturnURL, CancelURL: r.CancelURL, FailureURL: r.FailureURL,
			WebhookURL: r.WebhookURL, Metadata: r.Metadata,
		},
		Amount: amount, Gateway: domain.Gateway(r.Gateway), GatewayRef: r.GatewayRef,
		TrxID: r.TrxID, Refunded: refunded, Version: r.Version,
		ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, domain.PaymentStatus(r.Status)), nil
}

// paymentRepo reads and writes payments on db. Bound to a transaction
// (t set), its write-backs are deferred to the transaction's next batch
// (deferred_flow.go).
type paymentRepo struct {
	db bun.IDB
	t  *txn
}

func (r paymentRepo) Create(ctx context.Context, p *domain.Payment) error {
	_, err := r.db.NewInsert().Model(toPaymentRow(p)).Exec(ctx)
	return mapErr(err)
}

func (r paymentRepo) Get(ctx context.Context, id string) (*domain.Payment, error) {
	return r.get(ctx, id, false)
}

func (r paymentRepo) get(ctx context.Context, id string, forUpdate bool) (*domain.Payment, error) {
	var row paymentRow
	q := r.db.NewSelect().Model(&row).Where("id = ?", id)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain()
}

// Update locks the payment (FOR UPDATE), calls fn and writes the payment
// back when fn moved its Version.
func (r paymentRepo) Update(ctx context.Context, id string, fn func(*domain.Payment) error) error {
	p, err := r.get(ctx, id, true)
	if err != nil {
		return err
	}
	v := p.Version
	if err := fn(p); err != nil {
		return err
	}
	if p.Version == v {
		return nil
	}
	return r.write(ctx, p)
}

// updatePart is the lock order (docs/architecture.md §3) for a row that
// belongs to a payment (an attempt, a refund) in table: read its
// payment_id unlocked (it never changes), lock the payment, then lock the
// part with get; call fn; write back the part if fn changed it and the
// payment if fn moved its Version.
func updatePart[T comparable](ctx context.Context, db bun.IDB, table, id string,
	get func(ctx context.Context, id string) (*T, error), write func(ctx context.Context, x *T) error,
	fn func(*domain.Payment, *T) error) error {
	var paymentID string
	if err := db.NewSelect().Table(table).Column("payment_id").Where("id = ?", id).Scan(ctx, &paymentID); err != nil {
		return mapErr(err)
	}
	pr := paymentRepo{db: db}
	p, err := pr.get(ctx, paymentID, true)
	if err != nil {
		return err
	}
	x, err := get(ctx, id)
	if err != nil {
		return err
	}
	v, before := p.Version, *x
	if err := fn(p, x); err != nil {
		return err
	}
	if *x != before {
		if err := write(ctx, x); err != nil {
			return err
		}
	}
	if p.Version != v {
		return pr.write(ctx, p)
	}
	return nil
}

func (r paymentRepo) write(ctx context.Context, p *domain.Payment) error {
	if r.t != nil {
		return r.t.deferPaymentUpdate(p)
	}
	res, err := r.db.NewUpdate().Model(toPaymentRow(p)).
		ExcludeColumn("id", "client_id", "order_id", "amount", "currency", "created_at").
		WherePK().Exec(ctx)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return domain.ErrNotFound
	}
	return nil
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
