package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/migrations"
	"github.com/paycore/paycore/ports"
)

// The dashboard's figures kept in client_payment_stats
// (migrations/20261206060000_reads.tx.up.sql) equal what a scan of the
// client's payments computes: after the migration's backfill, and after
// concurrent creates and status changes on many connections.

// scanStats is the dashboard computed the old way, by scanning payments.
func scanStats(t *testing.T, db *postgres.DB, clientID string) ports.PaymentStats {
	t.Helper()
	st := ports.PaymentStats{Paid: map[string]int64{}, Refunded: map[string]int64{}}
	rows, err := db.Pool.Query(context.Background(), `SELECT currency, count(*),
		count(*) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')),
		count(*) FILTER (WHERE status IN ('failed', 'cancelled', 'expired')),
		coalesce(sum(amount) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')), 0)::bigint,
		coalesce(sum(refunded), 0)::bigint
		FROM payments WHERE client_id = $1 GROUP BY currency`, clientID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cur string
		var total, success, failed, paid, refunded int64
		if err := rows.Scan(&cur, &total, &success, &failed, &paid, &refunded); err != nil {
			t.Fatal(err)
		}
		st.Total, st.Success, st.Failed = st.Total+total, st.Success+success, st.Failed+failed
		st.Paid[cur], st.Refunded[cur] = paid, refunded
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return st
}

func keptStats(t *testing.T, tp ports.TxProvider, clientID string) ports.PaymentStats {
	t.Helper()
	var st ports.PaymentStats
	if err := tp.Transact(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		st, err = tx.Queries().Stats(ctx, clientID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

func sameStats(a, b ports.PaymentStats) bool {
	return fmt.Sprint(a.Total, a.Success, a.Failed, a.Paid, a.Refunded) == fmt.Sprint(b.Total, b.Success, b.Failed, b.Paid, b.Refunded)
}

func addClient(t *testing.T, db *postgres.DB, id string) {
	t.Helper()
	if err := db.CreateClient(context.Background(), postgres.NewClientParams{Client: domain.Client{ID: id, Name: id,
		Status: domain.ClientActive, Language: "en"}, APIKey: "pk_" + id, APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		t.Fatal(err)
	}
}

// payAndMove creates a payment of clientID and moves it by step: 0 stays
// pending, 1 paid, 2 paid then half refunded, 3 cancelled.
func payAndMove(ctx context.Context, tx ports.Tx, clientID, orderID string, step int) error {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	p, err := domain.NewPayment(domain.Order{ClientID: clientID, OrderID: orderID, ReturnURL: "https://shop.example/r"},
		domain.MustMoney(int64(1000+step), "BDT"), now, time.Hour)
	if err != nil {
		return err
	}
	if err := tx.Payments().Create(ctx, p); err != nil {
		return err
	}
	if step == 0 {
		return nil
	}
	return tx.Payments().Update(ctx, p.ID, func(p *domain.Payment) error {
		if step == 3 {
			return p.Cancel(now)
		}
		if err := p.StartProcessing(now); err != nil {
			return err
		}
		if err := p.Succeed(domain.GatewayBkash, "R"+orderID, "T"+orderID, now); err != nil {
			return err
		}
		if step == 2 {
			return p.ApplyRefund(domain.MustMoney(500, "BDT"), now)
		}
		return nil
	})
}

func execFile(t *testing.T, pool *pgxpool.Pool, name string) {
	t.Helper()
	sql, err := fs.ReadFile(migrations.Files(), name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if _, err := c.Conn().PgConn().Exec(context.Background(), string(sql)).ReadAll(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestStatsBackfill(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.New(t)
	tp := postgres.NewTxProvider(db, nil)
	addClient(t, db, "cli_old")
	execFile(t, db.Pool, "20261206060000_reads.tx.down.sql")
	for i := range 12 {
		if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			return payAndMove(ctx, tx, "cli_old", fmt.Sprintf("o-%d", i), i%4)
		}); err != nil {
			t.Fatal(err)
		}
	}
	execFile(t, db.Pool, "20261206060000_reads.tx.up.sql")
	want := scanStats(t, db, "cli_old")
	if got := keptStats(t, tp, "cli_old"); !sameStats(got, want) || got.Total != 12 || got.Success != 6 || got.Failed != 3 {
		t.Fatalf("after backfill: kept %+v, scan %+v", got, want)
	}
	// The trigger takes over from the backfilled figures.
	if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error { return payAndMove(ctx, tx, "cli_old", "o-new", 2) }); err != nil {
		t.Fatal(err)
	}
	if got, want := keptStats(t, tp, "cli_old"), scanStats(t, db, "cli_old"); !sameStats(got, want) {
		t.Fatalf("after a new payment: kept %+v, scan %+v", got, want)
	}
}

func TestStatsUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.New(t)
	tp := postgres.NewTxProvider(db, nil)
	addClient(t, db, "cli_busy")
	addClient(t, db, "cli_other")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				client := "cli_busy"
				if i%5 == 4 {
					client = "cli_other"
				}
				if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
					return payAndMove(ctx, tx, client, fmt.Sprintf("w%d-%d", w, i), (w+i)%4)
				}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// A change rolled back leaves no trace in the figures.
	boom := errors.New("boom")
	if err := tp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := payAndMove(ctx, tx, "cli_busy", "rolled-back", 1); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, c := range []string{"cli_busy", "cli_other"} {
		if got, want := keptStats(t, tp, c), scanStats(t, db, c); !sameStats(got, want) {
			t.Errorf("%s: kept %+v, scan %+v", c, got, want)
		}
	}
	if got := keptStats(t, tp, "cli_busy"); got.Total != 128 {
		t.Errorf("cli_busy total %d, want 128", got.Total)
	}
}

// Two open transactions creating payments of one merchant on two
// connections do not wait for each other on the kept figures.
func TestStatsDoNotSerializeOneMerchant(t *testing.T) {
	ctx := context.Background()
	db, _ := pgtest.New(t)
	addClient(t, db, "cli_one")
	// Two connections whose rows differ (shard = pg_backend_pid() % 64).
	var conns []*pgxpool.Conn
	shards := map[int]bool{}
	for len(conns) < 2 {
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if s := int(c.Conn().PgConn().PID() % 64); !shards[s] {
			shards[s] = true
			conns = append(conns, c)
		}
	}
	insert := `INSERT INTO payments (id, client_id, order_id, amount, currency, status, return_url, version, expires_at, created_at, updated_at)
		VALUES ($1, 'cli_one', $1, 1000, 'BDT', 'pending', 'https://shop.example/r', 1, now() + interval '1 hour', now(), now())`
	tx1, err := conns[0].Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx1.Rollback(ctx) }()
	if _, err := tx1.Exec(ctx, insert, "txn_first"); err != nil {
		t.Fatal(err)
	}
	tx2, err := conns[1].Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx2.Rollback(ctx) }()
	if _, err := tx2.Exec(ctx, "SET LOCAL lock_timeout = '2s'"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx2.Exec(ctx, insert, "txn_second"); err != nil {
		t.Fatalf("the second create waited on the first: %v", err)
	}
	for _, tx := range []interface{ Commit(context.Context) error }{tx2, tx1} {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := keptStats(t, postgres.NewTxProvider(db, nil), "cli_one"); got.Total != 2 {
		t.Errorf("total %d, want 2", got.Total)
	}
}
