package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// deferredWrite is one insert waiting for the transaction's batch. Its SQL
// is written by hand with $n placeholders, so pgx prepares it once per
// connection (its statement cache) instead of PostgreSQL parsing values
// written into the text each time.
type deferredWrite struct {
	op   string // ports.Op…: how its failure is named (ports.WriteError)
	sql  string
	args []any
}

// defer queues a write for the next batch: with the BEGIN that a later
// statement sends, or with the end of the transaction. After a batch sent
// early failed, the transaction is lost: the write is refused with that
// failure.
func (t *txn) deferWrite(op, sql string, args ...any) error {
	if t.failed != nil {
		return t.failed
	}
	t.queued = append(t.queued, deferredWrite{op: op, sql: sql, args: args})
	return nil
}

// The deferred inserts. Their columns are the bun models' (paymentRow …),
// with NULL where bun writes a zero value as NULL (nullzero).
const (
	insertPaymentSQL = `INSERT INTO payments (id, client_id, order_id, amount, currency, status, customer_name,
	customer_email, customer_phone, return_url, cancel_url, failure_url, webhook_url, metadata, gateway, gateway_ref,
	trx_id, refunded, version, expires_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`
	insertNotificationSQL = `INSERT INTO notifications (id, payment_id, client_id, recipient, template, language, body,
	status, provider, provider_ref, error, encoding, segments, attempts, created_at, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
	insertEventSQL = `INSERT INTO events (id, type, client_id, payment_id, payload, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`
	insertDeliverySQL = `INSERT INTO webhook_deliveries (id, event_id, client_id, url, status, attempts, last_status,
	created_at, updated_at, delivered_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	insertNonceSQL = `INSERT INTO api_nonces (client_id, nonce, used_at) VALUES ($1, $2, $3)`
	// insertJobSQL writes a River job as River's InsertTx would for args
	// without uniqueness or schedule (River v0.51's river_job): available
	// now, empty metadata and tags. No river_insert notify: River's
	// producers find it by polling (adapters/jobs: FetchPollInterval).
	insertJobSQL = `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, metadata, tags)
VALUES ($1, $2, $3, $4, $5, 'available', now(), '{}', '{}')`
)

// deferredPayments defers Create; reads run at once, write-backs are
// deferred by paymentRepo (deferred_flow.go).
type deferredPayments struct{ paymentRepo }

func (r deferredPayments) Create(_ context.Context, p *domain.Payment) error {
	w := toPaymentRow(p)
	var meta any // NULL for none, as bun's nullzero
	if len(w.Metadata) > 0 {
		meta = string(w.Metadata)
	}
	return r.t.deferWrite(ports.OpPaymentCreate, insertPaymentSQL, w.ID, w.ClientID, w.OrderID, w.Amount, w.Currency,
		w.Status, w.CustomerName, w.CustomerEmail, w.CustomerPhone, w.ReturnURL, w.CancelURL, w.FailureURL,
		w.WebhookURL, meta, w.Gateway, w.GatewayRef, w.TrxID, w.Refunded, w.Version, w.ExpiresAt, w.CreatedAt, w.UpdatedAt)
}

// deferredNotifications defers Create.
type deferredNotifications struct {
	notificationRepo
	t *txn
}

func (r deferredNotifications) Create(_ context.Context, n *domain.Notification) error {
	w := toNotificationRow(n)
	return r.t.deferWrite(ports.OpNotificationCreate, insertNotificationSQL, w.ID, w.PaymentID, w.ClientID, w.Recipient,
		w.Template, w.Language, w.Body, w.Status, w.Provider, w.ProviderRef, w.Error, w.Encoding, w.Segments,
		w.Attempts, w.CreatedAt, w.SentAt)
}

// deferredEvents defers CreateEvent and CreateDelivery.
type deferredEvents struct {
	eventRepo
	t *txn
}

func (r deferredEvents) CreateEvent(_ context.Context, e *domain.Event) error {
	return r.t.deferWrite(ports.OpEventCreate, insertEventSQL, e.ID, string(e.Type), e.ClientID, e.PaymentID,
		string(e.Payload), e.CreatedAt)
}

func (r deferredEvents) CreateDelivery(_ context.Context, d *domain.WebhookDelivery) error {
	w := toDeliveryRow(d)
	return r.t.deferWrite(ports.OpDeliveryCreate, insertDeliverySQL, w.ID, w.EventID, w.ClientID, w.URL, w.Status,
		w.Attempts, w.LastStatus, w.CreatedAt, w.UpdatedAt, w.DeliveredAt)
}

// deferredNonces records nonces in the transaction's batch: the primary
// key (client_id, nonce) makes the first commit win on every node.
type deferredNonces struct{ t *txn }

func (r deferredNonces) Use(_ context.Context, clientID, nonce string, at time.Time) error {
	return r.t.deferWrite(ports.OpNonceUse, insertNonceSQL, clientID, nonce, at)
}

// errJobOpts: a job whose InsertOpts need River's own insert (uniqueness, a
// schedule, tags, pending).
var errJobOpts = errors.New("postgres: job insert options need River's InsertTx")

// InsertJob defers a River job row (JobInserter): kind, queue, max attempts
// and priority as args' Kind and InsertOpts say (adapters/jobs defines
// them), River's defaults otherwise (queue "default", 25 attempts,
// priority 1).
func (t *txn) InsertJob(_ context.Context, args river.JobArgs) error {
	var opts river.InsertOpts
	if a, ok := args.(river.JobArgsWithInsertOpts); ok {
		opts = a.InsertOpts()
	}
	u := opts.UniqueOpts
	if u.ByArgs || u.ByPeriod != 0 || u.ByQueue || u.ByState != nil || u.ExcludeKind ||
		!opts.ScheduledAt.IsZero() || opts.Tags != nil || opts.Pending || len(opts.Metadata) > 0 {
		return fmt.Errorf("%w: %s", errJobOpts, args.Kind())
	}
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("postgres: encode job %s: %w", args.Kind(), err)
	}
	return t.deferWrite(ports.OpJobEnqueue, insertJobSQL, string(body), args.Kind(),
		int16(cmp.Or(opts.MaxAttempts, river.MaxAttemptsDefault)), int16(cmp.Or(opts.Priority, river.PriorityDefault)),
		cmp.Or(opts.Queue, river.QueueDefault))
}

// lazyDB is the transaction's bun.IDB: every statement bun sends through
// it begins the transaction first (txn.begin: BEGIN with the writes queued
// so far, one batch), so it runs inside the transaction and sees them.
type lazyDB struct{ t *txn }

var _ bun.IDB = lazyDB{}

// lazyConn is lazyDB's connection for bun's query builders (which format
// their SQL themselves).
type lazyConn struct{ t *txn }

func (c lazyConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := c.t.begin(ctx); err != nil {
		return nil, err
	}
	return c.t.conn.Conn.ExecContext(ctx, query, args...)
}

func (c lazyConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := c.t.begin(ctx); err != nil {
		return nil, err
	}
	return c.t.conn.Conn.QueryContext(ctx, query, args...)
}

// QueryRowContext cannot return an error of its own: when the transaction
// cannot begin it runs nothing and its row fails as cancelled (Transact
// returns the reason).
func (c lazyConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := c.t.begin(ctx); err != nil {
		dead, cancel := context.WithCancel(ctx)
		cancel()
		return c.t.conn.Conn.QueryRowContext(dead, query, args...)
	}
	return c.t.conn.Conn.QueryRowContext(ctx, query, args...)
}

func (d lazyDB) bun() *bun.DB { return d.t.db.Bun }

// ExecContext formats query with args as bun does, then runs it in the
// transaction.
func (d lazyDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := d.t.begin(ctx); err != nil {
		return nil, err
	}
	return d.t.conn.ExecContext(ctx, query, args...)
}

func (d lazyDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := d.t.begin(ctx); err != nil {
		return nil, err
	}
	return d.t.conn.QueryContext(ctx, query, args...)
}

func (d lazyDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := d.t.begin(ctx); err != nil {
		dead, cancel := context.WithCancel(ctx)
		cancel()
		return d.t.conn.QueryRowContext(dead, query, args...)
	}
	return d.t.conn.QueryRowContext(ctx, query, args...)
}

func (d lazyDB) Dialect() schema.Dialect { return d.bun().Dialect() }
func (d lazyDB) NewValues(model any) *bun.ValuesQuery {
	return bun.NewValuesQuery(d.bun(), model).Conn(lazyConn(d))
}
func (d lazyDB) NewSelect() *bun.SelectQuery { return bun.NewSelectQuery(d.bun()).Conn(lazyConn(d)) }
func (d lazyDB) NewInsert() *bun.InsertQuery { return bun.NewInsertQuery(d.bun()).Conn(lazyConn(d)) }
func (d lazyDB) NewUpdate() *bun.UpdateQuery { return bun.NewUpdateQuery(d.bun()).Conn(lazyConn(d)) }
func (d lazyDB) NewDelete() *bun.DeleteQuery { return bun.NewDeleteQuery(d.bun()).Conn(lazyConn(d)) }
func (d lazyDB) NewMerge() *bun.MergeQuery   { return bun.NewMergeQuery(d.bun()).Conn(lazyConn(d)) }
func (d lazyDB) NewRaw(query string, args ...any) *bun.RawQuery {
	return bun.NewRawQuery(d.bun(), query, args...).Conn(lazyConn(d))
}
func (d lazyDB) NewCreateTable() *bun.CreateTableQuery {
	return bun.NewCreateTableQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewDropTable() *bun.DropTableQuery {
	return bun.NewDropTableQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewCreateIndex() *bun.CreateIndexQuery {
	return bun.NewCreateIndexQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewDropIndex() *bun.DropIndexQuery {
	return bun.NewDropIndexQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewTruncateTable() *bun.TruncateTableQuery {
	return bun.NewTruncateTableQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewAddColumn() *bun.AddColumnQuery {
	return bun.NewAddColumnQuery(d.bun()).Conn(lazyConn(d))
}
func (d lazyDB) NewDropColumn() *bun.DropColumnQuery {
	return bun.NewDropColumnQuery(d.bun()).Conn(lazyConn(d))
}

// errNested: a repository inside Transact tried to open a transaction of
// its own.
var errNested = errors.New("postgres: nested transaction inside Transact")

func (d lazyDB) BeginTx(context.Context, *sql.TxOptions) (bun.Tx, error) { return bun.Tx{}, errNested }
func (d lazyDB) RunInTx(context.Context, *sql.TxOptions, func(context.Context, bun.Tx) error) error {
	return errNested
}
