package postgres_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// lockGateway answers every create with a fresh reference and every confirm
// with success for a fresh transaction.
type lockGateway struct{ n atomic.Int64 }

func (*lockGateway) Gateway() domain.Gateway { return domain.GatewayBkash }

func (g *lockGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	return ports.CreateResult{GatewayRef: "REF-" + req.AttemptID, RedirectURL: "https://gw.example/" + req.AttemptID}, nil
}

func (g *lockGateway) Confirm(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: fmt.Sprintf("TRX%d", g.n.Add(1))}, nil
}

// TestCallbackRacesExpiry runs a customer's callback and reconciliation's
// expiry on the same payment at the same moment, many times, on
// PostgreSQL. Both lock payment → attempt (docs/architecture.md §3), so no
// deadlock error reaches either caller, and every payment ends in one of
// the legal states.
func TestCallbackRacesExpiry(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	client := domain.Client{ID: "cli_race", Name: "Race Shop", Status: domain.ClientActive, Language: "en"}
	if err := db.CreateClient(ctx, postgres.NewClientParams{Client: client, APIKey: "pk_race",
		APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := portstest.NewClock(t0)
	a := app.New(app.Config{PaymentTTL: time.Hour, AttemptTTL: 10 * time.Minute},
		app.Deps{Tx: postgres.NewTxProvider(db, nil), Clock: clock, Gateways: []ports.PaymentGateway{&lockGateway{}}})

	const rounds = 40
	type pending struct{ payment, attempt, ref string }
	start := func(i int, kind string) pending {
		t.Helper()
		p, err := a.Payments.Create(ctx, client.ID, app.CreatePaymentInput{OrderID: fmt.Sprintf("%s-%d", kind, i),
			Amount: "100.00", Currency: "BDT", ReturnURL: "https://shop.example/done"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Attempts.Start(ctx, p.ID, domain.GatewayBkash); err != nil {
			t.Fatal(err)
		}
		v, err := a.Payments.Get(ctx, app.Principal{ClientID: client.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		att := v.LastAttempt()
		return pending{payment: p.ID, attempt: att.ID, ref: att.GatewayRef}
	}
	race := func(t *testing.T, kind string, expire func(pending) error, legal func(*domain.Payment, *domain.Attempt) bool) {
		var ps []pending
		for i := range rounds {
			ps = append(ps, start(i, kind))
		}
		clock.Advance(2 * time.Hour) // every payment and attempt is now past its TTL
		for _, pd := range ps {
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			gate := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-gate
				_, err := a.Attempts.HandleCallback(ctx, app.CallbackInput{Gateway: domain.GatewayBkash, GatewayRef: pd.ref,
					Status: app.CallbackSuccess})
				errs <- err
			}()
			go func() {
				defer wg.Done()
				<-gate
				errs <- expire(pd)
			}()
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("%s: a caller got %v", pd.payment, err)
				}
			}
			v, err := a.Payments.Get(ctx, app.Principal{ClientID: client.ID}, pd.payment)
			if err != nil {
				t.Fatal(err)
			}
			if !legal(v.Payment, v.LastAttempt()) {
				t.Fatalf("%s ended %s with attempt %s", pd.payment, v.Payment.Status(), v.LastAttempt().Status())
			}
		}
	}

	t.Run("payment expiry", func(t *testing.T) {
		race(t, "pay", func(pd pending) error { return a.Reconciler.ExpirePayment(ctx, pd.payment) },
			func(p *domain.Payment, at *domain.Attempt) bool {
				// Expired before the callback (attempt expired with it), or the
				// callback came first and found the payment past its time
				// (attempt failed NOT_PAYABLE, then the payment expired).
				return p.Status() == domain.StatusExpired &&
					(at.Status() == domain.AttemptExpired || at.Status() == domain.AttemptFailed && at.FailureCode == "NOT_PAYABLE")
			})
	})
	t.Run("attempt expiry", func(t *testing.T) {
		// Payments that live long enough for the callback to be payable.
		a.Payments = app.New(app.Config{PaymentTTL: 24 * time.Hour}, app.Deps{Tx: postgres.NewTxProvider(db, nil),
			Clock: clock, Gateways: []ports.PaymentGateway{&lockGateway{}}}).Payments
		race(t, "att", func(pd pending) error { return a.Reconciler.ExpireAttempt(ctx, pd.attempt) },
			func(p *domain.Payment, at *domain.Attempt) bool {
				return p.Status() == domain.StatusSuccess && at.Status() == domain.AttemptSucceeded ||
					p.Status() == domain.StatusPending && at.Status() == domain.AttemptExpired
			})
	})
}

// TestTransactRetries: a transaction PostgreSQL aborts for a deadlock or a
// serialization failure runs again from the start, a bounded number of
// times; other errors are returned at once.
func TestTransactRetries(t *testing.T) {
	db, _ := pgtest.New(t)
	txp := postgres.NewTxProvider(db, nil)
	for _, tc := range []struct {
		name      string
		err       error
		failures  int
		wantRuns  int
		wantError bool
	}{
		{"deadlock once", &pgconn.PgError{Code: "40P01"}, 1, 2, false},
		{"serialization twice", &pgconn.PgError{Code: "40001"}, 2, 3, false},
		{"deadlock forever", &pgconn.PgError{Code: "40P01"}, 100, postgres.MaxTxRetries + 1, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, 1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			err := txp.Transact(context.Background(), func(context.Context, ports.Tx) error {
				runs++
				if runs <= tc.failures {
					return tc.err
				}
				return nil
			})
			if runs != tc.wantRuns || (err != nil) != tc.wantError {
				t.Fatalf("runs %d err %v, want %d runs, error %v", runs, err, tc.wantRuns, tc.wantError)
			}
		})
	}
}

// TestTransactCancelledWhileWaiting: a use case whose context ends while it
// waits for a row lock gets an error and leaves nothing behind; the lock
// holder commits unharmed.
func TestTransactCancelledWhileWaiting(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	if err := db.CreateClient(ctx, postgres.NewClientParams{Client: domain.Client{ID: "cli_c", Name: "C", Status: domain.ClientActive, Language: "en"},
		APIKey: "pk_c", APISecret: []byte("s"), WebhookSecret: []byte("w")}); err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, nil)
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_c", OrderID: "o-c", ReturnURL: "https://s.example/"},
		domain.MustMoney(1000, "BDT"), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error { return tx.Payments().Create(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		locked, release := make(chan struct{}), make(chan struct{})
		holder := make(chan error, 1)
		go func() {
			holder <- txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
				return tx.Payments().Update(ctx, p.ID, func(*domain.Payment) error {
					close(locked)
					<-release
					return nil
				})
			})
		}()
		<-locked
		wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := txp.Transact(wctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Payments().Update(ctx, p.ID, func(*domain.Payment) error { return nil })
		})
		cancel()
		close(release)
		if err == nil {
			t.Fatal("a transaction waiting past its deadline succeeded")
		}
		if err := <-holder; err != nil {
			t.Fatalf("the lock holder: %v", err)
		}
	}
}

// TestUnavailableClassifiesConnectionErrors: PostgreSQL shutting down or a
// broken connection is "unavailable" (domain.ErrUnavailable: 503 at the
// edges, retry), a refusal of the request is not. The fault suite's
// PostgreSQL-restart row shows it end to end.
func TestUnavailableClassifiesConnectionErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin shutdown (pg_ctl restart -m fast)
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot connect now (starting up)
		{&pgconn.PgError{Code: "08006"}, true}, // connection failure
		{fmt.Errorf("begin: %w", io.ErrUnexpectedEOF), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "40P01"}, false}, // deadlock: retried, not unavailable
		{domain.ErrNotFound, false},
		{nil, false},
	} {
		if got := postgres.Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
