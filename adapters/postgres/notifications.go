package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
)

type notificationRow struct {
	bun.BaseModel `bun:"table:notifications"`

	ID          string     `bun:"id,pk"`
	PaymentID   string     `bun:"payment_id"`
	ClientID    string     `bun:"client_id"`
	Recipient   string     `bun:"recipient"`
	Template    string     `bun:"template"`
	Language    string     `bun:"language"`
	Body        string     `bun:"body"`
	Status      string     `bun:"status"`
	Provider    string     `bun:"provider"`
	ProviderRef string     `bun:"provider_ref"`
	Error       string     `bun:"error"`
	Encoding    string     `bun:"encoding"`
	Segments    int        `bun:"segments"`
	Attempts    int        `bun:"attempts"`
	CreatedAt   time.Time  `bun:"created_at"`
	SentAt      *time.Time `bun:"sent_at"`
}

func toNotificationRow(n *domain.Notification) *notificationRow {
	return &notificationRow{
		ID: n.ID, PaymentID: n.PaymentID, ClientID: n.ClientID, Recipient: n.Recipient,
		Template: n.Template, Language: n.Language, Body: n.Body, Status: string(n.Status),
		Provider: n.Provider, ProviderRef: n.ProviderRef, Error: n.Error,
		Encoding: n.Encoding, Segments: n.Segments, Attempts: n.Attempts,
		CreatedAt: n.CreatedAt, SentAt: n.SentAt,
	}
}

func (r *notificationRow) toDomain() *domain.Notification {
	return &domain.Notification{
		ID: r.ID, PaymentID: r.PaymentID, ClientID: r.ClientID, Recipient: r.Recipient,
		Template: r.Template, Language: r.Language, Body: r.Body,
		Status: domain.NotificationStatus(r.Status), Provider: r.Provider,
		ProviderRef: r.ProviderRef, Error: r.Error, Encoding: r.Encoding, Segments: r.Segments,
		Attempts: r.Attempts, CreatedAt: r.CreatedAt.UTC(), SentAt: r.SentAt,
	}
}

type notificationRepo struct{ db bun.IDB }

func (r notificationRepo) Create(ctx context.Context, n *domain.Notification) error {
	_, err := r.db.NewInsert().Model(toNotificationRow(n)).Exec(ctx)
	return mapErr(err)
}

func (r notificationRepo) Get(ctx context.Context, id string) (*domain.Notification, error) {
	return r.get(ctx, id, false)
}

// Update locks the notification, calls fn and writes it back.
func (r notificationRepo) Update(ctx context.Context, id string, fn func(*domain.Notification) error) error {
	n, err := r.get(ctx, id, true)
	if err != nil {
		return err
	}
	if err := fn(n); err != nil {
		return err
	}
	return r.write(ctx, n)
}

// UpdateSeen, outside Transact's deferred writes, locks the notification
// as Update does.
func (r notificationRepo) UpdateSeen(ctx context.Context, seen *domain.Notification, fn func(*domain.Notification) error) error {
	return r.Update(ctx, seen.ID, fn)
}

func (r notificationRepo) get(ctx context.Context, id string, forUpdate bool) (*domain.Notification, error) {
	var row notificationRow
	q := r.db.NewSelect().Model(&row).Where("id = ?", id)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

func (r notificationRepo) write(ctx context.Context, n *domain.Notification) error {
	_, err := r.db.NewUpdate().Model(toNotificationRow(n)).
		Column("status", "provider", "provider_ref", "error", "sent_at", "attempts").WherePK().Exec(ctx)
	return mapErr(err)
}
