package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Announcer implements ports.Announcer: it sends changes that committed
// already (new payments) as pg_notify on PaymentsChannel, in transactions
// of its own — one at a time per node, each carrying every change queued
// meanwhile, with synchronous_commit off (nothing is stored, so there is
// nothing to wait for on disk). The creates' commits thus never queue
// behind PostgreSQL's notify lock held through a commit's WAL flush; at
// most one notify transaction per node waits for it.
type Announcer struct {
	db  *DB
	log *slog.Logger

	mu      sync.Mutex
	queued  []domain.PaymentChanged
	dropped int64
	wake    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

var _ ports.Announcer = (*Announcer)(nil)

// Announcer limits: at most announceMax changes wait (more are dropped and
// counted: the feed is live, not a log), at most announceBatch go in one
// transaction.
const (
	announceMax   = 10_000
	announceBatch = 500
)

// NewAnnouncer starts a node's announcer; Close stops it after sending what
// is queued.
func NewAnnouncer(db *DB, log *slog.Logger) *Announcer {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Announcer{db: db, log: log, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go a.run(ctx)
	return a
}

// Announce queues e and returns at once.
func (a *Announcer) Announce(e domain.PaymentChanged) {
	a.mu.Lock()
	if len(a.queued) >= announceMax {
		a.dropped++
		a.mu.Unlock()
		return
	}
	a.queued = append(a.queued, e)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Dropped is how many changes were dropped because the queue was full.
func (a *Announcer) Dropped() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dropped
}

// Close sends what is queued (for up to 5 s) and stops.
func (a *Announcer) Close() {
	a.stop()
	<-a.done
}

func (a *Announcer) take() []domain.PaymentChanged {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := min(len(a.queued), announceBatch)
	out := a.queued[:n:n]
	a.queued = a.queued[n:]
	if len(a.queued) == 0 {
		a.queued = nil
	}
	return out
}

func (a *Announcer) run(ctx context.Context) {
	defer close(a.done)
	for {
		for batch := a.take(); len(batch) > 0; batch = a.take() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := a.send(sctx, batch); err != nil {
				a.log.Warn("announce payments", "n", len(batch), "err", err)
			}
			cancel()
		}
		select {
		case <-a.wake:
		case <-ctx.Done():
			if a.pending() {
				continue // send what came in meanwhile, then stop
			}
			return
		}
	}
}

func (a *Announcer) pending() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queued) > 0
}

// send notifies every change of batch in one transaction, one round trip.
func (a *Announcer) send(ctx context.Context, batch []domain.PaymentChanged) error {
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue("SELECT set_config('synchronous_commit', 'off', true)")
	for _, e := range batch {
		payload, err := jsonString(e)
		if err != nil {
			return err
		}
		b.Queue("SELECT pg_notify($1, $2)", PaymentsChannel, payload)
	}
	b.Queue("commit")
	return a.db.Pool.SendBatch(ctx, b).Close()
}
