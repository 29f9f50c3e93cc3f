package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Issue 13 §4: every query on a hot read path uses an index. The hot
// queries run through the adapter as the app runs them (their SQL captured
// from bun, or the console's pgx SQL), then EXPLAIN (FORMAT JSON) runs on
// each against tables with realistic statistics: 50 000 payments (80 % of
// one client's), an event and a webhook delivery each, an attempt for every
// other payment, ANALYZEd; the planner is not forced (enable_seqscan stays
// on). A Seq Scan of payments, events, webhook_deliveries or attempts fails.

// explainSeedSQL fills the tables: payment g is created 10 s after g-1,
// cli_big's unless g % 10 ≥ 8 (then one of four small clients'), statuses
// spread over all nine.
const explainSeedSQL = `
INSERT INTO payments (id, client_id, order_id, amount, currency, status, return_url, version, expires_at, created_at, updated_at, refunded)
SELECT 'txn_x' || lpad(g::text, 12, '0'),
	CASE WHEN g % 10 < 8 THEN 'cli_big' ELSE 'cli_s' || (g % 20) END,
	'o-' || g, 1000 + g % 5000, 'BDT',
	(ARRAY['success','success','success','pending','failed','expired','cancelled','processing','partially_refunded','refunded'])[1 + (g / 10) % 10],
	'https://shop.example/r', 1,
	timestamptz '2026-01-01 00:00:00+00' + g * interval '10 seconds' + interval '1 hour',
	timestamptz '2026-01-01 00:00:00+00' + g * interval '10 seconds',
	timestamptz '2026-01-01 00:00:00+00' + g * interval '10 seconds',
	CASE WHEN (g / 10) % 10 = 9 THEN 1000 + g % 5000 WHEN (g / 10) % 10 = 8 THEN 500 ELSE 0 END
FROM generate_series(1, 50000) g;
INSERT INTO events (id, type, client_id, payment_id, payload, created_at)
SELECT 'evt_x' || substr(id, 6), 'payment.pending', client_id, id, '{}', created_at FROM payments;
INSERT INTO webhook_deliveries (id, event_id, client_id, url, status, created_at, updated_at)
SELECT 'whd_x' || substr(id, 6), id, client_id, 'https://shop.example/hook', 'delivered', created_at, created_at FROM events;
INSERT INTO attempts (id, payment_id, gateway, status, amount, currency, gateway_ref, trx_id, created_at, updated_at)
SELECT 'att_x' || substr(id, 6), id, 'bkash', 'succeeded', amount, currency, 'ref' || id, 'TRX' || substr(id, 6), created_at, created_at
FROM payments WHERE right(id, 1) IN ('0', '2', '4', '6', '8');
ANALYZE;`

// captureSQL records the SQL bun sends.
type captureSQL struct {
	mu   sync.Mutex
	sqls []string
}

func (c *captureSQL) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (c *captureSQL) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	c.mu.Lock()
	c.sqls = append(c.sqls, e.Query)
	c.mu.Unlock()
}

// take returns the SQL recorded since the last take, without the
// transaction's own statements.
func (c *captureSQL) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, q := range c.sqls {
		if u := strings.ToUpper(strings.TrimSpace(q)); strings.HasPrefix(u, "SELECT") || strings.HasPrefix(u, "WITH") {
			out = append(out, q)
		}
	}
	c.sqls = nil
	return out
}

