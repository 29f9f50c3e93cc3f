// Package pgnotify fans PostgreSQL NOTIFY messages out to in-process
// subscribers: one hijacked connection LISTENs on the payments channel and a
// broker hands each domain.PaymentChanged to the subscribers of its
// transaction. Every node runs one, so a change committed on any node
// reaches subscribers on all of them (docs/platform.md §1).
package pgnotify

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// bufferSize is how many events a subscriber may fall behind before it is
// dropped (its channel closed): it must then re-read state.
const bufferSize = 16

// Listener is a ports.EventSubscriber fed by LISTEN.
type Listener struct {
	pool    *pgxpool.Pool
	channel string
	log     *slog.Logger

	mu    sync.Mutex
	subs  map[string]map[*sub]struct{}
	all   allSubs // SubscribeAll's subscribers (all.go)
	ready chan struct{}
	once  sync.Once
}

type sub struct {
	ch     chan domain.PaymentChanged
	closed bool
}

var _ ports.EventSubscriber = (*Listener)(nil)

// New returns a listener on channel; call Run to start it.
func New(pool *pgxpool.Pool, channel string, log *slog.Logger) *Listener {
	if log == nil {
		log = slog.Default()
	}
	return &Listener{pool: pool, channel: channel, log: log,
		subs: map[string]map[*sub]struct{}{}, ready: make(chan struct{})}
}

// Ready is closed once the first LISTEN is in place.
func (l *Listener) Ready() <-chan struct{} { return l.ready }

// Run listens until ctx ends, reconnecting with backoff after errors. NOTIFY
// does not replay what was sent while disconnected, so after a reconnect
// every subscriber is dropped (its channel closed) and must re-read state.
func (l *Listener) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			break
		}
		l.log.Warn("pgnotify: listener lost, reconnecting", "err", err, "in", backoff)
		l.dropAll()
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	l.dropAll()
}

func (l *Listener) listen(ctx context.Context) error {
	pc, err := l.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer func() {
		// listen returns only with an error (or on shutdown), which is the one
		// worth reporting; the dropped connection's Close error adds nothing.
		_ = conn.Close(context.WithoutCancel(ctx))
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return err
	}
	l.once.Do(func() { close(l.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var e domain.PaymentChanged
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
			l.log.Warn("pgnotify: bad payload", "err", err)
			continue
		}
		l.dispatch(e)
	}
}

func (l *Listener) dispatch(e domain.PaymentChanged) {
	l.all.dispatch(e)
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.subs[e.TransactionID] {
		select {
		case s.ch <- e:
		default: // too slow: drop it; it re-reads state when it resubscribes
			l.removeLocked(e.TransactionID, s)
		}
	}
}

// Subscribe implements ports.EventSubscriber.
func (l *Listener) Subscribe(ctx context.Context, transactionID string) (<-chan domain.PaymentChanged, func()) {
	s := &sub{ch: make(chan domain.PaymentChanged, bufferSize)}
	l.mu.Lock()
	if l.subs[transactionID] == nil {
		l.subs[transactionID] = map[*sub]struct{}{}
	}
	l.subs[transactionID][s] = struct{}{}
	l.mu.Unlock()
	remove := func() {
		l.mu.Lock()
		l.removeLocked(transactionID, s)
		l.mu.Unlock()
	}
	stop := context.AfterFunc(ctx, remove)
	return s.ch, func() {
		stop()
		remove()
	}
}

func (l *Listener) removeLocked(transactionID string, s *sub) {
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	delete(l.subs[transactionID], s)
	if len(l.subs[transactionID]) == 0 {
		delete(l.subs, transactionID)
	}
}

func (l *Listener) dropAll() {
	l.all.drop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, set := range l.subs {
		for s := range set {
			l.removeLocked(id, s)
		}
	}
}
