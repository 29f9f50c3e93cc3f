package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var _ ports.AdminQueries = (*DB)(nil)

const paymentRowCols = `p.id, p.client_id, c.name, p.order_id, p.status, p.gateway, p.trx_id, p.currency, p.amount, p.refunded, p.created_at, p.updated_at`

func scanPaymentRow(row pgx.Row) (ports.PaymentRow, error) {
	var r ports.PaymentRow
	err := row.Scan(&r.ID, &r.ClientID, &r.ClientName, &r.OrderID, &r.Status, &r.Gateway, &r.TrxID, &r.Currency,
		&r.Amount, &r.Refunded, &r.CreatedAt, &r.UpdatedAt)
	r.Currency = strings.TrimSpace(r.Currency)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// SearchPayments implements ports.AdminQueries.
func (db *DB) SearchPayments(ctx context.Context, s ports.PaymentSearch) ([]ports.PaymentRow, error) {
	q, args := searchPaymentsSQL(s)
	rows, err := db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []ports.PaymentRow
	for rows.Next() {
		r, err := scanPaymentRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// searchPaymentsSQL is SearchPayments' query and its arguments: newest
// first by (created_at, id), served by payments_client_created_id_idx with
// a client, payments_created_id_idx without (TestHotQueriesUseIndexes).
func searchPaymentsSQL(s ports.PaymentSearch) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if s.ClientID != "" {
		add("p.client_id = $?", s.ClientID)
	}
	if s.Status != "" {
		add("p.status = $?", s.Status)
	}
	if s.Gateway != "" {
		add("p.gateway = $?", s.Gateway)
	}
	if s.MinAmount > 0 {
		add("p.amount >= $?", s.MinAmount)
	}
	if s.MaxAmount > 0 {
		add("p.amount <= $?", s.MaxAmount)
	}
	if !s.From.IsZero() {
		add("p.created_at >= $?", s.From)
	}
	if !s.To.IsZero() {
		add("p.created_at < $?", s.To)
	}
	if t := strings.TrimSpace(s.Text); t != "" {
		like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t)) + "%"
		add(`(lower(p.order_id) LIKE $? OR lower(p.id) LIKE $? OR lower(p.trx_id) LIKE $?
			OR EXISTS (SELECT 1 FROM attempts a WHERE a.payment_id = p.id AND lower(a.trx_id) LIKE $?))`, like)
	}
	if s.AfterID != "" {
		args = append(args, s.AfterCreated, s.AfterID)
		where = append(where, fmt.Sprintf("(p.created_at, p.id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	q := "SELECT " + paymentRowCols + " FROM payments p JOIN clients c ON c.id = p.client_id"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY p.created_at DESC, p.id DESC LIMIT %d", max(1, min(s.Limit, 101)))
	return q, args
}

// PaymentRow implements ports.AdminQueries.
func (db *DB) PaymentRow(ctx context.Context, id string) (ports.PaymentRow, error) {
	r, err := scanPaymentRow(db.Pool.QueryRow(ctx, "SELECT "+paymentRowCols+
		" FROM payments p JOIN clients c ON c.id = p.client_id WHERE p.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, domain.ErrNotFound
	}
	return r, mapErr(err)
}

// timelineSQL is Timeline's query; $1 is the payment's ID.
const timelineSQL = `
SELECT created_at, 'payment', id, 'created', order_id || ' ' || round(amount::numeric / 100, 2)::text || ' ' || currency FROM payments WHERE id = $1
UNION ALL SELECT created_at, 'attempt', id, status, gateway || CASE WHEN trx_id <> '' THEN ' trx ' || trx_id ELSE '' END
	|| CASE WHEN failure_code <> '' THEN ' ' || failure_code || ' ' || failure_message ELSE '' END FROM attempts WHERE payment_id = $1
UNION ALL SELECT created_at, 'refund', id, status, round(amount::numeric / 100, 2)::text || ' ' || reason
	|| CASE WHEN failure_code <> '' THEN ' ' || failure_code ELSE '' END FROM refunds WHERE payment_id = $1
UNION ALL SELECT created_at, 'event', id, type, '' FROM events WHERE payment_id = $1
UNION ALL SELECT wa.at, 'webhook', d.id, d.status, 'attempt ' || wa.attempt || ' HTTP ' || wa.status_code || ' ' || d.url
	|| CASE WHEN wa.error <> '' THEN ' ' || wa.error ELSE '' END
	FROM webhook_attempts wa JOIN webhook_deliveries d ON d.id = wa.delivery_id JOIN events e ON e.id = d.event_id WHERE e.payment_id = $1
UNION ALL SELECT d.created_at, 'webhook', d.id, d.status, 'queued for ' || d.url
	FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE e.payment_id = $1
UNION ALL SELECT created_at, 'sms', id, status, template || ' to ' || recipient FROM notifications WHERE payment_id = $1
UNION ALL SELECT l.created_at, 'request', l.id::text, l.status_code::text, l.method || ' ' || l.endpoint
	FROM request_logs l WHERE l.client_id = (SELECT client_id FROM payments WHERE id = $1)
	AND l.created_at >= (SELECT created_at FROM payments WHERE id = $1) - interval '1 minute'
	AND (strpos(l.response_body, $1) > 0 OR strpos(l.request_body, $1) > 0 OR strpos(l.endpoint, $1) > 0)
ORDER BY 1, 2 LIMIT 500`

// Timeline implements ports.AdminQueries: the payment, its attempts,
// refunds, events, webhook delivery attempts, SMS and the logged API
// requests naming it, in time order.
func (db *DB) Timeline(ctx context.Context, paymentID string) ([]ports.TimelineEntry, error) {
	rows, err := db.Pool.Query(ctx, timelineSQL, paymentID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []ports.TimelineEntry
	for rows.Next() {
		var e ports.TimelineEntry
		if err := rows.Scan(&e.At, &e.Kind, &e.Ref, &e.Status, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// Clients implements ports.AdminQueries.
func (db *DB) Clients(ctx context.Context, clientID string) ([]ports.ClientRow, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT c.id, c.name, c.status, c.webhook_url, c.language, coalesce(k.key, ''), c.commission_bps,
	coalesce(c.rate_limit_per_minute, 0), c.created_at
FROM clients c LEFT JOIN LATERAL (SELECT key FROM api_keys WHERE client_id = c.id AND revoked_at IS NULL
	ORDER BY created_at DESC LIMIT 1) k ON true
WHERE $1 = '' OR c.id = $1 ORDER BY c.created_at, c.id`, clientID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []ports.ClientRow
	for rows.Next() {
		var c ports.ClientRow
		if err := rows.Scan(&c.ID, &c.Name, &c.Status, &c.WebhookURL, &c.Language, &c.APIKey, &c.CommissionBPS,
			&c.RatePerMinute, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// PatchClient implements ports.AdminQueries.
func (db *DB) PatchClient(ctx context.Context, id string, p ports.ClientPatch) (before, after ports.ClientRow, err error) {
	cs, err := db.Clients(ctx, id)
	if err != nil {
		return before, after, err
	}
	if len(cs) == 0 {
		return before, after, domain.ErrNotFound
	}
	before = cs[0]
	var rate *int
	if p.RatePerMinute != nil && *p.RatePerMinute > 0 {
		rate = p.RatePerMinute
	}
	_, err = db.Pool.Exec(ctx, `UPDATE clients SET
	status = coalesce($2, status), commission_bps = coalesce($3, commission_bps),
	rate_limit_per_minute = CASE WHEN $4 THEN $5 ELSE rate_limit_per_minute END,
	webhook_url = coalesce($6, webhook_url) WHERE id = $1`,
		id, p.Status, p.CommissionBPS, p.RatePerMinute != nil, rate, p.WebhookURL)
	if err != nil {
		return before, after, mapErr(err)
	}
	cs, err = db.Clients(ctx, id)
	if err != nil || len(cs) == 0 {
		return before, after, err
	}
	return before, cs[0], nil
}

// JobCounts implements ports.AdminQueries: River's jobs by kind and state.
func (db *DB) JobCounts(ctx context.Context) ([]ports.JobCount, error) {
	rows, err := db.Pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []ports.JobCount
	for rows.Next() {
		var j ports.JobCount
		if err := rows.Scan(&j.Kind, &j.State, &j.Count); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, mapErr(rows.Err())
}

var _ ports.ClientCreator = (*DB)(nil)

// CreateConsoleClient implements ports.ClientCreator.
func (db *DB) CreateConsoleClient(ctx context.Context, c ports.NewClient) error {
	return db.CreateClient(ctx, NewClientParams{
		Client: domain.Client{ID: c.ID, Name: c.Name, Status: domain.ClientActive, WebhookURL: c.WebhookURL,
			CommissionBPS: c.CommissionBPS, Language: c.Language, CreatedAt: c.CreatedAt},
		APIKey: c.APIKey, APISecret: []byte(c.APISecret), WebhookSecret: []byte(c.WebhookKey),
	})
}
