package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// flowTrips counts what a pgx connection sends: each query (BEGIN and
// COMMIT included), each batch and each prepare is one round trip to
// PostgreSQL.
// River's insert notification (PGNotifyMany, sent with at most one insert
// per queue per interval) is counted apart: whether a step sends it
// depends on the time since the last one.
type flowTrips struct{ queries, prepares, riverNotifies atomic.Int64 }

func (c *flowTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "name: PGNotifyMany") {
		c.riverNotifies.Add(1)
	} else {
		c.queries.Add(1)
	}
	return ctx
}

func (*flowTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *flowTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.prepares.Add(1)
	return ctx
}

func (*flowTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// A batch (a pipeline ending in one Sync) is one round trip, counted as
// one query.
func (c *flowTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.queries.Add(1)
	return ctx
}

func (*flowTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (*flowTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *flowTrips) reset() { c.queries.Store(0); c.prepares.Store(0); c.riverNotifies.Store(0) }

// flowEnv is the app over a test database whose pool counts round trips,
// with River's InsertTx as job queue (not started: jobs stay queued) and a
// gateway answering every call at once.
type flowEnv struct {
	app    *app.App
	rt     *flowTrips
	client string
	n      atomic.Int64
}

type flowSMS struct{}

func (flowSMS) Provider() string                                { return "log" }
func (flowSMS) Send(context.Context, ports.SMS) (string, error) { return "ref", nil }

func newFlowEnv(tb testing.TB) *flowEnv {
	tb.Helper()
	db, dsn := pgtest.New(tb)
	ctx := context.Background()
	e := &flowEnv{rt: &flowTrips{}, client: "cli_flow"}
	if err := db.CreateClient(ctx, postgres.NewClientParams{Client: domain.Client{ID: e.client, Name: "Flow Shop",
		Status: domain.ClientActive, Language: "en", WebhookURL: "https://shop.example/hooks"},
		APIKey: "pk_flow", APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		tb.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.Tracer = e.rt
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	sqlDB := postgres.OpenSQL(pool)
	tdb := &postgres.DB{Pool: pool, SQL: sqlDB, Bun: bun.NewDB(sqlDB, pgdialect.New())}
	tb.Cleanup(tdb.Close)
	runner, err := jobs.New(pool, jobs.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	e.app = app.New(app.Config{PaymentTTL: time.Hour, AttemptTTL: 10 * time.Minute, Sandbox: true},
		app.Deps{Tx: postgres.NewTxProvider(tdb, runner.Queue), Clock: portstest.NewClock(time.Now()),
			Gateways: []ports.PaymentGateway{&lockGateway{}}, SMS: flowSMS{}})
	return e
}

// flowStep is one step of a customer's payment.
type flowStep struct {
	name string
	run  func(ctx context.Context, st *flowState) error
}

type flowState struct{ payment, ref string }

func (e *flowEnv) steps() []flowStep {
	return []flowStep{
		{"create", func(ctx context.Context, st *flowState) error {
			p, err := e.app.Payments.Create(ctx, e.client, app.CreatePaymentInput{OrderID: fmt.Sprintf("RT-%d", e.n.Add(1)),
				Amount: "100.00", Currency: "BDT", CustomerPhone: "01770618575", ReturnURL: "https://shop.example/done"})
			if err == nil {
				st.payment = p.ID
			}
			return err
		}},
		{"hosted page", func(ctx context.Context, st *flowState) error {
			_, err := e.app.Payments.HostedPage(ctx, st.payment)
			return err
		}},
		{"start", func(ctx context.Context, st *flowState) error {
			if _, err := e.app.Attempts.Start(ctx, st.payment, domain.GatewayBkash); err != nil {
				return err
			}
			v, err := e.app.Payments.HostedPage(ctx, st.payment)
			if err == nil {
				st.ref = v.Attempts[len(v.Attempts)-1].GatewayRef
			}
			return err
		}},
		{"callback", func(ctx context.Context, st *flowState) error {
			res, err := e.app.Attempts.HandleCallback(ctx, app.CallbackInput{Gateway: domain.GatewayBkash, GatewayRef: st.ref,
				Status: app.CallbackSuccess})
			if err == nil && res.Payment.Status() != domain.StatusSuccess {
				err = fmt.Errorf("payment %s", res.Payment.Status())
			}
			return err
		}},
		{"result page", func(ctx context.Context, st *flowState) error {
			_, err := e.app.Payments.HostedPage(ctx, st.payment)
			return err
		}},
	}
}

// TestFlowRoundTrips counts the SQL round trips of each step of a bKash
// payment (the gateway answering at once) and holds the steps this helper
// owns to their budget: a step that grows a query fails here first. The
// create's own count is logged (another change owns it). "start" includes
// one hosted-page read of the test's own, to find the gateway reference.
func TestFlowRoundTrips(t *testing.T) {
	e := newFlowEnv(t)
	ctx := context.Background()
	// Queries (BEGIN, COMMIT and River's inserts included) per step; prepares
	// are counted apart. bun writes values into the SQL text, and OpenSQL
	// sends such texts unprepared: on warm caches (round 1) no step may
	// prepare anything, or each new payment ID would cost a round trip.
	budget := map[string]int64{"hosted page": 3, "start": 13, "callback": 21, "result page": 3}
	for round := range 2 { // the second round runs on warm statement caches
		var st flowState
		for _, s := range e.steps() {
			e.rt.reset()
			if err := s.run(ctx, &st); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			q, p := e.rt.queries.Load(), e.rt.prepares.Load()
			t.Logf("round %d %-12s %2d queries + %2d prepares (+ %d River notify)", round, s.name, q, p, e.rt.riverNotifies.Load())
			if b, ok := budget[s.name]; ok && q > b {
				t.Errorf("%s: %d queries, budget %d", s.name, q, b)
			}
			if round == 1 && p > 0 {
				t.Errorf("%s: %d prepares on warm caches, want 0", s.name, p)
			}
		}
	}
}

// BenchmarkFlowSteps times each step of a bKash payment against
// PostgreSQL (the gateway answering at once); its round trips are
// TestFlowRoundTrips's.
func BenchmarkFlowSteps(b *testing.B) {
	e := newFlowEnv(b)
	ctx := context.Background()
	steps := e.steps()
	for i, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			var st flowState
			for b.Loop() {
				b.StopTimer()
				st = flowState{}
				for _, prev := range steps[:i] {
					if err := prev.run(ctx, &st); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := s.run(ctx, &st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
