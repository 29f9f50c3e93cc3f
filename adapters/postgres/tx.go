package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// PaymentsChannel is the pg_notify channel carrying domain.PaymentChanged
// as JSON.
const PaymentsChannel = "paycore_payments"

// JobQueueFunc binds a job queue (River's InsertTx) to a transaction.
type JobQueueFunc func(tx pgx.Tx) ports.JobQueue

// TxProvider implements ports.TxProvider. One transaction is one pgx.Tx on
// one pooled connection: bun runs its queries on the same connection (so
// inside the transaction) and River inserts jobs with InsertTx on the pgx.Tx
// itself (docs/platform.md §2).
type TxProvider struct {
	db   *DB
	jobs JobQueueFunc
}

var _ ports.TxProvider = (*TxProvider)(nil)

// NewTxProvider returns a provider over db; jobs may be nil until River is
// wired, in which case enqueueing fails.
func NewTxProvider(db *DB, jobs JobQueueFunc) *TxProvider {
	return &TxProvider{db: db, jobs: jobs}
}

// SetJobQueue wires the job queue after construction (River's client needs
// workers that need the app that needs this provider). Call before serving.
func (p *TxProvider) SetJobQueue(jobs JobQueueFunc) { p.jobs = jobs }

// MaxTxRetries is how many times Transact runs a use case again after
// PostgreSQL aborted it for a deadlock (40P01) or a serialization failure
// (40001).
const MaxTxRetries = 4

// Transact runs fn in one READ COMMITTED transaction; see ports.TxProvider
// and docs/architecture.md §3.
// A transaction PostgreSQL aborts for a deadlock or a serialization failure
// is run again from the start, up to MaxTxRetries times, after a short
// random pause (1–2, 2–4, 4–8 … ms) so the contenders do not meet again.
// Commit and rollback run with a context detached from the caller's, so a
// client going away cannot leave the outcome undecided.
func (p *TxProvider) Transact(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	for try := 0; ; try++ {
		err := p.transact(ctx, fn)
		if Unavailable(err) && !errors.Is(err, domain.ErrUnavailable) {
			return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
		}
		if try == MaxTxRetries || !Retryable(err) {
			return err
		}
		pause := time.Duration(1<<try) * time.Millisecond
		pause += time.Duration(rand.Int64N(int64(pause)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// Retryable reports whether err is PostgreSQL aborting a transaction that
// may succeed when run again: deadlock_detected (40P01) or
// serialization_failure (40001).
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func (p *TxProvider) transact(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) (err error) {
	conn, err := p.db.Bun.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = conn.Close() }() // returns the connection to the pool; the outcome is already decided
	var pc *pgx.Conn
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, want *stdlib.Conn", dc)
		}
		pc = sc.Conn()
		return nil
	}); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	ptx, err := pc.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	finish := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	}
	// end commits or rolls back while database/sql holds the connection for
	// us (conn.Raw), so it cannot close it underneath. A query that failed
	// on a broken or cancelled connection makes database/sql close it by
	// itself, and the pool then tears it down on another goroutine: the
	// transaction died with it (sql.ErrConnDone), and touching the pgx
	// connection again would race with that teardown.
	end := func(op func(context.Context) error) error {
		fctx, cancel := finish()
		defer cancel()
		return conn.Raw(func(any) error { return op(fctx) })
	}
	defer func() {
		if r := recover(); r != nil {
			_ = end(ptx.Rollback)
			panic(r)
		}
	}()
	t := &txn{db: p.db, conn: conn}
	if p.jobs != nil {
		t.jobs = p.jobs(ptx)
	}
	if err := fn(ctx, t); err != nil {
		if rbErr := end(ptx.Rollback); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) && !errors.Is(rbErr, sql.ErrConnDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := end(ptx.Commit); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// txn is the ports.Tx of one transaction.
type txn struct {
	db   *DB
	conn bun.Conn
	jobs ports.JobQueue
}

func (t *txn) Payments() ports.PaymentRepository           { return paymentRepo{t.conn} }
func (t *txn) Attempts() ports.AttemptRepository           { return attemptRepo{t.conn} }
func (t *txn) Clients() ports.ClientRepository             { return clientRepo{t.conn} }
func (t *txn) Notifications() ports.NotificationRepository { return notificationRepo{t.conn} }
func (t *txn) Events() ports.EventPublisher                { return notifier{t.conn} }
func (t *txn) Refunds() ports.RefundRepository             { return refundRepo{t.conn} }
func (t *txn) Queries() ports.PaymentQueries               { return queries{t.conn} }
func (t *txn) EventLog() ports.EventRepository             { return eventRepo{t.conn} }
func (t *txn) GatewayHooks() ports.GatewayHookLog          { return hookLog{t.conn} }
func (t *txn) Nonces() ports.NonceRepository               { return nonceRepo{t.conn} }

// nonceRepo records nonces inside the transaction: the primary key
// (client_id, nonce) makes the first commit win on every node.
type nonceRepo struct{ db bun.IDB }

func (r nonceRepo) Use(ctx context.Context, clientID, nonce string, at time.Time) error {
	_, err := r.db.ExecContext(ctx, "INSERT INTO api_nonces (client_id, nonce, used_at) VALUES (?, ?, ?)", clientID, nonce, at)
	return mapErr(err)
}

func (t *txn) Jobs() ports.JobQueue {
	if t.jobs == nil {
		return noJobs{}
	}
	return t.jobs
}

type noJobs struct{}

func (noJobs) EnqueueSMS(context.Context, string) error {
	return errors.New("postgres: no job queue wired")
}

func (noJobs) EnqueueRefund(context.Context, string) error {
	return errors.New("postgres: no job queue wired")
}

func (noJobs) EnqueueWebhook(context.Context, string, string) error {
	return errors.New("postgres: no job queue wired")
}

// notifier publishes with pg_notify inside the transaction: PostgreSQL
// delivers it on commit and drops it on rollback.
type notifier struct{ db bun.IDB }

func (n notifier) PaymentChanged(ctx context.Context, e domain.PaymentChanged) error {
	payload, err := jsonString(e)
	if err != nil {
		return err
	}
	_, err = n.db.ExecContext(ctx, "SELECT pg_notify(?, ?)", PaymentsChannel, payload)
	return err
}
