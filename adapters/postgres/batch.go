package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// batcher writes rows to one table with COPY in the background, so callers
// (every API request, every gateway call) never wait on the database. Rows
// are flushed every interval or when maxBatch are queued; when the queue is
// full new rows are dropped and counted rather than slowing the caller.
type batcher struct {
	db       *DB
	table    string
	columns  []string
	log      *slog.Logger
	in       chan []any
	interval time.Duration
	maxBatch int

	mu      sync.Mutex
	dropped int64
	done    chan struct{}
	stop    context.CancelFunc
}

func newBatcher(db *DB, table string, columns []string, log *slog.Logger) *batcher {
	if log == nil {
		log = slog.Default()
	}
	return &batcher{db: db, table: table, columns: columns, log: log,
		in: make(chan []any, 10_000), interval: 200 * time.Millisecond, maxBatch: 1000}
}

// add queues one row without blocking.
func (b *batcher) add(row []any) {
	select {
	case b.in <- row:
	default:
		b.mu.Lock()
		b.dropped++
		b.mu.Unlock()
	}
}

// start flushes until Close.
func (b *batcher) start() {
	ctx, cancel := context.WithCancel(context.Background())
	b.stop, b.done = cancel, make(chan struct{})
	go func() {
		defer close(b.done)
		t := time.NewTicker(b.interval)
		defer t.Stop()
		var rows [][]any
		for {
			select {
			case r := <-b.in:
				rows = append(rows, r)
				if len(rows) < b.maxBatch {
					continue
				}
			case <-t.C:
			case <-ctx.Done():
				for len(b.in) > 0 {
					rows = append(rows, <-b.in)
				}
				b.flush(rows)
				return
			}
			rows = b.flush(rows)
		}
	}()
}

func (b *batcher) flush(rows [][]any) [][]any {
	if len(rows) == 0 {
		return rows
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.db.Pool.CopyFrom(ctx, pgx.Identifier{b.table}, b.columns, pgx.CopyFromRows(rows)); err != nil {
		b.log.Error("batch insert", "table", b.table, "rows", len(rows), "err", err)
	}
	b.mu.Lock()
	if b.dropped > 0 {
		b.log.Warn("batch rows dropped: queue full", "table", b.table, "dropped", b.dropped)
		b.dropped = 0
	}
	b.mu.Unlock()
	return rows[:0]
}

// close flushes what is queued and stops.
func (b *batcher) close() {
	if b.stop != nil {
		b.stop()
		<-b.done
	}
}