// seqScans returns the large tables a plan reads with a Seq Scan.
func seqScans(plan any) []string {
	var out []string
	var walk func(n any)
	walk = func(n any) {
		switch v := n.(type) {
		case map[string]any:
			if v["Node Type"] == "Seq Scan" {
				switch rel, _ := v["Relation Name"].(string); rel {
				case "payments", "events", "webhook_deliveries", "attempts":
					out = append(out, rel)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(plan)
	return out
}

// seedHistory returns a database filled by explainSeedSQL.
func seedHistory(tb testing.TB) *postgres.DB {
	tb.Helper()
	ctx := context.Background()
	db, _ := pgtest.New(tb)
	for _, id := range []string{"cli_big", "cli_s8", "cli_s9", "cli_s18", "cli_s19"} {
		if err := db.CreateClient(ctx, postgres.NewClientParams{Client: domain.Client{ID: id, Name: id, Status: domain.ClientActive, Language: "en"},
			APIKey: "pk_" + id, APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, explainSeedSQL); err != nil {
		tb.Fatal(err)
	}
	return db
}

// seededAt is when seeded payment g was created; seededID its ID.
func seededAt(g int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g) * 10 * time.Second)
}

func seededID(g int) string { return fmt.Sprintf("txn_x%012d", g) }

func TestHotQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 50 000 payments")
	}
	ctx := context.Background()
	db := seedHistory(t)
	capture := &captureSQL{}
	db.Bun = db.Bun.WithQueryHook(capture) // before the TxProvider takes it
	tp := postgres.NewTxProvider(db, nil)
	at, id := seededAt, seededID

	plan := func(t *testing.T, q string, args ...any) (any, []byte) {
		t.Helper()
		var raw []byte
		if err := db.Pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&raw); err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		var p any
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p, raw
	}
	explain := func(t *testing.T, q string, args ...any) {
		t.Helper()
		p, raw := plan(t, q, args...)
		if seq := seqScans(p); len(seq) > 0 {
			t.Errorf("Seq Scan of %v in\n%s\nplan: %s", seq, q, raw)
		}
		t.Logf("%s\n%s", q, raw)
	}
	// The check sees a Seq Scan where there is one.
	if p, _ := plan(t, "SELECT count(*) FROM payments WHERE amount = 1234"); len(seqScans(p)) == 0 {
		t.Fatal("a scan of payments by amount is not reported")
	}
	// Each case runs a read as the app does and explains every SELECT it sent.
	viaBun := map[string]func(ctx context.Context, tx ports.Tx) error{
		"list first page": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", Limit: 21, CountCap: 10_000})
			return err
		},
		"list by cursor deep in history": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", AfterCreated: at(1001), AfterID: id(1001), Limit: 21, CountCap: 10_000})
			return err
		},
		"list by status": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", Status: domain.StatusRefunded, Limit: 21, CountCap: 10_000})
			return err
		},
		"list of a small client, numbered page": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_s9", Offset: 200, Limit: 21, CountCap: 10_000})
			return err
		},
		"list by date range (capped count)": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", From: at(20000), To: at(23000), Limit: 21, CountCap: 10_000})
			return err
		},
		"payment by client and order_id": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", OrderID: "o-4242", Limit: 21, CountCap: 10_000})
			return err
		},
		"dashboard": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().Stats(ctx, "cli_big")
			return err
		},
		"payment by id": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Payments().Get(ctx, id(4242))
			return err
		},
		"payment's attempts": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Attempts().ListByPayment(ctx, id(4242))
			return err
		},
		"attempt by gateway trxID": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Attempts().GetByTrxID(ctx, domain.GatewayBkash, "TRXx000000004242")
			return err
		},
		"webhook deliveries of a client": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.EventLog().ListDeliveries(ctx, "cli_big", "", 20)
			return err
		},
		"webhook deliveries of every client (operators)": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.EventLog().ListDeliveries(ctx, "", "", 50)
			return err
		},
		"webhook deliveries of an event": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.EventLog().ListDeliveries(ctx, "cli_big", "evt_x000000004242", 20)
			return err
		},
		"expired payments (reconciler)": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().ExpiredPayments(ctx, at(30000), 100)
			return err
		},
	}
	for name, read := range viaBun {
		t.Run(name, func(t *testing.T) {
			capture.take()
			if err := tp.Transact(ctx, read); err != nil && err != domain.ErrNotFound {
				t.Fatal(err)
			}
			sqls := capture.take()
			if len(sqls) == 0 {
				t.Fatal("no SELECT captured")
			}
			for _, q := range sqls {
				explain(t, q)
			}
		})
	}
	// The console's reads (pgx).
	for name, s := range map[string]ports.PaymentSearch{
		"search, every client, first page":     {Limit: 21},
		"search, every client, after a cursor": {AfterCreated: at(30000), AfterID: id(30000), Limit: 21},
		"search, one client":                   {ClientID: "cli_s8", Limit: 21},
		"search, one client and status":        {ClientID: "cli_big", Status: "refunded", Limit: 21},
		"search, one client, date range":       {ClientID: "cli_big", From: at(20000), To: at(21000), Limit: 21},
	} {
		t.Run(name, func(t *testing.T) {
			q, args := postgres.SearchPaymentsSQL(s)
			explain(t, q, args...)
		})
	}
	t.Run("payment timeline", func(t *testing.T) { explain(t, postgres.TimelineSQL, id(4242)) })
}

// BenchmarkHotReads measures the merchant's reads through the adapter over
// the 50 000 seeded payments (40 000 of cli_big's): a list's first page and
// a page 45 000 deep by cursor (each with its kept total), and the
// dashboard's figures.
func BenchmarkHotReads(b *testing.B) {
	ctx := context.Background()
	tp := postgres.NewTxProvider(seedHistory(b), nil)
	for name, read := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"list first page": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", Limit: 21, CountCap: 10_000})
			return err
		},
		"list by cursor deep": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: "cli_big", AfterCreated: seededAt(5001), AfterID: seededID(5001), Limit: 21, CountCap: 10_000})
			return err
		},
		"dashboard": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().Stats(ctx, "cli_big")
			return err
		},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tp.Transact(ctx, read); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
