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
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// PaymentsChannel is the pg_notify channel carrying domain.PaymentChanged
// as JSON.
const PaymentsChannel = "paycore_payments"

// JobInserter writes one River job into a transaction: TxProvider's
// transactions are one, deferring the row to their batch. An alias of an
// unnamed interface, so adapters/jobs can declare the same type and its
// Runner.Queue fits JobQueueFunc without importing this package.
type JobInserter = interface {
	InsertJob(ctx context.Context, args river.JobArgs) error
}

// JobQueueFunc binds a job queue (adapters/jobs: which args each
// ports.JobQueue call inserts) to a transaction.
type JobQueueFunc = func(JobInserter) ports.JobQueue

// TxProvider implements ports.TxProvider. One transaction is one pooled
// connection; its deferrable writes (deferred.go) wait in a queue and go
// out in one pgx batch — with the commit, or with the BEGIN that a read or
// any other statement sends first (bun runs its queries on the same
// connection, after that BEGIN). docs/platform.md §2.
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
		err := p.transact(ctx, fn, try > 0)
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

func (p *TxProvider) transact(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, retry bool) (err error) {
	conn, err := p.db.Bun.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = conn.Close() }() // returns the connection to the pool; the outcome is already decided
	var pc *pgx.Conn
	if err := conn.Raw(func(dc any) error {
		uc, ok := dc.(unpreparedConn)
		if !ok {
			return fmt.Errorf("driver connection is %T, want openSQL's", dc)
		}
		pc = uc.pgx()
		return nil
	}); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{db: p.db, conn: conn, pc: pc, retry: retry}
	t.q = lazyDB{t: t}
	if p.jobs != nil {
		t.jobs = p.jobs(t)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = t.rollback(ctx)
			panic(r)
		}
	}()
	err = fn(ctx, t)
	if err == nil {
		err = t.failed // a write sent early failed and fn did not say so
	}
	if err != nil {
		if rbErr := t.rollback(ctx); rbErr != nil && !errors.Is(rbErr, sql.ErrConnDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	return t.commit(ctx)
}

// txn is the ports.Tx of one transaction. Nothing is sent until a statement
// needs the transaction begun (begin) or it ends (commit): the deferrable
// writes wait in queued.
type txn struct {
	db   *DB
	conn bun.Conn  // database/sql's hold on the connection
	pc   *pgx.Conn // the same connection, for batches
	q    lazyDB    // what repositories run bun queries on
	jobs ports.JobQueue

	// retry: Transact runs fn again after PostgreSQL aborted it; writes
	// guarded by a row read earlier lock it instead (deferred_steps.go).
	retry  bool
	begun  bool
	queued []deferredWrite
	failed error // the first error of a batch sent before the end
}

// finish gives commit and rollback a context detached from the caller's,
// so a client going away cannot leave the outcome undecided.
func finish(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// raw runs op on the pgx connection while database/sql holds it for us
// (conn.Raw), so it cannot close it underneath. A query that failed on a
// broken or cancelled connection makes database/sql close it by itself,
// and the pool then tears it down on another goroutine: the transaction
// died with it (sql.ErrConnDone), and touching the pgx connection again
// would race with that teardown.
func (t *txn) raw(op func() error) error {
	return t.conn.Raw(func(any) error { return op() })
}

// begin sends BEGIN and the writes queued so far in one batch, once; every
// statement other than a deferrable write calls it first. Once begun, it
// sends the writes queued since (one batch), so a statement sees what the
// transaction wrote before it.
func (t *txn) begin(ctx context.Context) error {
	if t.failed != nil {
		return t.failed
	}
	if t.begun {
		// Read your writes: what was queued since goes before the
		// statement.
		if len(t.queued) > 0 {
			if err := t.send(ctx, false, false); err != nil {
				t.failed = err
				return err
			}
		}
		return nil
	}
	t.begun = true // from here on the connection may be inside a transaction block
	if err := t.send(ctx, true, false); err != nil {
		t.failed = err
		return err
	}
	return nil
}

// commit ends a transaction fn accepted: the queued writes alone in one
// batch when nothing was sent before (a pipeline with one Sync is one
// implicit transaction: atomic, one round trip, one commit), else the
// queued writes and COMMIT in one batch.
func (t *txn) commit(ctx context.Context) error {
	if !t.begun && len(t.queued) == 0 {
		return nil
	}
	fctx, cancel := finish(ctx)
	defer cancel()
	err := t.send(fctx, false, t.begun)
	if err != nil && t.begun {
		if rbErr := t.rollback(ctx); rbErr != nil && !errors.Is(rbErr, sql.ErrConnDone) {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
	}
	return err
}

// rollback ends a begun transaction; nothing to do otherwise (the queued
// writes are dropped unsent).
func (t *txn) rollback(ctx context.Context) error {
	t.queued = nil
	if !t.begun {
		return nil
	}
	fctx, cancel := finish(ctx)
	defer cancel()
	return t.raw(func() error {
		if t.pc.PgConn().TxStatus() == 'I' {
			return nil // the batch's error already ended it
		}
		_, err := t.pc.Exec(fctx, "rollback")
		return err
	})
}

// send sends [BEGIN,] the queued writes [and COMMIT] as one batch and
// returns the first failure: a write's as a *ports.WriteError mapped as
// the repository call would have (mapErr), COMMIT's as "commit: …"
// (pgx.ErrTxCommitRollback when PostgreSQL rolled back instead).
func (t *txn) send(ctx context.Context, begin, commit bool) error {
	writes := t.queued
	t.queued = nil
	if !begin && !commit && len(writes) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	if begin {
		b.Queue("begin")
	}
	for _, w := range writes {
		b.Queue(w.sql, w.args...)
	}
	if commit {
		b.Queue("commit")
	}
	return t.raw(func() error {
		br := t.pc.SendBatch(ctx, b)
		var first error
		if begin {
			if _, err := br.Exec(); err != nil {
				first = fmt.Errorf("begin: %w", err)
			}
		}
		for _, w := range writes {
			if _, err := br.Exec(); err != nil && first == nil {
				first = &ports.WriteError{Op: w.op, Err: mapErr(err)}
			}
		}
		if commit {
			tag, err := br.Exec()
			switch {
			case first != nil:
			case err != nil:
				first = fmt.Errorf("commit: %w", err)
			case tag.String() != "COMMIT":
				first = fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
			}
		}
		if err := br.Close(); err != nil && first == nil {
			first = err
		}
		return first
	})
}

func (t *txn) Payments() ports.PaymentRepository { return deferredPayments{paymentRepo{t.q, t}} }
func (t *txn) Attempts() ports.AttemptRepository { return deferredAttempts{attemptRepo{t.q, t}} }
func (t *txn) Clients() ports.ClientRepository   { return clientRepo{t.q} }
func (t *txn) Notifications() ports.NotificationRepository {
	return deferredNotifications{notificationRepo{t.q}, t}
}
func (t *txn) Events() ports.EventPublisher       { return notifier{t} }
func (t *txn) Refunds() ports.RefundRepository    { return refundRepo{t.q} }
func (t *txn) Queries() ports.PaymentQueries      { return queries{t.q} }
func (t *txn) EventLog() ports.EventRepository    { return deferredEvents{eventRepo{t.q}, t} }
func (t *txn) GatewayHooks() ports.GatewayHookLog { return hookLog{t.q} }
func (t *txn) Nonces() ports.NonceRepository      { return deferredNonces{t} }

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

// notifier publishes with pg_notify inside the transaction, deferred to its
// next batch: PostgreSQL delivers it on commit and drops it on rollback.
type notifier struct{ t *txn }

func (n notifier) PaymentChanged(_ context.Context, e domain.PaymentChanged) error {
	payload, err := jsonString(e)
	if err != nil {
		return err
	}
	return n.t.deferWrite(ports.OpPublish, publishSQL, PaymentsChannel, payload)
}
