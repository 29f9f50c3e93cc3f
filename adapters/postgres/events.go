package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

type eventRow struct {
	bun.BaseModel `bun:"table:events"`

	ID        string    `bun:"id,pk"`
	Type      string    `bun:"type"`
	ClientID  string    `bun:"client_id"`
	PaymentID string    `bun:"payment_id"`
	Payload   string    `bun:"payload"`
	CreatedAt time.Time `bun:"created_at"`
}

type deliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID          string     `bun:"id,pk"`
	EventID     string     `bun:"event_id"`
	ClientID    string     `bun:"client_id"`
	URL         string     `bun:"url"`
	Status      string     `bun:"status"`
	Attempts    int        `bun:"attempts"`
	LastStatus  int        `bun:"last_status"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
	DeliveredAt *time.Time `bun:"delivered_at"`
}

type webhookAttemptRow struct {
	bun.BaseModel `bun:"table:webhook_attempts"`

	ID         int64     `bun:"id,pk,autoincrement"`
	DeliveryID string    `bun:"delivery_id"`
	Attempt    int       `bun:"attempt"`
	At         time.Time `bun:"at"`
	StatusCode int       `bun:"status_code"`
	LatencyMS  int64     `bun:"latency_ms"`
	Response   string    `bun:"response"`
	Error      string    `bun:"error"`
}

func toDeliveryRow(d *domain.WebhookDelivery) *deliveryRow {
	return &deliveryRow{ID: d.ID, EventID: d.EventID, ClientID: d.ClientID, URL: d.URL, Status: string(d.Status),
		Attempts: d.Attempts, LastStatus: d.LastStatus, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, DeliveredAt: d.DeliveredAt}
}

func (r *deliveryRow) toDomain() *domain.WebhookDelivery {
	return &domain.WebhookDelivery{ID: r.ID, EventID: r.EventID, ClientID: r.ClientID, URL: r.URL,
		Status: domain.DeliveryStatus(r.Status), Attempts: r.Attempts, LastStatus: r.LastStatus,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), DeliveredAt: r.DeliveredAt}
}

type eventRepo struct{ db bun.IDB }

var _ ports.EventRepository = eventRepo{}

func (r eventRepo) CreateEvent(ctx context.Context, e *domain.Event) error {
	_, err := r.db.NewInsert().Model(&eventRow{ID: e.ID, Type: string(e.Type), ClientID: e.ClientID,
		PaymentID: e.PaymentID, Payload: string(e.Payload), CreatedAt: e.CreatedAt}).Exec(ctx)
	return mapErr(err)
}

func (r eventRepo) GetEvent(ctx context.Context, id string) (*domain.Event, error) {
	var row eventRow
	if err := r.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

func (r *eventRow) toDomain() *domain.Event {
	return &domain.Event{ID: r.ID, Type: domain.EventType(r.Type), ClientID: r.ClientID,
		PaymentID: r.PaymentID, Payload: []byte(r.Payload), CreatedAt: r.CreatedAt.UTC()}
}

func (r eventRepo) CreateDelivery(ctx context.Context, d *domain.WebhookDelivery) error {
	_, err := r.db.NewInsert().Model(toDeliveryRow(d)).Exec(ctx)
	return mapErr(err)
}

func (r eventRepo) GetDelivery(ctx context.Context, id string) (*domain.WebhookDelivery, error) {
	return r.getDelivery(ctx, id, false)
}

// GetDeliveryEvent reads the delivery joined to its event: one statement.
func (r eventRepo) GetDeliveryEvent(ctx context.Context, id string) (*domain.WebhookDelivery, *domain.Event, error) {
	var row struct {
		deliveryRow
		Type      string    `bun:"event_type"`
		EventCli  string    `bun:"event_client_id"`
		PaymentID string    `bun:"event_payment_id"`
		Payload   string    `bun:"event_payload"`
		At        time.Time `bun:"event_created_at"`
	}
	err := r.db.NewRaw(`SELECT d.id, d.event_id, d.client_id, d.url, d.status, d.attempts, d.last_status, d.created_at,
		d.updated_at, d.delivered_at, e.type AS event_type, e.client_id AS event_client_id, e.payment_id AS event_payment_id, e.payload AS event_payload,
		e.created_at AS event_created_at
	FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`, id).Scan(ctx, &row)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	e := eventRow{ID: row.EventID, Type: row.Type, ClientID: row.EventCli, PaymentID: row.PaymentID,
		Payload: row.Payload, CreatedAt: row.At}
	return row.toDomain(), e.toDomain(), nil
}

// UpdateDelivery locks the delivery, calls fn and writes it back.
func (r eventRepo) UpdateDelivery(ctx context.Context, id string, fn func(*domain.WebhookDelivery) error) error {
	d, err := r.getDelivery(ctx, id, true)
	if err != nil {
		return err
	}
	if err := fn(d); err != nil {
		return err
	}
	return r.writeDelivery(ctx, d)
}

// UpdateDeliverySeen, outside Transact's deferred writes, locks the
// delivery as UpdateDelivery does.
func (r eventRepo) UpdateDeliverySeen(ctx context.Context, seen *domain.WebhookDelivery, fn func(*domain.WebhookDelivery) error) error {
	return r.UpdateDelivery(ctx, seen.ID, fn)
}

func (r eventRepo) getDelivery(ctx context.Context, id string, forUpdate bool) (*domain.WebhookDelivery, error) {
	var row deliveryRow
	q := r.db.NewSelect().Model(&row).Where("id = ?", id)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

func (r eventRepo) writeDelivery(ctx context.Context, d *domain.WebhookDelivery) error {
	_, err := r.db.NewUpdate().Model(toDeliveryRow(d)).
		Column("status", "attempts", "last_status", "updated_at", "delivered_at").WherePK().Exec(ctx)
	return mapErr(err)
}

func (r eventRepo) AddAttempt(ctx context.Context, a domain.WebhookAttempt) error {
	_, err := r.db.NewInsert().Model(&webhookAttemptRow{DeliveryID: a.DeliveryID, Attempt: a.Attempt, At: a.At,
		StatusCode: a.StatusCode, LatencyMS: a.Latency.Milliseconds(), Response: a.Response, Error: a.Error}).Exec(ctx)
	return mapErr(err)
}

func (r eventRepo) ListDeliveries(ctx context.Context, clientID, eventID string, limit int) ([]*domain.WebhookDelivery, error) {
	var rows []deliveryRow
	q := r.db.NewSelect().Model(&rows).Order("created_at DESC", "id").Limit(int64(limit))
	if clientID != "" {
		q = q.Where("client_id = ?", clientID)
	}
	if eventID != "" {
		q = q.Where("event_id = ?", eventID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.WebhookDelivery, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

func (r eventRepo) ListAttempts(ctx context.Context, deliveryID string) ([]domain.WebhookAttempt, error) {
	var rows []webhookAttemptRow
	if err := r.db.NewSelect().Model(&rows).Where("delivery_id = ?", deliveryID).Order("attempt", "id").Scan(ctx); err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.WebhookAttempt, len(rows))
	for i, x := range rows {
		out[i] = domain.WebhookAttempt{DeliveryID: x.DeliveryID, Attempt: x.Attempt, At: x.At.UTC(), StatusCode: x.StatusCode,
			Latency: time.Duration(x.LatencyMS) * time.Millisecond, Response: x.Response, Error: x.Error}
	}
	return out, nil
}
