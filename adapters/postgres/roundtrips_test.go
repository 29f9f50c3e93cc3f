package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// flowEnv is the app over a test database whose pool counts round trips,
// with River's InsertTx as job queue (not started: jobs stay queued) and a
// gateway answering every call at once.
type flowEnv struct {
	app    *app.App
	rt     *roundTrips
	client string
	n      atomic.Int64
}

func newFlowEnv(tb testing.TB) *flowEnv {
	tb.Helper()
	db, dsn := pgtest.New(tb)
	ctx := context.Background()
	e := &flowEnv{rt: &roundTrips{}, client: "cli_flow"}
	if err := db.CreateClient(ctx, postgres.NewClientParams{Client: domain.Client{ID: e.client, Name: "Flow Shop",
		Status: domain.ClientActive, Language: "en", WebhookURL: "https://shop.example/hooks"},
		APIKey: "pk_flow", APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		tb.Fatal(err)
	}
	tdb, err := postgres.Open(ctx, dsn, pgtest.Box(), 4, postgres.WithTracer(e.rt))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(tdb.Close)
	runner, err := jobs.New(tdb.Pool, jobs.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	e.app = app.New(app.Config{PaymentTTL: time.Hour, AttemptTTL: 10 * time.Minute, Sandbox: true},
		app.Deps{Tx: postgres.NewTxProvider(tdb, runner.Queue), Clock: portstest.NewClock(time.Now()),
			Gateways: []ports.PaymentGateway{&lockGateway{}}, SMS: nopSMS{}})
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
	// are counted apart. bun writes values into the SQL text, and openSQL
	// sends such texts unprepared: on warm caches (round 1) no step may
	// prepare anything, or each new payment ID would cost a round trip.
	budget := map[string]int{"hosted page": 3, "start": 11, "callback": 10, "result page": 3}
	for round := range 2 { // the second round runs on warm statement caches
		var st flowState
		for _, s := range e.steps() {
			e.rt.reset()
			if err := s.run(ctx, &st); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			q, p, n := e.rt.trips()
			t.Logf("round %d %-12s %2d queries + %2d prepares (+ %d River notify)", round, s.name, q, p, n)
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
